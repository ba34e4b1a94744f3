// Geometry of the consistent hash ring as the node summarises it: positions (16 hex digits, or units of a
// turn) → fractions of the circle → angles → x/y; the arcs each member owns; where a chunk's replicas sit.
// Angles follow d3-shape: 0 at twelve o'clock, growing clockwise, in radians.
import type { ChunkHealth, MemberRing } from "@orrery/api";

export interface OwnedArc {
  member: string;
  /** Radians; the arc across twelve o'clock ends past 2π. */
  startAngle: number;
  endAngle: number;
}

/** Where a chunk's replica-set walk reached an owner: the virtual node's place as a fraction of the circle. */
export interface ReachedOwner {
  member: string;
  at: number;
}

const TAU = Math.PI * 2;
const TWO_64 = 2 ** 64;

/** "8000000000000000" → 0.5. NaN for anything that is not 1–16 hex digits. */
export function positionToFraction(hex: string): number {
  if (!/^[0-9a-f]{1,16}$/i.test(hex)) return Number.NaN;
  // BigInt keeps all 64 bits until the one rounding to a double (53 bits: ~1e-16 of the circle).
  return Number(BigInt(`0x${hex}`)) / TWO_64;
}

export const fractionToAngle = (f: number): number => f * TAU;

/** The point at `angle` on a circle of radius r around (cx, cy); y grows downwards as in SVG. */
export function polar(angle: number, r: number, cx = 0, cy = 0): { x: number; y: number } {
  return { x: cx + r * Math.sin(angle), y: cy - r * Math.cos(angle) };
}

/**
 * A member's arcs as angles. The node summarises the ring (GET /api/cluster): each member's owned ranges
 * as [start, end) in 1/units of a turn, coarsened to a bounded number, so the UI draws what the node says
 * rather than placing virtual nodes itself.
 */
export function memberArcs(m: Pick<MemberRing, "id" | "arcs">, units: number): OwnedArc[] {
  return m.arcs.map(([start, end]) => ({ member: m.id, startAngle: (start / units) * TAU, endAngle: (end / units) * TAU }));
}

/** A member's sampled virtual nodes (ticks) as fractions of the circle. */
export const tickFractions = (m: Pick<MemberRing, "ticks">, units: number): number[] => m.ticks.map((t) => t / units);

/**
 * Where a chunk's replicas live, in walk order: for each owner on the ring, the virtual node the walk from
 * the chunk reached it by (the node sends it with the chunk). Positions that are not 16 hex digits are dropped.
 */
export function reachedOwners(chunk: Pick<ChunkHealth, "reachedAt">): ReachedOwner[] {
  return chunk.reachedAt.map((r) => ({ member: r.member, at: positionToFraction(r.position) })).filter((r) => Number.isFinite(r.at));
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
