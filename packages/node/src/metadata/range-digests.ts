// Digests of arcs of the ring for range anti-entropy: what two co-owners compare before they exchange rows. A
// range's digest is its row count and the XOR of a 64-bit hash of each row's (path, kind, version), so the
// digest of a range is the combination of its parts' digests, however the range is cut, and a write changes it
// by two XORs. Parts are cut at fixed buckets of the ring (the top BUCKET_BITS bits of the position), read from
// the index once, cached, and kept up to date by each committed write. An idle node's rounds read no row, nor
// does a write: at a million rows a full recompute per round would read every row of every arc it owns.
import type { Hash64 } from "../ring/ring.ts";
import type { ManifestKind } from "./manifest.ts";
import type { RangeCursor } from "./manifest-store.ts";
import type { PositionRange } from "./partition.ts";

/** 4,096 buckets: ~250 rows each at a million rows; a write looks through its bucket's cached parts (a few). */
export const BUCKET_BITS = 12;
const SHIFT = BigInt(64 - BUCKET_BITS);
/** Cached parts kept at most (then all are dropped and computed again as asked): a few MiB. */
const MAX_CACHED_PARTS = 32_768;
/** Rows read from the index per call while a part is computed. */
const SCAN_PAGE = 1000;

export interface RangeDigest {
  count: number;
  /** XOR of the rows' hashes. */
  hash: bigint;
  /**
   * The lowest and highest position of the range's rows (absent when it has none): a comparison narrows a
   * differing range to them before cutting it, so a folder of many rows (one position) is reached at once
   * rather than through sixteen levels of cuts.
   */
  first?: bigint;
  last?: bigint;
}

export interface RangeKey {
  path: string;
  kind: ManifestKind;
  version: string;
}

/** A page of the keys of a range, in (position, path, kind) order, after a cursor: a backend's index read. */
export type KeyScan = (range: PositionRange, after: RangeCursor | undefined, limit: number) => RangeKey[];

export interface RangeDigestStats {
  /** Rows read from the index to compute parts. */
  rowsScanned: number;
  /** Parts computed by reading rows. */
  partsComputed: number;
  /** Parts answered from the cache. */
  partsCached: number;
}

export function sameDigest(a: RangeDigest, b: RangeDigest): boolean {
  return a.count === b.count && a.hash === b.hash;
}

/** A cached part: the digest of [from, to) inside one bucket, kept up to date by the writes after it was read. */
interface Part {
  from: bigint;
  to: bigint;
  digest: RangeDigest;
}

/** A committed change of one row: the key it replaced (or removed) and the key it wrote, at its position. */
export interface RowChange {
  position: bigint;
  removed?: RangeKey;
  added?: RangeKey;
}

export class RangeDigests {
  private readonly parts = new Map<string, Part>();
  /** The cached parts of each bucket: where a write finds the parts it changes. */
  private readonly byBucket = new Map<number, Part[]>();
  readonly stats: RangeDigestStats = { rowsScanned: 0, partsComputed: 0, partsCached: 0 };

  constructor(
    private readonly hash: Hash64,
    private readonly positionOf: (path: string) => bigint,
    private readonly scan: KeyScan,
  ) {}

  /**
   * Committed changes (call only after their transaction committed: a rollback must leave the parts alone): each
   * cached part holding the row's position takes the old key's hash out and the new one's in. Bounds only widen
   * (a removed row's position may stay inside them): they must hold every row, not only tightly.
   */
  committed(changes: readonly RowChange[]): void {
    if (this.parts.size === 0) return;
    for (const { position, removed, added } of changes) {
      for (const part of this.byBucket.get(bucketOf(position)) ?? []) {
        if (position < part.from || position >= part.to) continue;
        const d = part.digest;
        if (removed) {
          d.hash ^= rowHash(this.hash, removed);
          d.count--;
        }
        if (added) {
          d.hash ^= rowHash(this.hash, added);
          d.count++;
          if (d.first === undefined || position < d.first) d.first = position;
          if (d.last === undefined || position > d.last) d.last = position;
        }
        if (d.count === 0) {
          delete d.first;
          delete d.last;
        }
      }
    }
  }

  /** Every row went (a wipe): nothing cached holds. */
  clear(): void {
    this.parts.clear();
    this.byBucket.clear();
  }

  digest(range: PositionRange): RangeDigest {
    let digest: RangeDigest = { count: 0, hash: 0n };
    for (let b = bucketOf(range.from); b <= bucketOf(range.to - 1n); b++) {
      const start = BigInt(b) << SHIFT;
      const end = BigInt(b + 1) << SHIFT;
      digest = combine(digest, this.part(b, range.from > start ? range.from : start, range.to < end ? range.to : end));
    }
    return digest;
  }

  /** The digest of [from, to) inside bucket b: cached, or read from the index once. */
  private part(b: number, from: bigint, to: bigint): RangeDigest {
    const key = `${from}:${to}`;
    const cached = this.parts.get(key);
    if (cached) {
      this.stats.partsCached++;
      return cached.digest;
    }
    const digest: RangeDigest = { count: 0, hash: 0n };
    let after: RangeCursor | undefined;
    for (;;) {
      const keys = this.scan({ from, to }, after, SCAN_PAGE);
      for (const k of keys) digest.hash ^= rowHash(this.hash, k);
      digest.count += keys.length;
      this.stats.rowsScanned += keys.length;
      if (keys.length === 0) break;
      const last = keys[keys.length - 1]!;
      // Keys come in position order: the first of the first page and the last of the last are the bounds.
      after = { position: this.positionOf(last.path), path: last.path, kind: last.kind };
      digest.first ??= this.positionOf(keys[0]!.path);
      digest.last = after.position;
      if (keys.length < SCAN_PAGE) break;
    }
    this.stats.partsComputed++;
    if (this.parts.size >= MAX_CACHED_PARTS) this.clear();
    const part = { from, to, digest };
    this.parts.set(key, part);
    const inBucket = this.byBucket.get(b);
    if (inBucket) inBucket.push(part);
    else this.byBucket.set(b, [part]);
    return digest;
  }
}

/** The digest of two disjoint ranges' rows together. */
export function combine(a: RangeDigest, b: RangeDigest): RangeDigest {
  const out: RangeDigest = { count: a.count + b.count, hash: a.hash ^ b.hash };
  const first = a.first === undefined ? b.first : b.first === undefined || a.first < b.first ? a.first : b.first;
  const last = a.last === undefined ? b.last : b.last === undefined || a.last > b.last ? a.last : b.last;
  if (first !== undefined) out.first = first;
  if (last !== undefined) out.last = last;
  return out;
}

export function bucketOf(position: bigint): number {
  return Number(position >> SHIFT);
}

/** A row's contribution to its range's digest: the NUL-separated key and version hashed. */
export function rowHash(hash: Hash64, k: RangeKey): bigint {
  return hash(`${k.path}\0${k.kind}\0${k.version}`);
}
