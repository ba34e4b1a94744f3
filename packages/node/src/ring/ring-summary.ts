// What the web UI draws of the ring, summarised so the answer stays small at any cluster size: per member its
// exact share of the keys and count of virtual nodes, the arcs it owns first (bounded: coarsened to bins past
// MAX_ARCS) and a bounded sample of its virtual nodes as ticks; members off the ring where theirs would be.
import type { Ring } from "./ring.ts";

/** Positions in the summary are in 1/RING_UNITS of a turn: finer than any drawing needs (a 400 px ring is ~1300 px around). */
export const RING_UNITS = 65536;
/** Most arcs in one summary: beyond, the circle is cut in this many bins, each given to the member owning most of it. */
export const MAX_ARCS = 2048;
/** About this many ticks over all members (each member gets at least one). */
export const MAX_TICKS = 2048;

export interface MemberRing {
  id: string;
  /** False for a member drawn where its virtual nodes would be (dead, left, leaving). */
  onRing: boolean;
  /** Its virtual nodes (off the ring: how many it would have). */
  vnodes: number;
  /** Fraction of the key space it is first owner of (0 off the ring). */
  share: number;
  /** [start, end) clockwise in RING_UNITS; end passes RING_UNITS for the arc across twelve o'clock. */
  arcs: Array<[number, number]>;
  /** Sorted positions in RING_UNITS of a sample of its virtual nodes. */
  ticks: number[];
}

export interface RingSummary {
  units: number;
  /** Virtual nodes on the ring. */
  vnodes: number;
  members: MemberRing[];
}

export interface OffRingMember {
  id: string;
  /** Where its virtual nodes would be on the ring (Placement.positionsOffRing). */
  positions: BigUint64Array;
}

/** An owned range in fractions of a turn; `start` is negative for the range across twelve o'clock. */
interface Arc {
  owner: number;
  start: number;
  end: number;
}


export function summarizeRing(ring: Ring, offRing: readonly OffRingMember[]): RingSummary {
  const { positions, owners } = ring.points();
  const ids = ring.memberIds;
  const at = fractions(positions);
  const exact = exactArcs(at, owners);
  const share = new Float64Array(ids.length);
  for (const a of exact) share[a.owner]! += a.end - a.start;
  const arcs = ids.map((): Array<[number, number]> => []);
  for (const a of exact.length > MAX_ARCS ? binnedArcs(exact, MAX_ARCS) : unitArcs(exact)) arcs[a.owner]!.push([a.start, a.end]);

  // Each member's positions in ring order (the ring's are sorted); those off the ring sorted here.
  const sorted = ids.map((): number[] => []);
  at.forEach((f, i) => sorted[owners[i]!]!.push(f));
  const off = offRing.filter((m) => !ids.includes(m.id)).map((m) => ({ id: m.id, at: [...fractions(m.positions.slice().sort())] }));
  const total = positions.length + off.reduce((n, m) => n + m.at.length, 0);
  const ticks = (list: readonly number[]) => sampleTicks(list, Math.ceil((MAX_TICKS * list.length) / Math.max(1, total)));

  return {
    units: RING_UNITS,
    vnodes: positions.length,
    members: [
      ...ids.map((id, i) => ({ id, onRing: true, vnodes: sorted[i]!.length, share: share[i]!, arcs: arcs[i]!, ticks: ticks(sorted[i]!) })),
      ...off.map((m) => ({ id: m.id, onRing: false, vnodes: m.at.length, share: 0, arcs: [], ticks: ticks(m.at) })),
    ],
  };
}

/** Which 32-bit half of a 64-bit element comes first in memory (the platform's byte order). */
const LO = new Uint32Array(new BigUint64Array([1n]).buffer)[0] === 1 ? 0 : 1;

/** Positions as fractions of a turn, read as 32-bit halves: reading each as a bigint would allocate. */
function fractions(positions: BigUint64Array): Float64Array {
  const words = new Uint32Array(positions.buffer, positions.byteOffset, positions.length * 2);
  const out = new Float64Array(positions.length);
  for (let i = 0; i < positions.length; i++) out[i] = (words[2 * i + 1 - LO]! * 2 ** 32 + words[2 * i + LO]!) / 2 ** 64;
  return out;
}

/**
 * The ranges each member owns first, neighbours of one member merged: a virtual node owns the keys from its
 * predecessor (exclusive) up to itself, since a key's first replica is the first virtual node clockwise of it.
 */
