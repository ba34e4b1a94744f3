import { beforeAll, describe, expect, test } from "bun:test";
import { loadHash64, Ring, type Hash64, type RingMember } from "./index.ts";
import { MAX_ARCS, MAX_TICKS, RING_UNITS, summarizeRing, type RingSummary } from "./ring-summary.ts";
import { memberPositions } from "./vnodes.ts";

let h: Hash64;
beforeAll(async () => {
  h = await loadHash64();
});

const members = (n: number, weight = (_i: number) => 1): RingMember[] => Array.from({ length: n }, (_, i) => ({ id: `node-${i}`, weight: weight(i) }));
const TWO_64 = 2 ** 64;

/** Each member's exact share of the keys, straight from the virtual nodes. */
function exactShares(ring: Ring): Map<string, number> {
  const v = ring.virtualNodes();
  const shares = new Map<string, number>();
  v.forEach((x, i) => {
    const prev = i === 0 ? Number(v[v.length - 1]!.position) - TWO_64 : Number(v[i - 1]!.position);
    shares.set(x.member, (shares.get(x.member) ?? 0) + (Number(x.position) - prev) / TWO_64);
  });
  return shares;
}

/** The first owner of a position in units, as the summary's arcs say (undefined where none covers it). */
function arcOwner(s: RingSummary, unit: number): string | undefined {
  return s.members.find((m) => m.arcs.some(([a, b]) => (unit >= a && unit < b) || (unit + RING_UNITS >= a && unit + RING_UNITS < b)))?.id;
}

const ringOwner = (ring: Ring, unit: number) => ring.replicaSetAt(BigInt(unit) << 48n, 1)[0];
const arcCount = (s: RingSummary) => s.members.reduce((n, m) => n + m.arcs.length, 0);
const tickCount = (s: RingSummary) => s.members.reduce((n, m) => n + m.ticks.length, 0);
const covered = (s: RingSummary) => s.members.reduce((n, m) => n + m.arcs.reduce((k, [a, b]) => k + b - a, 0), 0);

