// The conformance suite every AccountStore passes (memory and SQLite).
import { describe, expect, test } from "bun:test";
import type { AccountStore } from "./account-store.ts";
import type { GroupRecord, GroupShareRecord, LinkRecord, MemberRecord, S3KeyRecord, ShareRecord, TokenRecord, UserRecord } from "./records.ts";

const HASH = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA";
export const userRecord = (name: string, version: string, over: Partial<UserRecord> = {}): UserRecord => ({
  kind: "user", name, version, deleted: false, role: "user", passwordHash: HASH, quotaBytes: null, createdAt: 1, ...over,
});
export const tokenRecord = (id: string, version: string, over: Partial<TokenRecord> = {}): TokenRecord => ({
  kind: "token", id, version, deleted: false, user: "alice", secretHash: "ab".repeat(32), label: "", readOnly: false, createdAt: 1, expiresAt: null, ...over,
});

export const shareRecord = (id: string, version: string, over: Partial<ShareRecord> = {}): ShareRecord => ({
  kind: "share", id, version, deleted: false, path: "home/alice/photos", user: "bob", access: "read", by: "alice", createdAt: 1, ...over,
});

export const s3KeyRecord = (id: string, version: string, over: Partial<S3KeyRecord> = {}): S3KeyRecord => ({
  kind: "s3key", id, version, deleted: false, user: "alice", sealedSecret: `0123456789abcdef.${"A".repeat(60)}`, label: "", readOnly: false, createdAt: 1, ...over,
});

export const linkRecord = (id: string, version: string, over: Partial<LinkRecord> = {}): LinkRecord => ({
  kind: "link", id, version, deleted: false, user: "alice", path: "home/alice/a.txt", secretHash: "cd".repeat(32), expiresAt: 2, createdAt: 1, ...over,
});

export const groupRecord = (name: string, version: string, over: Partial<GroupRecord> = {}): GroupRecord => ({
  kind: "group", name, version, deleted: false, createdAt: 1, ...over,
});

export const memberRecord = (id: string, version: string, over: Partial<MemberRecord> = {}): MemberRecord => ({
  kind: "member", id, version, deleted: false, group: "lab", user: "bob", createdAt: 1, ...over,
});

export const groupShareRecord = (id: string, version: string, over: Partial<GroupShareRecord> = {}): GroupShareRecord => ({
  kind: "groupshare", id, version, deleted: false, group: "lab", path: "home/alice/photos", access: "read", by: "alice", createdAt: 1, ...over,
});