function exactArcs(at: Float64Array, owners: Uint32Array): Arc[] {
  const n = at.length;
  if (n === 0) return [];
  const arcs: Arc[] = [];
  for (let i = 0; i < n; i++) {
    const last = arcs[arcs.length - 1];
    if (last && last.owner === owners[i]) last.end = at[i]!;
    else arcs.push({ owner: owners[i]!, start: i === 0 ? at[n - 1]! - 1 : at[i - 1]!, end: at[i]! });
  }
  return mergeWrap(arcs, 1);
}

/** The first arc continues the last when one member owns both (the range across twelve o'clock). */
function mergeWrap(arcs: Arc[], turn: number): Arc[] {
  if (arcs.length > 1 && arcs[0]!.owner === arcs[arcs.length - 1]!.owner) {
    arcs[0]!.start = arcs.pop()!.start - turn;
  }
  if (arcs.length === 1) return [{ owner: arcs[0]!.owner, start: 0, end: turn }];
  return arcs;
}

/** Exact arcs rounded to units: slivers under a unit vanish and their neighbours merge. */
function unitArcs(exact: readonly Arc[]): Arc[] {
  const out: Arc[] = [];
  for (const a of exact) {
    const start = Math.round(a.start * RING_UNITS);
    const end = Math.round(a.end * RING_UNITS);
    if (end <= start) continue;
    const last = out[out.length - 1];
    if (last && last.owner === a.owner) last.end = end;
    else out.push({ owner: a.owner, start, end });
  }
  return normalize(mergeWrap(out, RING_UNITS));
}

/** Starts moved into [0, RING_UNITS), so the arc across twelve o'clock ends past RING_UNITS. */
const normalize = (arcs: Arc[]): Arc[] =>
  arcs.map((a) => (a.start < 0 ? { owner: a.owner, start: a.start + RING_UNITS, end: a.end + RING_UNITS } : a));

/** The circle in `bins` equal bins, each given to the member owning most of it, neighbouring bins merged. */
function binnedArcs(exact: readonly Arc[], bins: number): Arc[] {
  // The range across twelve o'clock (the first: exact arcs run in ring order) split in two, so every piece
  // lies within [0, 1) and the pieces run in order.
  const first = exact[0]!;
  const pieces = first.start < 0 ? [{ ...first, start: 0 }, ...exact.slice(1), { ...first, start: first.start + 1, end: 1 }] : exact;
  const winner = new Int32Array(bins);
  // The current bin's cover: owners and lengths, a handful at most (a Map per bin cost more than the rest).
  const coverOwner: number[] = [];
  const coverLength: number[] = [];
  let bin = 0;
  const close = () => {
    let best = bin > 0 ? winner[bin - 1]! : first.owner;
    let most = 0;
    coverOwner.forEach((owner, k) => {
      if (coverLength[k]! > most) [best, most] = [owner, coverLength[k]!];
    });
    winner[bin++] = best;
    coverOwner.length = coverLength.length = 0;
  };
  for (const p of pieces) {
    let at = p.start;
    while (at < p.end && bin < bins) {
      const binEnd = (bin + 1) / bins;
      if (at >= binEnd) {
        close();
        continue;
      }
      const to = Math.min(p.end, binEnd);
      const k = coverOwner.indexOf(p.owner);
      if (k >= 0) coverLength[k]! += to - at;
      else coverOwner.push(p.owner), coverLength.push(to - at);
      at = to;
    }
  }
  while (bin < bins) close();
  const step = RING_UNITS / bins;
  const out: Arc[] = [];
  winner.forEach((owner, i) => {
    const last = out[out.length - 1];
    if (last && last.owner === owner) last.end = (i + 1) * step;
    else out.push({ owner, start: i * step, end: (i + 1) * step });
  });
  return normalize(mergeWrap(out, RING_UNITS));
}

/** About `count` of the sorted positions (fractions), evenly through the list, in units (repeats dropped). */
function sampleTicks(sorted: readonly number[], count: number): number[] {
  const take = Math.min(sorted.length, Math.max(1, count));
  const out: number[] = [];
  for (let j = 0; j < take && sorted.length > 0; j++) {
    const unit = Math.min(RING_UNITS - 1, Math.floor(sorted[Math.floor((j * sorted.length) / take)]! * RING_UNITS));
    if (out[out.length - 1] !== unit) out.push(unit);
  }
  return out;
}
