// The arcs of the ring a node owns manifests on, with their other owners: what range anti-entropy walks. An arc
// is the run of positions one virtual node answers for (from the one before it, exclusive, to it, inclusive:
// Ring.replicaSetAt walks from the first virtual node at or after a position); neighbouring arcs with the same
// owners are one. Pure.
import type { PositionRange } from "../metadata/partition.ts";
import { RING_END } from "../metadata/partition.ts";
import type { Ring } from "../ring/ring.ts";

export interface OwnedArc {
  range: PositionRange;
  /** The arc's owners other than this node, in the ring's order. */
  peers: readonly string[];
}

/**
 * The arcs `selfId` is among the `factor` owners of (fullness ignored, as Placement.manifestOwners ignores it), in
 * position order; the arc that wraps past the top of the ring is cut in two.
 */
export function ownedArcs(ring: Ring, factor: number, selfId: string): OwnedArc[] {
  const { positions } = ring.points();
  const n = positions.length;
  const arcs: OwnedArc[] = [];
  if (n === 0 || factor <= 0) return arcs;
  let previousKey = "";
  const add = (from: bigint, to: bigint, owners: string[]) => {
    if (from >= to) return;
    const key = [...owners].sort().join(",");
    const last = arcs[arcs.length - 1];
    if (last && previousKey === key && last.range.to === from) last.range.to = to;
    else arcs.push({ range: { from, to }, peers: owners.filter((id) => id !== selfId) });
    previousKey = key;
  };
  for (let i = 0; i < n; i++) {
    const owners = ring.replicaSetAt(positions[i]!, factor, { includeFull: true });
    if (!owners.includes(selfId)) {
      previousKey = "";
      continue;
    }
    add(i === 0 ? 0n : positions[i - 1]! + 1n, positions[i]! + 1n, owners);
  }
  // The positions after the last virtual node belong to the first one's owners.
  const first = ring.replicaSetAt(positions[0]!, factor, { includeFull: true });
  if (first.includes(selfId)) add(positions[n - 1]! + 1n, RING_END, first);
  return arcs;
}