/** `durable`: the store outlives its process (reopen opens the same data). */
export function runAccountStoreTests(name: string, open: () => { store: AccountStore; reopen?: () => AccountStore }, durable: boolean): void {
  describe(`AccountStore: ${name}`, () => {
    test("keeps the newest record per key whatever the order; a tombstone wins by version too", () => {
      const { store } = open();
      expect(store.user("alice")).toBeUndefined();
      expect(store.offer(userRecord("alice", "018f00000001000000@b"))).toBe(true);
      expect(store.offer(userRecord("alice", "018f00000000000000@a", { role: "admin" }))).toBe(false);
      expect(store.offer(userRecord("alice", "018f00000001000000@b"))).toBe(false);
      expect(store.user("alice")?.role).toBe("user");
      expect(store.offer(userRecord("alice", "018f00000002000000@a", { deleted: true, passwordHash: null }))).toBe(true);
      expect(store.offer(userRecord("alice", "018f00000001000001@c", { role: "admin" }))).toBe(false);
      expect(store.user("alice")?.deleted).toBe(true);
    });

    test("users, tokens and shares are separate keys; all() lists users, tokens, shares, each kind by key", () => {
      const { store } = open();
      const before = store.changes;
      store.offer(shareRecord("00000000000000aa", "018f00000001000000@a"));
      store.offer(tokenRecord("00000000000000aa", "018f00000001000000@a"));
      store.offer(userRecord("bob", "018f00000001000000@a"));
      store.offer(userRecord("alice", "018f00000001000000@a"));
      store.offer(userRecord("alice", "018f00000000000000@a")); // older: not taken, not counted
      expect(store.changes - before).toBe(4);
      expect(store.token("00000000000000aa")?.user).toBe("alice");
      expect(store.share("00000000000000aa")?.path).toBe("home/alice/photos");
      expect(store.all().map((r) => `${r.kind[0]}:${"name" in r ? r.name : r.id}`)).toEqual(["u:alice", "u:bob", "t:00000000000000aa", "s:00000000000000aa"]);
    });

    test("S3 keys and share links are kinds of their own, after shares; a revoked key's tombstone wins", () => {
      const { store } = open();
      expect(store.offer(linkRecord("00000000000000aa", "018f00000001000000@a"))).toBe(true);
      expect(store.offer(s3KeyRecord("ORUAAAAAAAAAAAAAAAAA", "018f00000001000000@a"))).toBe(true);
      store.offer(shareRecord("00000000000000aa", "018f00000001000000@a"));
      store.offer(userRecord("alice", "018f00000001000000@a"));
      expect(store.all().map((r) => r.kind)).toEqual(["user", "share", "s3key", "link"]);
      expect(store.offer(s3KeyRecord("ORUAAAAAAAAAAAAAAAAA", "018f00000002000000@b", { deleted: true, sealedSecret: "" }))).toBe(true);
      expect(store.offer(s3KeyRecord("ORUAAAAAAAAAAAAAAAAA", "018f00000001000001@c"))).toBe(false);
      expect(store.s3Key("ORUAAAAAAAAAAAAAAAAA")?.deleted).toBe(true);
      expect(store.link("00000000000000aa")?.path).toBe("home/alice/a.txt");
    });

    test("groups, memberships and group shares are kinds of their own, ordered as SQLite orders kind names descending", () => {
      const { store } = open();
      expect(store.offer(groupShareRecord("00000000000000aa", "018f00000001000000@a"))).toBe(true);
      expect(store.offer(groupRecord("lab", "018f00000001000000@a"))).toBe(true);
      expect(store.offer(memberRecord("00000000000000aa", "018f00000001000000@a"))).toBe(true);
      store.offer(linkRecord("00000000000000aa", "018f00000001000000@a"));
      store.offer(userRecord("alice", "018f00000001000000@a"));
      expect(store.all().map((r) => r.kind)).toEqual(["user", "member", "link", "groupshare", "group"]);
      expect(store.offer(memberRecord("00000000000000aa", "018f00000002000000@b", { deleted: true }))).toBe(true);
      expect(store.offer(memberRecord("00000000000000aa", "018f00000001000001@c"))).toBe(false);
      expect(store.member("00000000000000aa")?.deleted).toBe(true);
      expect(store.group("lab")?.deleted).toBe(false);
      expect(store.groupShare("00000000000000aa")?.group).toBe("lab");
    });

    test("equal records give equal digests; any newer version changes it", () => {
      const a = open().store;
      const b = open().store;
      for (const s of [a, b]) s.offer(userRecord("alice", "018f00000001000000@a"));
      b.offer(tokenRecord("00000000000000aa", "018f00000001000000@a"));
      a.offer(tokenRecord("00000000000000aa", "018f00000001000000@a"));
      expect(a.digest()).toBe(b.digest());
      b.offer(userRecord("alice", "018f00000002000000@a", { quotaBytes: 5 }));
      expect(a.digest()).not.toBe(b.digest());
    });

    test("a record held is a copy: changing the offered object changes nothing", () => {
      const { store } = open();
      const r = userRecord("alice", "018f00000001000000@b");
      store.offer(r);
      r.role = "admin";
      expect(store.user("alice")?.role).toBe("user");
    });

    if (durable) {
      test("what was kept is there after a reopen", () => {
        const { store, reopen } = open();
        store.offer(userRecord("alice", "018f00000001000000@b"));
        store.offer(tokenRecord("00000000000000aa", "018f00000001000000@a"));
        const again = reopen!();
        expect(again.all()).toEqual(store.all());
        expect(again.digest()).toBe(store.digest());
      });
    }
  });
}
