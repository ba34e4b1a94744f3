import { beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { loadHash64, Ring, type Hash64, type RingMember } from "./index.ts";

let h: Hash64;
beforeAll(async () => {
  h = await loadHash64();
});

const members = (n: number, zone?: (i: number) => string): RingMember[] =>
  Array.from({ length: n }, (_, i) => ({ id: `node-${i}`, weight: 1, zone: zone?.(i) }));
const chunkId = (i: number) => createHash("sha256").update(`chunk-${i}`).digest("hex");

describe("Ring", () => {
  test("replica set has n distinct members", () => {
    const ring = new Ring(members(5), h, 64);
    for (let i = 0; i < 200; i++) {
      const set = ring.replicaSet(chunkId(i), 3);
      expect(set.length).toBe(3);
      expect(new Set(set).size).toBe(3);
    }
  });

  test("fewer members than n gives all of them", () => {
    const ring = new Ring(members(2), h, 64);
    expect(ring.replicaSet(chunkId(1), 3).sort()).toEqual(["node-0", "node-1"]);
    expect(new Ring([], h).replicaSet(chunkId(1), 3)).toEqual([]);
  });

  test("placement is a pure function of the member set (order does not matter)", () => {
    const a = new Ring(members(6), h, 32);
    const b = new Ring(members(6).reverse(), h, 32);
    for (let i = 0; i < 100; i++) expect(a.replicaSet(chunkId(i), 3)).toEqual(b.replicaSet(chunkId(i), 3));
  });

  test("keys spread evenly: each of 4 members owns 25% ± 5% of primaries with 128 vnodes", () => {
    const ring = new Ring(members(4), h, 128);
    const counts = new Map<string, number>();
    const keys = 20000;
    for (let i = 0; i < keys; i++) {
      const p = ring.replicaSet(chunkId(i), 1)[0]!;
      counts.set(p, (counts.get(p) ?? 0) + 1);
    }
    for (const c of counts.values()) expect(Math.abs(c / keys - 0.25)).toBeLessThan(0.05);
  });

  test("adding a member moves about 1/(n+1) of the keys, and only to the new member", () => {
    const before = new Ring(members(3), h, 128);
    const after = new Ring(members(4), h, 128);
    let moved = 0;
    const keys = 10000;
    for (let i = 0; i < keys; i++) {
      const a = before.replicaSet(chunkId(i), 1)[0];
      const b = after.replicaSet(chunkId(i), 1)[0];
      if (a !== b) {
        moved++;
        expect(b).toBe("node-3");
      }
    }
    expect(moved / keys).toBeGreaterThan(0.18);
    expect(moved / keys).toBeLessThan(0.32);
  });

  test("removing a member keeps the other replicas in place", () => {
    const full = new Ring(members(5), h, 64);
    const less = new Ring(members(5).filter((m) => m.id !== "node-2"), h, 64);
    for (let i = 0; i < 300; i++) {
      const a = full.replicaSet(chunkId(i), 3).filter((m) => m !== "node-2");
      const b = less.replicaSet(chunkId(i), 3);
      for (const m of a) expect(b).toContain(m);
    }
  });

  test("weight scales a member's share", () => {
    const ring = new Ring([{ id: "big", weight: 3 }, { id: "small", weight: 1 }], h, 64);
    let big = 0;
    for (let i = 0; i < 8000; i++) if (ring.replicaSet(chunkId(i), 1)[0] === "big") big++;
    expect(big / 8000).toBeGreaterThan(0.65);
    expect(big / 8000).toBeLessThan(0.85);
  });

  test("replica sets span distinct zones when there are enough zones", () => {
    const ring = new Ring(members(6, (i) => `zone-${i % 3}`), h, 64);
    const zoneOf = (id: string) => `zone-${Number(id.split("-")[1]) % 3}`;
    for (let i = 0; i < 300; i++) {
      const set = ring.replicaSet(chunkId(i), 3);
      expect(new Set(set.map(zoneOf)).size).toBe(3);
    }
    // With two zones and n = 3, both zones are used and the third copy goes to a distinct member.
    const two = new Ring(members(4, (i) => `z${i % 2}`), h, 64);
    for (let i = 0; i < 100; i++) {
      const set = two.replicaSet(chunkId(i), 3);
      expect(new Set(set).size).toBe(3);
      expect(new Set(set.map((id) => `z${Number(id.split("-")[1]) % 2}`)).size).toBe(2);
    }
  });
});
