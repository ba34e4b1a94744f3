// Users' S3 keys and share links on one node's accounts (replication is the account sync's, tested with
// the other records): made, checked, revoked, and ended with their user.
import { describe, expect, test } from "bun:test";
import type { Logger } from "../log.ts";
import { Keyring } from "../security/keyring.ts";
import { TEST_KEY } from "../security/test-keys.ts";
import { MemoryAccountStore } from "./account-store.ts";
import { Accounts } from "./accounts.ts";
import type { AccountRecord } from "./records.ts";
import { SecretSeal } from "./secret-seal.ts";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function node(opts: { seal?: boolean } = {}) {
  const store = new MemoryAccountStore();
  let now = 1_800_000_000_000;
  const sync = { write: async (r: AccountRecord) => (store.offer(r), { confirmed: 1, members: 1 }) };
  const keyring = Keyring.of(TEST_KEY);
  const seal = opts.seal === false ? undefined : new SecretSeal(keyring);
  const accounts = new Accounts({ selfId: "a", store, sync, now: () => now, log: quiet, seal });
  return { accounts, store, keyring, tick: (ms: number) => (now += ms) };
}

describe("S3 keys of users", () => {
  test("reseal seals every live key again under the primary after a switch, so removing the old key keeps them working", async () => {
    const { accounts, store, keyring, tick } = node();
    await accounts.addUser("alice", "alice password", "user", null);
    const made = await accounts.s3Keys.create("alice", {});
    const revoked = await accounts.s3Keys.create("alice", {});
    await accounts.s3Keys.revoke(revoked.accessKey);
    expect(await accounts.s3Keys.reseal()).toEqual({ resealed: 0, unreadable: [] }); // already under the primary
    const next = keyring.install("the-next-cluster-key-0123456789-abcdefgh");
    keyring.use(next.id);
    tick(1);
    const before = store.s3Key(made.accessKey)!;
    expect(await accounts.s3Keys.reseal()).toEqual({ resealed: 1, unreadable: [] }); // the revoked key stays a tombstone
    const after = store.s3Key(made.accessKey)!;
    expect(after.sealedSecret).toStartWith(`${next.id}.`);
    expect(after.version > before.version).toBe(true);
    keyring.remove(TEST_KEY.id);
    expect(accounts.s3Keys.holder(made.accessKey)?.secret).toBe(made.secretKey);
    expect(store.s3Key(revoked.accessKey)).toMatchObject({ deleted: true, sealedSecret: "" });
  });

  test("a key is made with its secret once, stored sealed, and names its user until revoked", async () => {
    const { accounts, store, tick } = node();
    await accounts.addUser("alice", "alice password", "user", null);
    const made = await accounts.s3Keys.create("alice", { readOnly: true, label: "backup" });
    expect(made.accessKey).toMatch(/^ORU[A-Z0-9]{17}$/);
    expect(made.secretKey.length).toBe(40);
    expect(JSON.stringify(store.all())).not.toContain(made.secretKey);
    const holder = accounts.s3Keys.holder(made.accessKey)!;
    expect([holder.user.name, holder.secret, holder.key.readOnly, holder.key.label]).toEqual(["alice", made.secretKey, true, "backup"]);
    expect(accounts.s3Keys.holder("ORUAAAAAAAAAAAAAAAAA")).toBeUndefined();
    tick(1);
    await accounts.s3Keys.revoke(made.accessKey);
    expect(accounts.s3Keys.holder(made.accessKey)).toBeUndefined();
    expect(store.s3Key(made.accessKey)).toMatchObject({ deleted: true, sealedSecret: "" });
    expect(accounts.s3Keys.list("alice")).toEqual([]);
    await expect(accounts.s3Keys.revoke(made.accessKey)).rejects.toMatchObject({ status: 404 });
  });

  test("removing a user revokes their keys; a new user of the name does not inherit one; no seal, no keys", async () => {
    const { accounts, tick } = node();
    await accounts.addUser("alice", "alice password", "user", null);
    const made = await accounts.s3Keys.create("alice", {});
    tick(1);
    await accounts.removeUser("alice");
    expect(accounts.s3Keys.holder(made.accessKey)).toBeUndefined();
    await expect(accounts.s3Keys.create("bob", {})).rejects.toMatchObject({ status: 404, code: "no_such_user" });
    const unsealed = node({ seal: false });
    await unsealed.accounts.addUser("carol", "carol password", "user", null);
    await expect(unsealed.accounts.s3Keys.create("carol", {})).rejects.toMatchObject({ status: 503 });
  });
});

describe("share links", () => {
  test("a link opens until it expires or is revoked; a wrong secret is unknown, never 'revoked'", async () => {
    const { accounts, tick } = node();
    await accounts.addUser("alice", "alice password", "user", null);
    const day = 86_400_000;
    const made = await accounts.links.create("alice", "home/alice/a.txt", 1_800_000_000_000 + day);
    expect(made.token).toMatch(/^[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(accounts.links.resolve(made.token)).toMatchObject({ state: "open", link: { path: "home/alice/a.txt" }, maker: { name: "alice" } });
    const wrong = `${made.token.slice(0, -1)}${made.token.endsWith("A") ? "B" : "A"}`;
    expect(accounts.links.resolve(wrong)).toEqual({ state: "unknown" });
    expect(accounts.links.resolve("not a token")).toEqual({ state: "unknown" });
    tick(day);
    expect(accounts.links.resolve(made.token)).toEqual({ state: "gone", reason: "expired" });
    const second = await accounts.links.create("alice", "home/alice", 1_800_000_000_000 + 3 * day);
    tick(1);
    await accounts.links.revoke(second.record.id);
    expect(accounts.links.resolve(second.token)).toEqual({ state: "gone", reason: "revoked" });
  });

  test("a link ends with its maker", async () => {
    const { accounts, tick } = node();
    await accounts.addUser("alice", "alice password", "user", null);
    const made = await accounts.links.create("alice", "home/alice", 1_900_000_000_000);
    tick(1);
    await accounts.removeUser("alice");
    expect(accounts.links.resolve(made.token)).toEqual({ state: "gone", reason: "revoked" });
  });
});
