import { beforeAll, describe, expect, test } from "bun:test";
import { testMember } from "../membership/test-member.ts";
import { type Hash64, loadHash64 } from "../ring/index.ts";
import { newOwnersToFeed } from "./placement-check.ts";
import { copiesFor, fewestInAny, majority, Placement, quorumInEach, requiredCopies } from "./placement.ts";

let h: Hash64;
beforeAll(async () => {
  h = await loadHash64();
});

const m = testMember;

describe("durability", () => {
  test("quorum is a majority of n, fast one, all n", () => {
    expect([1, 2, 3, 4, 5].map((n) => requiredCopies("quorum", n))).toEqual([1, 2, 2, 3, 3]);
    expect(requiredCopies("fast", 3)).toBe(1);
    expect(requiredCopies("all", 3)).toBe(3);
  });
});

describe("Placement", () => {
  test("a lone node is a working store: n = 1", () => {
    const p = new Placement(3, h, 16);
    p.update([m("a")]);
    expect(p.effectiveReplicationFactor()).toBe(1);
    expect(p.required("quorum")).toBe(1);
  });

  test("dead members still count toward n, left members do not; neither owns chunks", () => {
    const p = new Placement(3, h, 16);
    p.update([m("a"), m("b", "dead"), m("c", "dead")]);
    expect(p.effectiveReplicationFactor()).toBe(3);
    expect(p.required("quorum")).toBe(2);
    expect(p.owners("f".repeat(64))).toEqual(["a"]);
    p.update([m("a"), m("b", "left"), m("c", "left")]);
    expect(p.effectiveReplicationFactor()).toBe(1);
  });

  test("update reports the previous ring only when ring membership changed", () => {
    const p = new Placement(3, h, 16);
    expect(p.update([m("a"), m("b")])).toBeDefined();
    expect(p.update([m("b"), m("a")])).toBeUndefined();
    expect(p.update([m("a"), m("b", "suspect")])).toBeUndefined(); // suspect still owns
    const prev = p.update([m("a"), m("b", "dead")]);
    expect(prev?.memberIds).toEqual(["a", "b"]);
  });
});

