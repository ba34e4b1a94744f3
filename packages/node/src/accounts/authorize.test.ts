import { describe, expect, test } from "bun:test";
import { type Action, authorize, type Principal, type Verdict } from "./authorize.ts";

const anonymous: Principal = { kind: "anonymous" };
const alice: Principal = { kind: "user", name: "alice", role: "user", readOnly: false, via: "password" };
const aliceRo: Principal = { ...alice, readOnly: true, via: "token" };
const admin: Principal = { kind: "user", name: "root", role: "admin", readOnly: false, via: "session" };
const adminRo: Principal = { ...admin, readOnly: true, via: "token" };
const carol: Principal = {
  kind: "user", name: "carol", role: "user", readOnly: false, via: "password",
  shares: [{ path: "home/alice/photos", access: "read" }, { path: "home/bob/work", access: "write" }],
};
const carolRo: Principal = { ...carol, readOnly: true, via: "token" };

// [who, open node?, action, path, verdict]
const table: Array<[string, Principal, boolean, Action, string, Verdict]> = [
  ["anonymous, open node", anonymous, true, "write", "home/bob/x", "allow"],
  ["anonymous, open node", anonymous, true, "read", "", "allow"],
  ["anonymous, login required", anonymous, false, "read", "", "deny"],
  ["anonymous, login required", anonymous, false, "read", "home/alice/x", "deny"],
  ["owner", alice, false, "read", "home/alice", "allow"],
  ["owner", alice, false, "write", "home/alice", "allow"],
  ["owner", alice, false, "write", "home/alice/a/b.txt", "allow"],
  ["owner", alice, false, "read", "home/alice/a/b.txt", "allow"],
  ["owner, on the way home", alice, false, "read", "", "list"],
  ["owner, on the way home", alice, false, "read", "home", "list"],
  ["owner, on the way home", alice, false, "write", "home", "deny"],
  ["owner, on the way home", alice, false, "write", "", "deny"],
  ["another's home", alice, false, "read", "home/bob", "deny"],
  ["another's home", alice, false, "write", "home/bob/x", "deny"],
  ["a name that only starts like the home", alice, false, "read", "home/alicex", "deny"],
  ["outside any home", alice, false, "read", "photos", "deny"],
  ["outside any home", alice, false, "write", "photos/x", "deny"],
  ["read-only token, own home", aliceRo, false, "read", "home/alice/x", "allow"],
  ["read-only token, own home", aliceRo, false, "write", "home/alice/x", "deny"],
  ["admin", admin, false, "write", "home/alice/x", "allow"],
  ["admin", admin, false, "read", "photos", "allow"],
  ["admin", admin, false, "write", "", "allow"],
  ["admin, read-only token", adminRo, false, "read", "home/alice/x", "allow"],
  ["admin, read-only token", adminRo, false, "write", "photos/x", "deny"],
  ["a user on an open node is still that user", alice, true, "read", "home/bob", "deny"],
  ["read-only share", carol, false, "read", "home/alice/photos", "allow"],
  ["read-only share", carol, false, "read", "home/alice/photos/2024/a.jpg", "allow"],
  ["read-only share", carol, false, "write", "home/alice/photos/a.jpg", "deny"],
  ["read-only share", carol, false, "write", "home/alice/photos", "deny"],
  ["read-only share, a sibling folder", carol, false, "read", "home/alice/docs", "deny"],
  ["read-only share, a name that only starts like it", carol, false, "read", "home/alice/photosx", "deny"],
  ["on the way to a share", carol, false, "read", "home/alice", "list"],
  ["on the way to a share", carol, false, "read", "home", "list"],
  ["on the way to a share", carol, false, "read", "", "list"],
  ["on the way to a share", carol, false, "write", "home/alice/x", "deny"],
  ["read-write share", carol, false, "write", "home/bob/work/a.txt", "allow"],
  ["read-write share: the shared folder itself is the sharer's", carol, false, "write", "home/bob/work", "deny"],
  ["read-write share", carol, false, "read", "home/bob/work/a.txt", "allow"],
  ["read-write share, read-only token", carolRo, false, "write", "home/bob/work/a.txt", "deny"],
  ["read-write share, read-only token", carolRo, false, "read", "home/bob/work/a.txt", "allow"],
];

describe("authorize", () => {
  for (const [who, p, open, action, path, verdict] of table) {
    test(`${who}: ${action} /${path} → ${verdict}`, () => {
      expect(authorize(p, action, path, { open })).toBe(verdict);
    });
  }
});
