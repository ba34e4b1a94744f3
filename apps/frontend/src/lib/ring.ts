// Geometry of the consistent hash ring: 64-bit positions (16 hex digits) → fractions of the circle
// → angles → x/y; the arc each virtual node owns; where a chunk's replicas sit. Angles follow
// d3-shape: 0 at twelve o'clock, growing clockwise, in radians.

export interface VNode {
  member: string;
  /** 16 hex digits, an unsigned 64-bit ring position. */
  position: string;
}

export interface PlacedVNode {
  member: string;
  /** Position as a fraction of the circle, [0, 1). */
  at: number;
}

export interface OwnedArc {
  member: string;
  /** Radians; start may be negative for the arc that wraps past twelve o'clock. */
  startAngle: number;
  endAngle: number;
}

const TAU = Math.PI * 2;
const TWO_64 = 2 ** 64;

/** "8000000000000000" → 0.5. NaN for anything that is not 1–16 hex digits. */
export function positionToFraction(hex: string): number {
  if (!/^[0-9a-f]{1,16}$/i.test(hex)) return Number.NaN;
  // BigInt keeps all 64 bits until the one rounding to a double (53 bits: ~1e-16 of the circle).
  return Number(BigInt(`0x${hex}`)) / TWO_64;
}

/** A bigint ring position as the API spells it: 16 lower-case hex digits. */
export function positionToHex(p: bigint): string {
  return BigInt.asUintN(64, p).toString(16).padStart(16, "0");
}

export const fractionToAngle = (f: number): number => f * TAU;

/** The point at `angle` on a circle of radius r around (cx, cy); y grows downwards as in SVG. */
export function polar(angle: number, r: number, cx = 0, cy = 0): { x: number; y: number } {
  return { x: cx + r * Math.sin(angle), y: cy - r * Math.cos(angle) };
}

