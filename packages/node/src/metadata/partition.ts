// Where a manifest row lives on the ring: the partition key of a path (its parent directory, so a folder's entries
// share one replica set and a listing asks one set) and that key's 64-bit ring position. Placement finds a path's
// owners from this position and the stores keep it in a column, so an arc of the ring is a range of an index.
import type { Hash64 } from "../ring/ring.ts";
import { parentOf } from "./path.ts";

/** One past the largest position: an arc that ends at the top of the ring ends here. */
export const RING_END = 1n << 64n;

/** A half-open arc [from, to) of the ring that does not wrap: 0 <= from < to <= RING_END. */
export interface PositionRange {
  from: bigint;
  to: bigint;
}

/** The partition key of a path: `dir:` and its parent directory ("" for the root and its entries). */
export function partitionKey(path: string): string {
  return folderPartitionKey(path === "" ? "" : parentOf(path));
}

/** The partition key of a folder's entries (every row whose parent is `dir`). */
export function folderPartitionKey(dir: string): string {
  return `dir:${dir}`;
}

/** The ring position of a path's partition: what Placement.manifestOwners walks from. */
export function partitionPosition(hash: Hash64, path: string): bigint {
  return hash(partitionKey(path));
}

/**
 * A position as SQLite stores it: a signed 64-bit integer, the top bit flipped so that the integers sort as the
 * positions do (SQLite has no unsigned type).
 */
export function storedPosition(position: bigint): bigint {
  return BigInt.asIntN(64, position ^ (1n << 63n));
}

export function isPositionRange(r: PositionRange): boolean {
  return r.from >= 0n && r.from < r.to && r.to <= RING_END;
}