describe("joint manifest quorums across ring changes", () => {
  /** A path whose owners change when member "x" joins a, b, c, d. */
  function movedPath(p: Placement): string {
    for (let i = 0; i < 1000; i++) {
      const path = `dir${i}/f`;
      const before = p.manifestOwners(path);
      p.update([m("a"), m("b"), m("c"), m("d"), m("x")]);
      const after = p.manifestOwners(path);
      p.update([m("a"), m("b"), m("c"), m("d")]);
      if (before.sort().join() !== after.sort().join()) return path;
    }
    throw new Error("no path moved");
  }

  test("a replaced ring counts until the settle window ends, then only the current one", () => {
    let now = 0;
    const p = new Placement(3, h, 16, { ms: 30_000, now: () => now });
    p.update([m("a"), m("b"), m("c"), m("d")]);
    const path = movedPath(p);
    now = 100_000; // the rings replaced while searching are long settled
    const old = p.manifestOwners(path);
    p.update([m("a"), m("b"), m("c"), m("d"), m("x")]);
    const current = p.manifestOwners(path);
    const sets = (...owners: string[][]) => owners.map((o) => ({ owners: o, factor: 3 }));
    expect(p.manifestOwnerSets(path)).toEqual(sets(current, old));
    now += 29_999;
    expect(p.manifestOwnerSets(path)).toEqual(sets(current, old));
    now += 2;
    expect(p.manifestOwnerSets(path)).toEqual(sets(current));
  });

  test("without a settle window only the current ring counts", () => {
    const p = new Placement(3, h, 16);
    p.update([m("a"), m("b"), m("c"), m("d")]);
    const path = movedPath(p);
    p.update([m("a"), m("b"), m("c"), m("d"), m("x")]);
    expect(p.manifestOwnerSets(path)).toEqual([{ owners: p.manifestOwners(path), factor: 3 }]);
  });

  test("a ring from when a node knew only itself asks for that node alone, not for a majority of today's n", () => {
    const p = new Placement(3, h, 16, { ms: 30_000, now: () => 0 });
    p.update([m("a")]); // just started: n = 1
    p.update([m("a"), m("b"), m("c")]);
    const sets = p.manifestOwnerSets("x/y");
    expect(sets).toEqual([
      { owners: expect.arrayContaining(["a", "b", "c"]), factor: 3 },
      { owners: ["a"], factor: 1 },
    ]);
    const holds = (ids: string[]) => (id: string) => ids.includes(id);
    expect(quorumInEach(sets, majority, holds(["a", "b"]))).toBe(true);
    expect(quorumInEach(sets, majority, holds(["b", "c"]))).toBe(false); // what a alone acknowledged then
  });

  test("a ring from when two nodes were up (writes needed both) asks for either of them", () => {
    const p = new Placement(3, h, 16, { ms: 30_000, now: () => 0 });
    p.update([m("a"), m("b")]);
    p.update([m("a"), m("b"), m("c")]);
    const sets = p.manifestOwnerSets("x/y");
    expect(sets[1]).toEqual({ owners: expect.arrayContaining(["a", "b"]), factor: 2 });
    const holds = (ids: string[]) => (id: string) => ids.includes(id);
    expect(quorumInEach(sets, majority, holds(["b", "c"]))).toBe(true);
    expect(quorumInEach(sets, copiesFor("quorum"), holds(["a", "c"]))).toBe(true);
    expect(quorumInEach(sets, copiesFor("fast"), holds(["c"]))).toBe(true);
    expect(quorumInEach(sets, majority, holds(["c"]))).toBe(false);
  });

  test("a changed replication factor counts as a ring change: a majority of the old n is still needed", () => {
    const p = new Placement(5, h, 16, { ms: 30_000, now: () => 0 });
    p.update(["a", "b", "c", "d", "e"].map((id) => m(id)));
    expect(p.setReplicationFactor(3)).toBe(5);
    const sets = p.manifestOwnerSets("x/y");
    expect(sets.map((s) => [s.owners.length, s.factor])).toEqual([
      [3, 3],
      [5, 5],
    ]);
    expect(p.setReplicationFactor(3)).toBeUndefined();
  });

  test("a quorum must hold in every set; fewestInAny counts the weakest set", () => {
    const sets = [
      { owners: ["a", "b", "x"], factor: 3 },
      { owners: ["a", "b", "c"], factor: 3 },
    ];
    const holds = (ids: string[]) => (id: string) => ids.includes(id);
    expect(quorumInEach(sets, majority, holds(["a", "b"]))).toBe(true);
    expect(quorumInEach(sets, majority, holds(["a", "x"]))).toBe(false); // only one of the old owners
    expect(quorumInEach(sets, majority, holds(["a", "c", "x"]))).toBe(true);
    expect(fewestInAny(sets, holds(["a", "x"]))).toBe(1);
    expect(fewestInAny(sets, holds(["a", "b", "c", "x"]))).toBe(3);
  });
});

describe("newOwnersToFeed", () => {
  test("the first remaining old owner feeds the new owners; others do nothing", () => {
    expect(newOwnersToFeed("a", [["a", "b"]], ["a", "b", "c"])).toEqual(["c"]);
    expect(newOwnersToFeed("b", [["a", "b"]], ["a", "b", "c"])).toEqual([]);
    expect(newOwnersToFeed("b", [["a", "b"]], ["c", "b", "a"])).toEqual(["c"]);
    expect(newOwnersToFeed("a", [["a", "b", "c"]], ["a", "b", "c"])).toEqual([]);
  });

  test("when no old owner remains, every holder feeds", () => {
    expect(newOwnersToFeed("x", [["a", "b"]], ["c", "d"])).toEqual(["c", "d"]);
  });

  test("a member that died and returned within one check is fed what was written meanwhile", () => {
    // Ring went abc -> ab (c died; writes went to a, b) -> abc (c returned) before the check ran.
    expect(newOwnersToFeed("a", [["a", "b", "c"], ["a", "b"]], ["a", "b", "c"])).toEqual(["c"]);
    expect(newOwnersToFeed("b", [["a", "b", "c"], ["a", "b"]], ["a", "b", "c"])).toEqual([]);
  });
});

describe("Placement.exclude", () => {
  test("an excluded member leaves the ring and the replication factor count at once", () => {
    const p = new Placement(3, h, 16);
    p.update([m("a"), m("b"), m("c"), m("d")]);
    const before = p.ring;
    expect(p.exclude("d")).toBe(before);
    expect(p.ring.memberIds).toEqual(["a", "b", "c"]);
    expect(p.effectiveReplicationFactor()).toBe(3);
    for (let i = 0; i < 50; i++) expect(p.owners(String(i).padStart(64, "0"))).not.toContain("d");
    // Later membership updates keep it excluded.
    p.update([m("a"), m("b"), m("c"), m("d")]);
    expect(p.ring.memberIds).toEqual(["a", "b", "c"]);
  });
});

