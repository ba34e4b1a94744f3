// Replaced rings retired by their owners' trackers (every member of the current ring announces it synced), with
// the settle window as the valve when one never does.
import { beforeAll, describe, expect, test } from "bun:test";
import { testMember } from "../membership/test-member.ts";
import type { Member } from "../membership/types.ts";
import { type Hash64, loadHash64 } from "../ring/index.ts";
import { Placement } from "./placement.ts";

let h: Hash64;
beforeAll(async () => {
  h = await loadHash64();
});

const synced = (id: string, version: string | undefined): Member => ({ ...testMember(id), ...(version ? { ringSynced: version } : {}) });

function joined(onAgedOut?: (rings: number, unsynced: string[]) => void) {
  const clock = { now: 0 };
  const p = new Placement(3, h, 16, { ms: 30_000, now: () => clock.now, onAgedOut });
  p.update(["a", "b", "c"].map((id) => testMember(id)));
  clock.now = 100_000;
  p.forgetSettled();
  p.update(["a", "b", "c", "x"].map((id) => testMember(id)));
  return { p, clock };
}

describe("ring versions", () => {
  test("the same members, weights and factor give the same version on every node; another member or factor another", () => {
    const a = new Placement(3, h, 16);
    const b = new Placement(3, h, 16);
    a.update(["a", "b", "c"].map((id) => testMember(id)));
    b.update(["c", "b", "a"].map((id) => testMember(id)));
    expect(a.ringVersion()).toMatch(/^[0-9a-f]{16}$/);
    expect(a.ringVersion()).toBe(b.ringVersion());
    b.update(["a", "b", "c", "d"].map((id) => testMember(id)));
    expect(b.ringVersion()).not.toBe(a.ringVersion());
    a.setReplicationFactor(2);
    expect(a.ringVersion()).not.toBe(new Placement(3, h, 16).ringVersion());
  });
});

describe("retiring replaced rings", () => {
  test("a replaced ring counts until every member of the current ring announces the current version synced", () => {
    const { p } = joined();
    const v = p.ringVersion();
    expect(p.settlingRings).toBe(1);
    // Three of four, or an older version from one: the ring is kept.
    p.update([synced("a", v), synced("b", v), synced("c", v), testMember("x")]);
    expect(p.settlingRings).toBe(1);
    p.update([synced("a", v), synced("b", v), synced("c", v), synced("x", "0123456789abcdef")]);
    expect(p.settlingRings).toBe(1);
    p.update([synced("a", v), synced("b", v), synced("c", v), synced("x", v)]);
    expect(p.settlingRings).toBe(0);
    expect(p.manifestOwnerSets("d/f").length).toBe(1);
    expect(p.retiredRings).toEqual({ bySync: 1, byAge: 0 });
  });

  test("the valve: a member that never reports (dead, or an older version) holds the ring only until the settle window ends, logged with who", () => {
    const aged: Array<{ rings: number; unsynced: string[] }> = [];
    const { p, clock } = joined((rings, unsynced) => aged.push({ rings, unsynced }));
    const v = p.ringVersion();
    p.update([synced("a", v), synced("b", v), testMember("c"), synced("x", v)]);
    clock.now += 29_999;
    expect(p.settlingRings).toBe(1);
    clock.now += 2;
    expect(p.settlingRings).toBe(0);
    expect(p.retiredRings).toEqual({ bySync: 0, byAge: 1 });
    expect(aged).toEqual([{ rings: 1, unsynced: ["c"] }]);
  });
});
