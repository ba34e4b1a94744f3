// The lock table: scope and depth conflicts, coverage, refresh and expiry on an injected clock.
import { describe, expect, test } from "bun:test";
import { covers, DEFAULT_LOCK_TIMEOUT_S, LockTable, MAX_LOCK_TIMEOUT_S, parseTimeout } from "../../src/webdav/locks.ts";

const clock = () => {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
};
const req = (root: string, scope: "exclusive" | "shared", depth: "0" | "infinity" = "0") => ({
  root,
  scope,
  depth,
  owner: "",
  timeoutSeconds: 60,
});

describe("LockTable", () => {
  test("tokens are opaquelocktoken URIs and unique", () => {
    const t = new LockTable();
    const a = t.create(req("a", "shared"));
    const b = t.create(req("a", "shared"));
    expect(a.token).toMatch(/^opaquelocktoken:[0-9a-f-]{36}$/);
    expect(a.token).not.toBe(b.token);
  });

  test("exclusive conflicts with anything overlapping; shared only with exclusive", () => {
    const t = new LockTable();
    t.create(req("a", "shared"));
    expect(t.conflicts(req("a", "shared"))).toHaveLength(0);
    expect(t.conflicts(req("a", "exclusive"))).toHaveLength(1);
    t.create(req("b", "exclusive"));
    expect(t.conflicts(req("b", "shared"))).toHaveLength(1);
    expect(t.conflicts(req("c", "exclusive"))).toHaveLength(0);
  });

  test("depth infinity covers the subtree, depth 0 only the root", () => {
    expect(covers({ root: "d", depth: "infinity" }, "d/x/y")).toBe(true);
    expect(covers({ root: "d", depth: "0" }, "d/x")).toBe(false);
    expect(covers({ root: "d", depth: "infinity" }, "dx")).toBe(false);
    expect(covers({ root: "", depth: "infinity" }, "anything")).toBe(true);
  });

  test("an infinite lock on a collection conflicts with an exclusive lock below, and the reverse", () => {
    const t = new LockTable();
    t.create(req("d/f", "exclusive"));
    expect(t.conflicts(req("d", "exclusive", "infinity"))).toHaveLength(1);
    expect(t.conflicts(req("d", "exclusive", "0"))).toHaveLength(0);
    const u = new LockTable();
    u.create(req("d", "exclusive", "infinity"));
    expect(u.conflicts(req("d/f", "shared"))).toHaveLength(1);
    expect(u.covering("d/f/g").map((l) => l.root)).toEqual(["d"]);
  });

  test("locks expire after their timeout; refresh extends them", () => {
    const c = clock();
    const t = new LockTable(c.now);
    const l = t.create(req("a", "exclusive"));
    c.advance(59_000);
    expect(t.secondsLeft(l)).toBe(1);
    t.refresh(l.token, 60);
    c.advance(59_000);
    expect(t.get(l.token)).toBeDefined();
    c.advance(1_000);
    expect(t.get(l.token)).toBeUndefined();
    expect(t.covering("a")).toHaveLength(0);
  });

  test("removeWithin drops locks rooted in a subtree only", () => {
    const t = new LockTable();
    t.create(req("d/a", "shared"));
    t.create(req("d", "shared"));
    t.create(req("e", "shared"));
    t.removeWithin("d");
    expect(t.all().map((l) => l.root)).toEqual(["e"]);
  });
});

describe("parseTimeout", () => {
  test.each([
    [null, DEFAULT_LOCK_TIMEOUT_S],
    ["Second-10", 10],
    ["Infinite, Second-4100000000", MAX_LOCK_TIMEOUT_S],
    ["Second-999999999", MAX_LOCK_TIMEOUT_S],
    ["bogus, Second-5", 5],
    ["bogus", DEFAULT_LOCK_TIMEOUT_S],
  ])("%p -> %p", (header, seconds) => {
    expect(parseTimeout(header)).toBe(seconds);
  });
});