describe("summarizeRing", () => {
  test("a few virtual nodes: the arcs are the exact owned ranges, cover the circle once, and shares are exact", () => {
    const ring = new Ring(members(3), h, 8);
    const s = summarizeRing(ring, []);
    expect(s.units).toBe(RING_UNITS);
    expect(s.vnodes).toBe(24);
    expect(covered(s)).toBe(RING_UNITS);
    for (let unit = 0; unit < RING_UNITS; unit += 97) {
      // Only a position within a unit of a virtual node may round either way.
      const near = ring.virtualNodes().some((v) => Math.abs(Number(v.position >> 48n) - unit) <= 1);
      if (!near) expect(arcOwner(s, unit)).toBe(ringOwner(ring, unit));
    }
    const exact = exactShares(ring);
    for (const m of s.members) expect(m.share).toBeCloseTo(exact.get(m.id)!, 12);
    expect(s.members.reduce((n, m) => n + m.share, 0)).toBeCloseTo(1, 12);
    for (const m of s.members) {
      expect(m.onRing).toBe(true);
      expect(m.vnodes).toBe(8);
      expect(m.ticks).toEqual(ring.virtualNodes().filter((v) => v.member === m.id).map((v) => Number(v.position >> 48n)));
      for (const [a, b] of m.arcs) {
        expect(a).toBeGreaterThanOrEqual(0);
        expect(a).toBeLessThan(RING_UNITS);
        expect(b).toBeGreaterThan(a);
      }
    }
  });

  test("one member owns the whole circle", () => {
    const s = summarizeRing(new Ring(members(1), h, 16), []);
    expect(s.members).toHaveLength(1);
    expect(s.members[0]!.arcs).toEqual([[0, RING_UNITS]]);
    expect(s.members[0]!.share).toBe(1);
  });

  test("an empty ring: no members, members off it still listed", () => {
    const s = summarizeRing(new Ring([], h, 16), [{ id: "dead", positions: memberPositions(h, "dead", 16) }]);
    expect(s.vnodes).toBe(0);
    expect(s.members.map((m) => [m.id, m.onRing, m.share, m.arcs.length, m.ticks.length])).toEqual([["dead", false, 0, 0, 16]]);
  });

  test("a member off the ring is drawn by its would-be positions, with no arcs and no share", () => {
    const ring = new Ring(members(2), h, 8);
    const positions = memberPositions(h, "gone", 8);
    const s = summarizeRing(ring, [{ id: "gone", positions }]);
    const gone = s.members.find((m) => m.id === "gone")!;
    expect(gone).toMatchObject({ onRing: false, vnodes: 8, share: 0, arcs: [] });
    expect(gone.ticks).toEqual([...positions].sort((a, b) => (a < b ? -1 : 1)).map((p) => Number(p >> 48n)));
    // A member listed as off the ring but on it is drawn once, on it.
    expect(summarizeRing(ring, [{ id: "node-0", positions }]).members.filter((m) => m.id === "node-0")).toHaveLength(1);
  });

  test("the default 768 virtual nodes of 3 members: still the exact arcs", () => {
    const ring = new Ring(members(3), h);
    const s = summarizeRing(ring, []);
    expect(arcCount(s)).toBeLessThanOrEqual(MAX_ARCS);
    expect(covered(s)).toBe(RING_UNITS);
    let agree = 0;
    let total = 0;
    for (let unit = 0; unit < RING_UNITS; unit += 7, total++) if (arcOwner(s, unit) === ringOwner(ring, unit)) agree++;
    // Disagreements only within a unit of a virtual node (rounding).
    expect(agree / total).toBeGreaterThan(0.95);
  });

  test("20 members: arcs coarsened to at most MAX_ARCS bins, each member's drawn share within a point of the exact one", () => {
    const ring = new Ring(members(20), h);
    const s = summarizeRing(ring, []);
    expect(arcCount(s)).toBeLessThanOrEqual(MAX_ARCS);
    expect(covered(s)).toBe(RING_UNITS);
    for (const m of s.members) expect(Math.abs(m.arcs.reduce((k, [a, b]) => k + b - a, 0) / RING_UNITS - m.share)).toBeLessThan(0.01);
    const exact = exactShares(ring);
    for (const m of s.members) expect(m.share).toBeCloseTo(exact.get(m.id)!, 12);
    // Every bin's owner owns part of that bin on the ring.
    for (const m of s.members) {
      for (const [a] of m.arcs.slice(0, 5)) {
        const bin = Math.floor((a % RING_UNITS) / (RING_UNITS / MAX_ARCS));
        const owners = new Set(Array.from({ length: 33 }, (_, k) => ringOwner(ring, bin * (RING_UNITS / MAX_ARCS) + k)));
        expect(owners.has(m.id)).toBe(true);
      }
    }
  });

  test("ticks are sampled in proportion to virtual nodes: a member of twice the weight gets about twice as many", () => {
    const ring = new Ring(members(4, (i) => (i === 0 ? 2 : 1)), h);
    const s = summarizeRing(ring, []);
    const [big, small] = [s.members.find((m) => m.id === "node-0")!, s.members.find((m) => m.id === "node-1")!];
    expect(big.vnodes / small.vnodes).toBeCloseTo(2, 2);
    expect(big.ticks.length / small.ticks.length).toBeGreaterThan(1.8);
    expect(tickCount(s)).toBeLessThanOrEqual(MAX_TICKS + s.members.length);
    expect(big.ticks).toEqual([...big.ticks].sort((a, b) => a - b));
  });

  test("the answer stays small at 100 and 300 members (arcs and ticks bounded, not one entry per virtual node)", () => {
    for (const n of [100, 300]) {
      const ring = new Ring(members(n), h);
      const off = Array.from({ length: 10 }, (_, i) => ({ id: `dead-${i}`, positions: memberPositions(h, `dead-${i}`, 768) }));
      const s = summarizeRing(ring, off);
      expect(s.vnodes).toBe(n * 768);
      expect(s.members).toHaveLength(n + 10);
      expect(arcCount(s)).toBeLessThanOrEqual(MAX_ARCS);
      expect(tickCount(s)).toBeLessThanOrEqual(MAX_TICKS + s.members.length);
      // Per member ~100 bytes of fields beside the shared arc and tick budgets.
      expect(JSON.stringify(s).length).toBeLessThan(50_000 + 100 * s.members.length);
    }
  });
});

describe("Ring.reachedAt", () => {
  test("each owner's first virtual node clockwise of the position, in walk order", () => {
    const ring = new Ring(members(5), h, 32);
    const v = ring.virtualNodes();
    for (const at of [0n, 1n << 62n, 3n << 62n, (1n << 64n) - 1n]) {
      const owners = ring.replicaSetAt(at, 3);
      const reached = ring.reachedAt(at, [...owners, "not-a-member"]);
      expect([...reached.keys()]).toEqual(owners);
      for (const [member, position] of reached) {
        expect(v.some((x) => x.member === member && x.position === position)).toBe(true);
        // No virtual node of that member between the position and the one reached (clockwise, across zero).
        const dist = (p: bigint) => (p - at + (1n << 64n)) % (1n << 64n);
        expect(v.filter((x) => x.member === member && dist(x.position) < dist(position))).toEqual([]);
      }
    }
  });
});
