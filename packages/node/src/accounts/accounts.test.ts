// Accounts over an in-memory cluster: changes reach every member, a member that was away catches up by
// digest, deletes and new passwords win by version, and the rules on tokens and admins.
import { describe, expect, test } from "bun:test";
import { userRecord } from "./account-store.case.ts";
import { cluster } from "./test-fixtures.ts";
import type { ShareRecord } from "./records.ts";

describe("Accounts", () => {
  test("a user added on one node logs in on every node; a removal reaches them all", async () => {
    const { node } = cluster(["a", "b", "c"]);
    const made = await node("a").accounts.addUser("alice", "correct horse", "user", null);
    expect([made.confirmed, made.members]).toEqual([3, 3]);
    expect((await node("c").accounts.checkPassword("alice", "correct horse"))?.name).toBe("alice");
    expect(await node("c").accounts.checkPassword("alice", "wrong horse")).toBeUndefined();
    expect(made.passwordHash).toStartWith("$argon2id$");
    await node("b").accounts.removeUser("alice");
    expect(await node("c").accounts.checkPassword("alice", "correct horse")).toBeUndefined();
    expect(node("a").accounts.user("alice")).toBeUndefined();
  });

  test("a node that was away catches up at its next round: the new password wins, the old one stops working", async () => {
    const { setDown, clock, node, tick } = cluster(["a", "b", "c"]);
    await node("a").accounts.addUser("alice", "first password", "user", null);
    setDown("c", true);
    tick(1000);
    await node("a").accounts.changeUser("alice", { password: "second password" });
    await node("a").accounts.addUser("bob", "bobs password", "user", 1000);
    expect(await node("c").accounts.checkPassword("alice", "first password")).toBeDefined();
    setDown("c", false);
    node("c").sync.start();
    await clock.advance(1500);
    await node("c").sync.stop();
    expect(node("c").store.digest()).toBe(node("a").store.digest());
    expect(await node("c").accounts.checkPassword("alice", "first password")).toBeUndefined();
    expect(await node("c").accounts.checkPassword("alice", "second password")).toBeDefined();
    expect(node("c").accounts.user("bob")?.quotaBytes).toBe(1000);
  });

  test("a round also gives the peer what only this node holds", async () => {
    const { setDown, clock, node } = cluster(["a", "b"]);
    setDown("b", true);
    await node("a").accounts.addUser("alice", "correct horse", "user", null);
    setDown("b", false);
    expect(node("b").accounts.user("alice")).toBeUndefined();
    node("b").sync.start(); // b asks a: a's digest differs, b takes alice
    await clock.advance(1500);
    await node("b").sync.stop();
    expect(node("b").accounts.user("alice")).toBeDefined();
    await node("b").store.offer(userRecord("carol", "01a000000000000000@b"));
    node("a").sync.start(); // a asks b, takes carol
    await clock.advance(1500);
    await node("a").sync.stop();
    expect(node("a").store.user("carol")).toBeDefined();
  });

  test("rounds that find the same records on both sides idle down to quietMaxMs; a change anywhere brings them back", async () => {
    const { clock, node, digestsAsked } = cluster(["a", "b"], { quietMaxMs: 6000 });
    node("a").sync.start();
    await clock.advance(60_000);
    // Rounds 1, 1, 2, 4, then 6 s apart: 12 in a minute, where one a second made 60.
    const idle = digestsAsked.get("b") ?? 0;
    expect(idle).toBeGreaterThanOrEqual(10);
    expect(idle).toBeLessThanOrEqual(13);
    await node("b").accounts.addUser("alice", "correct horse", "user", null); // pushed to a: still the same digests
    node("a").sync.worker.unquiet(); // what a member change does
    await clock.advance(1000);
    expect(digestsAsked.get("b")).toBe(idle + 1);
    await clock.advance(1000);
    expect(digestsAsked.get("b")).toBe(idle + 2); // the streak starts again: 1, 2, 4 s ...
    await clock.advance(1000);
    expect(digestsAsked.get("b")).toBe(idle + 2);
    await clock.advance(1000);
    expect(digestsAsked.get("b")).toBe(idle + 3);
    await node("a").sync.stop();
  });

  test("tokens: shown once, stored hashed, refused when revoked, expired, or of a user made again under the same name", async () => {
    const { node, tick } = cluster(["a", "b"]);
    await node("a").accounts.addUser("alice", "correct horse", "user", null);
    const t = await node("a").accounts.createToken("alice", { readOnly: true, expiresAt: null });
    // The secret is everything after the id (43 base64url characters, which may hold "_" themselves).
    const secret = t.token.slice("orrery_".length + 16 + 1);
    expect(secret).toHaveLength(43);
    expect(JSON.stringify(node("b").store.all())).not.toContain(secret);
    expect(node("b").accounts.checkToken(t.token)?.token.readOnly).toBe(true);
    expect(node("b").accounts.checkToken(t.token.slice(0, -1) + (t.token.endsWith("A") ? "B" : "A"))).toBeUndefined();
    await node("b").accounts.revokeToken(t.record.id);
    expect(node("a").accounts.checkToken(t.token)).toBeUndefined();

    const soon = await node("a").accounts.createToken("alice", { expiresAt: Date.now() + 0 });
    tick(1);
    const later = await node("a").accounts.createToken("alice", {});
    expect(node("a").accounts.checkToken(soon.token)).toBeUndefined(); // expiresAt already past
    expect(node("a").accounts.checkToken(later.token)?.user.name).toBe("alice");
    await node("a").accounts.removeUser("alice");
    tick(1);
    await node("a").accounts.addUser("alice", "another horse", "user", null);
    expect(node("a").accounts.checkToken(later.token)).toBeUndefined();
  });

  test("the last admin can be neither removed nor demoted", async () => {
    const { node } = cluster(["a"]);
    await node("a").accounts.addUser("root", "correct horse", "admin", null);
    await expect(node("a").accounts.removeUser("root")).rejects.toMatchObject({ code: "last_admin" });
    await expect(node("a").accounts.changeUser("root", { role: "user" })).rejects.toMatchObject({ code: "last_admin" });
    await node("a").accounts.addUser("root2", "correct horse", "admin", null);
    await node("a").accounts.removeUser("root");
    expect(node("a").accounts.user("root")).toBeUndefined();
  });

  test("the first admin yields to any admin the cluster already has; a generated password is returned once", async () => {
    const { node } = cluster(["a", "b"]);
    const first = await node("a").accounts.bootstrapAdmin(undefined, () => "generated password");
    expect(first).toEqual({ made: true, generated: "generated password" });
    expect(await node("a").accounts.bootstrapAdmin(undefined, () => "other")).toEqual({ made: false });
    // b's operator made an admin: a real version, above the bootstrap record's, so it wins on a too.
    await node("b").accounts.addUser("admin", "operator pass", "admin", null);
    expect(await node("a").accounts.checkPassword("admin", "operator pass")).toBeDefined();
    expect(await node("a").accounts.checkPassword("admin", "generated password")).toBeUndefined();
  });

  test("shares reach every node; sharing again changes the access; removing either user ends them; a new user of the name has none", async () => {
    const { node, tick } = cluster(["a", "b"]);
    for (const name of ["alice", "bob", "carol"]) await node("a").accounts.addUser(name, "correct horse", "user", null);
    tick(1);
    await node("a").accounts.share("home/alice/photos", "bob", "read", "alice");
    const bob = () => node("b").accounts.user("bob")!;
    expect(node("b").accounts.grantsOf(bob())).toEqual([{ path: "home/alice/photos", access: "read" }]);
    await node("b").accounts.share("home/alice/photos", "bob", "write", "alice");
    expect(node("a").accounts.grantsOf(node("a").accounts.user("bob")!)).toEqual([{ path: "home/alice/photos", access: "write" }]);
    expect(node("a").accounts.shares()).toHaveLength(1);
    await node("a").accounts.share("home/carol/x", "bob", "read", "carol");
    await node("a").accounts.removeUser("carol"); // her shares end with her
    expect(node("b").accounts.grantsOf(bob())).toEqual([{ path: "home/alice/photos", access: "write" }]);
    await node("a").accounts.removeUser("bob");
    expect(node("b").accounts.shares()).toEqual([]);
    tick(1);
    await node("a").accounts.addUser("bob", "another horse", "user", null);
    // An old share record brought back to life (say, by a buggy peer) still does not open anything to the new bob.
    const old = node("b").store.all().find((r): r is ShareRecord => r.kind === "share" && r.path === "home/alice/photos")!;
    node("b").store.offer({ ...old, deleted: false, version: "01f000000000000000@z" });
    expect(node("b").accounts.grantsOf(bob())).toEqual([]); // a share made for the earlier bob stays his
  });
});