/** Virtual nodes in ring order, with their positions as fractions; invalid positions are dropped. */
export function placeVNodes(vnodes: readonly VNode[]): PlacedVNode[] {
  return vnodes
    .map((v) => ({ member: v.member, at: positionToFraction(v.position) }))
    .filter((v) => Number.isFinite(v.at))
    .sort((a, b) => a.at - b.at || (a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
}

/**
 * The arcs of the circle each member owns. A virtual node owns the keys from its predecessor
 * (exclusive) up to itself, because a key's first replica is the first virtual node clockwise of
 * it. Neighbouring arcs of the same member are merged, so a three-member ring with 128 virtual
 * nodes each draws a few hundred paths, not thousands.
 */
export function ownedArcs(placed: readonly PlacedVNode[]): OwnedArc[] {
  if (placed.length === 0) return [];
  if (new Set(placed.map((v) => v.member)).size === 1) {
    return [{ member: placed[0]!.member, startAngle: 0, endAngle: TAU }];
  }
  const arcs: OwnedArc[] = [];
  for (let i = 0; i < placed.length; i++) {
    const prev = i === 0 ? placed[placed.length - 1]!.at - 1 : placed[i - 1]!.at;
    const v = placed[i]!;
    const last = arcs[arcs.length - 1];
    if (last && last.member === v.member) last.endAngle = fractionToAngle(v.at);
    else arcs.push({ member: v.member, startAngle: fractionToAngle(prev), endAngle: fractionToAngle(v.at) });
  }
  // The arc that wraps past twelve o'clock may continue the last one of the same member.
  const first = arcs[0]!;
  const last = arcs[arcs.length - 1]!;
  if (arcs.length > 1 && first.member === last.member) {
    first.startAngle = last.startAngle - TAU;
    arcs.pop();
  }
  return arcs;
}

/** Share of the key space each member owns (its primary ranges), summing to 1. */
export function ownershipShares(arcs: readonly OwnedArc[]): Map<string, number> {
  const shares = new Map<string, number>();
  for (const a of arcs) shares.set(a.member, (shares.get(a.member) ?? 0) + (a.endAngle - a.startAngle) / TAU);
  return shares;
}

/**
 * Where a chunk's replicas live: for each owner, the first of its virtual nodes at or clockwise
 * after the chunk's position (the one the replica-set walk reached it by), in walk order.
 * Owners with no virtual node on the ring (a dead member) are returned with `at: undefined`.
 */
export function replicaPoints(
  placed: readonly PlacedVNode[],
  chunkAt: number,
  owners: readonly string[],
): { member: string; at: number | undefined; distance: number }[] {
  const want = new Set(owners);
  const found = new Map<string, { at: number; distance: number }>();
  const start = lowerBound(placed, chunkAt);
  for (let step = 0; step < placed.length && found.size < want.size; step++) {
    const v = placed[(start + step) % placed.length]!;
    if (!want.has(v.member) || found.has(v.member)) continue;
    const distance = (((v.at - chunkAt) % 1) + 1) % 1;
    found.set(v.member, { at: v.at, distance });
  }
  return owners
    .map((member) => ({ member, at: found.get(member)?.at, distance: found.get(member)?.distance ?? Number.POSITIVE_INFINITY }))
    .sort((a, b) => a.distance - b.distance);
}

/** Index of the first virtual node at or after `at` (binary search). */
function lowerBound(placed: readonly PlacedVNode[], at: number): number {
  let lo = 0;
  let hi = placed.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (placed[mid]!.at < at) lo = mid + 1;
    else hi = mid;
  }
  return lo === placed.length ? 0 : lo;
}

/**
 * Virtual nodes per unit of weight, inferred from the ring: a member of weight w has about
 * round(VNODES · w / mean weight) virtual nodes, so count / weight is the same for every member on
 * the ring. Used to draw members that are not on the ring (dead) where they would be.
 */
export function inferVnodesPerMember(
  vnodes: readonly VNode[],
  members: readonly { id: string; weight: number }[],
  fallback = 128,
): number {
  const counts = new Map<string, number>();
  for (const v of vnodes) counts.set(v.member, (counts.get(v.member) ?? 0) + 1);
  const estimates = members
    .filter((m) => counts.has(m.id) && m.weight > 0)
    .map((m) => counts.get(m.id)! / m.weight)
    .sort((a, b) => a - b);
  if (estimates.length === 0) return fallback;
  return Math.round(estimates[Math.floor(estimates.length / 2)]!);
}

/** How many virtual nodes a member of this weight has (the node's own rule: at least one; none at weight 0, a gateway). */
export const vnodeCount = (perMember: number, weight: number): number => (weight > 0 ? Math.max(1, Math.round(perMember * weight)) : 0);

/**
 * A member's virtual nodes as the node computes them: hash(`${id}#${i}`) for i < count.
 * `hash` is xxhash64 in the app (see ring-hash.ts) and anything deterministic in tests.
 */
export function memberVNodes(id: string, count: number, hash: (s: string) => bigint): VNode[] {
  return Array.from({ length: count }, (_, i) => ({ member: id, position: positionToHex(hash(`${id}#${i}`)) }));
}

/** The shortest way to write a chunk or ring position in a label: its first hex digits. */
export const shortId = (id: string, n = 8): string => id.slice(0, n);

/**
 * An SVG path along the circle of radius r from angle a0 clockwise to a1 (radians, d3 convention):
 * the walk a replica-set lookup makes from a chunk's position to its last owner.
 */
export function clockwiseArcPath(a0: number, a1: number, r: number): string {
  const sweep = (((a1 - a0) % TAU) + TAU) % TAU;
  const p0 = polar(a0, r);
  if (sweep < 1e-9) return `M${fmt(p0.x)},${fmt(p0.y)}`;
  const p1 = polar(a0 + sweep, r);
  const large = sweep > Math.PI ? 1 : 0;
  return `M${fmt(p0.x)},${fmt(p0.y)}A${r},${r} 0 ${large} 1 ${fmt(p1.x)},${fmt(p1.y)}`;
}

/** Radial tick marks (one per virtual node) between radii r0 and r1, as one SVG path. */
export function tickPath(fractions: readonly number[], r0: number, r1: number): string {
  return fractions
    .map((f) => {
      const a = fractionToAngle(f);
      const p0 = polar(a, r0);
      const p1 = polar(a, r1);
      return `M${fmt(p0.x)},${fmt(p0.y)}L${fmt(p1.x)},${fmt(p1.y)}`;
    })
    .join("");
}

const fmt = (n: number) => (Math.abs(n) < 5e-3 ? "0" : n.toFixed(2));
