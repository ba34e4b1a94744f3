import { beforeAll, describe, expect, test } from "bun:test";
import { testMember } from "../membership/test-member.ts";
import { type Hash64, loadHash64 } from "../ring/index.ts";
import { newOwnersToFeed } from "./placement-check.ts";
import { Placement, requiredCopies } from "./placement.ts";

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

