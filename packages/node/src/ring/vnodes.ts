// Virtual nodes: how many each member gets (in proportion to its weight, bounded) and the sorted
// circle of their positions. Pure and deterministic; the per-member position cache only saves work.
import type { Hash64 } from "./ring.ts";

/** A member of the mean weight gets `perMember` virtual nodes; none gets more than this many times that. */
export const MAX_VNODES_FACTOR = 8;

/**
 * Virtual node counts by member id, proportional to weight: a member of the cluster's mean weight gets
 * `perMember`, a member twice as big twice as many, each at least 1 and at most MAX_VNODES_FACTOR ×
 * perMember. Normalizing by the mean (not by a fixed unit) keeps the total near members × perMember, so
 * rebuild cost and balance do not depend on whether capacities are counted in GB or TB. Members of
 * weight 0 (storage-less gateways) get none: they are not on the ring.
 */
export function vnodeCounts(members: ReadonlyArray<{ id: string; weight: number }>, perMember: number): Map<string, number> {
  const counts = new Map<string, number>();
  const weighted = new Map<string, number>();
  for (const m of members) {
    if (weighted.has(m.id) || !(m.weight > 0) || !Number.isFinite(m.weight)) continue;
    weighted.set(m.id, m.weight);
  }
  if (weighted.size === 0) return counts;
  let sum = 0;
  for (const w of weighted.values()) sum += w;
  const mean = sum / weighted.size;
  const max = MAX_VNODES_FACTOR * perMember;
  for (const [id, w] of weighted) counts.set(id, Math.min(max, Math.max(1, Math.round((perMember * w) / mean))));
  return counts;
}

/** Hashed positions per member id, per hash function: a membership change re-hashes only newcomers. */
const positionCache = new WeakMap<Hash64, Map<string, BigUint64Array>>();
/** Ids remembered per hash function before the cache starts afresh (a simulator churns through many). */
const CACHE_IDS = 20_000;

/** hash(`${id}#${i}`) for i < count: a member's virtual node positions, stable as its count changes. */
export function memberPositions(hash: Hash64, id: string, count: number): BigUint64Array {
  let byId = positionCache.get(hash);
  if (!byId) positionCache.set(hash, (byId = new Map()));
  let cached = byId.get(id);
  if (!cached || cached.length < count) {
    const grown = new BigUint64Array(count);
    const have = cached?.length ?? 0;
    if (cached) grown.set(cached);
    for (let i = have; i < count; i++) grown[i] = hash(`${id}#${i}`);
    if (byId.size >= CACHE_IDS) byId.clear();
    byId.set(id, (cached = grown));
  }
  return cached.subarray(0, count);
}

export interface SortedPoints {
  positions: BigUint64Array;
  /** Per point, the index of its member in the sorted id list. */
  owners: Uint32Array;
}

/** Which 32-bit half of a 64-bit element comes first in memory (the platform's byte order). */
const LO = new Uint32Array(new BigUint64Array([1n]).buffer)[0] === 1 ? 0 : 1;
const HI = 1 - LO;

/**
 * Every member's positions merged into one circle, ordered by position and then member index (ties are
 * astronomically rare but must still order the same everywhere). The positions are uniform hashes, so a
 * bucket sort on the top bits runs in linear time; it reads them as 32-bit halves, because each bigint
 * read would allocate. A comparison sort of bigints did not keep up with the hundreds of virtual nodes
 * per member that an even balance needs.
 */
export function sortPoints(perMember: readonly BigUint64Array[]): SortedPoints {
  let total = 0;
  for (const p of perMember) total += p.length;
  const pos = new BigUint64Array(total);
  const own = new Uint32Array(total);
  let k = 0;
  perMember.forEach((p, m) => {
    pos.set(p, k);
    own.fill(m, k, k + p.length);
    k += p.length;
  });
  const words = new Uint32Array(pos.buffer, pos.byteOffset, total * 2);
  const hi = (i: number) => words[2 * i + HI]!;
  const lo = (i: number) => words[2 * i + LO]!;
  let bits = 1;
  while (1 << bits < total && bits < 22) bits++;
  const buckets = 1 << bits;
  const bucketOf = new Uint32Array(total);
  const start = new Uint32Array(buckets + 1);
  for (let i = 0; i < total; i++) {
    const b = hi(i) >>> (32 - bits);
    bucketOf[i] = b;
    start[b + 1]!++;
  }
  for (let b = 1; b <= buckets; b++) start[b]! += start[b - 1]!;
  const order = new Uint32Array(total);
  const next = start.slice(0, buckets);
  for (let i = 0; i < total; i++) order[next[bucketOf[i]!]!++] = i;
  const before = (a: number, b: number) =>
    hi(a) !== hi(b) ? hi(a) < hi(b) : lo(a) !== lo(b) ? lo(a) < lo(b) : own[a]! < own[b]!;
  for (let b = 0; b < buckets; b++) {
    // Insertion sort: a bucket holds about one point.
    for (let i = start[b]! + 1; i < start[b + 1]!; i++) {
      const x = order[i]!;
      let j = i - 1;
      for (; j >= start[b]! && before(x, order[j]!); j--) order[j + 1] = order[j]!;
      order[j + 1] = x;
    }
  }
  const positions = new BigUint64Array(total);
  const out = new Uint32Array(positions.buffer);
  const owners = new Uint32Array(total);
  for (let i = 0; i < total; i++) {
    const from = order[i]!;
    out[2 * i] = words[2 * from]!;
    out[2 * i + 1] = words[2 * from + 1]!;
    owners[i] = own[from]!;
  }
  return { positions, owners };
}
