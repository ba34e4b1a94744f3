import { beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import type { Member } from "../membership/types.ts";
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

  test("a dead member is drawn where its virtual nodes were: positionsOffRing gives the ones it had alive", () => {
    const p = new Placement(3, h, 16);
    p.update([m("a"), m("b"), m("c")]);
    const alive = p.ring.virtualNodes().filter((v) => v.member === "c").map((v) => v.position).sort();
    p.update([m("a"), m("b"), m("c", "dead")]);
    expect(p.ring.memberIds).not.toContain("c");
    expect([...p.positionsOffRing(m("c"))].sort()).toEqual(alive);
    expect(p.positionsOffRing({ id: "gw", weight: 0 })).toHaveLength(0);
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

  test("a member filling up or having room again replaces no ring for the window: manifest owners stay one set", () => {
    let now = 0;
    const p = new Placement(3, h, 16, { ms: 30_000, now: () => now });
    p.update([m("a"), m("b"), m("c"), m("d")]);
    now = 100_000;
    const paths = Array.from({ length: 40 }, (_, i) => `dir${i}/f`);
    const before = paths.map((path) => p.manifestOwners(path));
    // c fills up (chunks move: the placement check must hear of it), then has room again.
    expect(p.update([m("a"), m("b"), { ...m("c"), full: true }, m("d")])).toBeDefined();
    expect(p.update([m("a"), m("b"), m("c"), m("d")])).toBeDefined();
    paths.forEach((path, i) => expect(p.manifestOwnerSets(path)).toEqual([{ owners: before[i]!, factor: 3 }]));
    // A real change still counts.
    p.update([m("a"), m("b"), m("c"), m("d"), m("x")]);
    expect(paths.some((path) => p.manifestOwnerSets(path).length === 2)).toBe(true);
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
  test("every remaining old owner feeds the new owners (the target's HAS answer stops a second copy); others do nothing", () => {
    expect(newOwnersToFeed("a", [["a", "b"]], ["a", "b", "c"])).toEqual(["c"]);
    expect(newOwnersToFeed("b", [["a", "b"]], ["a", "b", "c"])).toEqual(["c"]);
    expect(newOwnersToFeed("c", [["a", "b"]], ["a", "b", "c"])).toEqual([]);
    expect(newOwnersToFeed("x", [["a", "b", "x"]], ["a", "b", "c"])).toEqual([]); // a surplus holder
    expect(newOwnersToFeed("a", [["a", "b", "c"]], ["a", "b", "c"])).toEqual([]);
  });

  test("when no old owner remains, every holder feeds", () => {
    expect(newOwnersToFeed("x", [["a", "b"]], ["c", "d"])).toEqual(["c", "d"]);
  });

  test("a member that died and returned within one check is fed what was written meanwhile", () => {
    // Ring went abc -> ab (c died; writes went to a, b) -> abc (c returned) before the check ran.
    expect(newOwnersToFeed("a", [["a", "b", "c"], ["a", "b"]], ["a", "b", "c"])).toEqual(["c"]);
    expect(newOwnersToFeed("b", [["a", "b", "c"], ["a", "b"]], ["a", "b", "c"])).toEqual(["c"]);
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


describe("capacity: full members and storage-less gateways", () => {
  const chunk = (i: number) => createHash("sha256").update(`c${i}`).digest("hex");
  const full = (id: string): Member => ({ ...m(id), full: true });
  const gateway = (id: string): Member => ({ ...m(id), weight: 0 });

  test("a full member is passed over for new copies, keeps what it holds, and stays a manifest owner", () => {
    const p = new Placement(3, h, 64);
    p.update([m("a"), m("b"), m("c"), m("d")]);
    const before = new Map(Array.from({ length: 200 }, (_, i) => [chunk(i), p.owners(chunk(i))]));
    const dirs = Array.from({ length: 50 }, (_, i) => p.manifestOwners(`d${i}/f`));
    const previous = p.update([m("a"), m("b"), full("c"), m("d")]);
    expect(previous).toBeDefined();
    // Fullness is applied on the same virtual nodes.
    expect(p.ring.virtualNodes()).toEqual(previous!.virtualNodes());
    expect(p.effectiveReplicationFactor()).toBe(3);
    expect(p.writableMembers()).toBe(3);
    for (const [id, was] of before) {
      const owners = p.owners(id);
      expect(owners).not.toContain("c");
      expect(owners.length).toBe(3);
      // c's place goes to the one member that was not an owner; c may keep its copy; nobody else moves.
      expect(p.keepers(id).sort()).toEqual([...new Set([...was, ...owners])].sort());
      expect(p.keepers(id)).toEqual(was.includes("c") ? [...owners, "c"] : owners);
    }
    Array.from({ length: 50 }, (_, i) => expect(p.manifestOwners(`d${i}/f`)).toEqual(dirs[i]!));
    // Room again: back to the placement before, and the placement check sees a change.
    expect(p.update([m("a"), m("b"), m("c"), m("d")])).toBeDefined();
    for (const [id, was] of before) expect(p.owners(id)).toEqual(was);
  });

  test("with too few members that have room, owners are fewer than n but n does not shrink", () => {
    const p = new Placement(3, h, 64);
    p.update([m("a"), full("b"), full("c")]);
    expect(p.effectiveReplicationFactor()).toBe(3);
    expect(p.required("quorum")).toBe(2);
    expect(p.owners(chunk(1))).toEqual(["a"]);
    expect(p.keepers(chunk(1)).sort()).toEqual(["a", "b", "c"]);
    expect(p.writableMembers()).toBe(1);
  });

  test("a storage-less gateway (weight 0) owns no chunk or manifest and does not count toward n", () => {
    const p = new Placement(3, h, 64);
    p.update([m("a"), m("b"), gateway("gw")]);
    expect(p.ring.memberIds).toEqual(["a", "b"]);
    expect(p.effectiveReplicationFactor()).toBe(2);
    expect(p.required("all")).toBe(2);
    for (let i = 0; i < 100; i++) {
      expect(p.keepers(chunk(i))).not.toContain("gw");
      expect(p.manifestOwners(`d${i}/f`)).not.toContain("gw");
    }
    p.update([m("a"), m("b"), m("c"), gateway("gw")]);
    expect(p.effectiveReplicationFactor()).toBe(3);
    expect(p.member("gw")?.weight).toBe(0);
  });

  test("the fingerprint changes with membership, weight and fullness, and is the same for the same state", () => {
    const a = new Placement(3, h, 16);
    const b = new Placement(3, h, 16);
    a.update([m("a"), m("b"), m("c")]);
    b.update([m("c"), m("b"), m("a")]);
    expect(a.fingerprint()).toBe(b.fingerprint());
    const seen = new Set([a.fingerprint()]);
    a.update([m("a"), m("b"), full("c")]);
    seen.add(a.fingerprint());
    a.update([m("a"), m("b"), { ...m("c"), weight: 2 }]);
    seen.add(a.fingerprint());
    a.update([m("a"), m("b")]);
    seen.add(a.fingerprint());
    expect(seen.size).toBe(4);
  });
});
