// Summaries for chunk anti-entropy between two co-owners (pure). The ring is cut into 256 ranges by
// the top byte of a chunk's position; for a pair of nodes (a, b), a range's digest is the XOR of the
// positions of the chunks a node holds there whose owners include both a and b. Equal digests mean
// equal sets (up to a 2^-64 collision), so only differing ranges' id lists are exchanged.
import { DIGEST_RANGES } from "../rpc/methods.ts";
import type { Placement } from "./placement.ts";

/** Ranges of the digest space; the RPC schemas (rpc/methods.ts) bound the answers by the same number. */
export const RANGES = DIGEST_RANGES;

export const rangeOf = (position: bigint): number => Number(position >> 56n);

/** Chunk ids both `self` and `peer` should hold, that `self` holds (by the `holds` predicate). */
function* shared(ids: Iterable<string>, self: string, peer: string, placement: Placement, holds: (id: string) => boolean) {
  for (const id of ids) {
    const owners = placement.owners(id);
    if (owners.includes(self) && owners.includes(peer) && holds(id)) yield id;
  }
}

export function rangeDigests(
  ids: Iterable<string>,
  self: string,
  peer: string,
  placement: Placement,
  holds: (id: string) => boolean = () => true,
): string[] {
  const acc = new Array<bigint>(RANGES).fill(0n);
  for (const id of shared(ids, self, peer, placement, holds)) {
    const p = placement.ring.positionOf(id);
    acc[rangeOf(p)]! ^= p;
  }
  return acc.map((x) => x.toString(16).padStart(16, "0"));
}

/** rangeDigests for every co-owner at once, in one pass over the local chunks. */
export function rangeDigestsByPeer(
  ids: Iterable<string>,
  self: string,
  placement: Placement,
  holds: (id: string) => boolean = () => true,
): Map<string, string[]> {
  const acc = new Map<string, bigint[]>();
  for (const id of ids) {
    const owners = placement.owners(id);
    if (!owners.includes(self) || !holds(id)) continue;
    const p = placement.ring.positionOf(id);
    for (const peer of owners) {
      if (peer === self) continue;
      let ranges = acc.get(peer);
      if (!ranges) acc.set(peer, (ranges = new Array<bigint>(RANGES).fill(0n)));
      ranges[rangeOf(p)]! ^= p;
    }
  }
  return new Map([...acc].map(([peer, r]) => [peer, r.map((x) => x.toString(16).padStart(16, "0"))]));
}

export function differingRanges(a: readonly string[], b: readonly string[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < RANGES; i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

export function idsInRanges(
  ids: Iterable<string>,
  self: string,
  peer: string,
  placement: Placement,
  ranges: readonly number[],
  holds: (id: string) => boolean = () => true,
): string[] {
  const wanted = new Set(ranges);
  const out: string[] = [];
  for (const id of shared(ids, self, peer, placement, holds)) {
    if (wanted.has(rangeOf(placement.ring.positionOf(id)))) out.push(id);
  }
  return out;
}

/**
 * Identifies the placement both sides computed with (members, weights, zones, which are full, n); digests
 * from different placements are not compared.
 */
export function ringFingerprint(placement: Placement): string {
  return placement.fingerprint();
}
