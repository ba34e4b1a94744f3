// The ManifestStore interface: the gateway and the sync worker see only this, so the table can later be
// partitioned on the ring. Every backend shares the merge and mark logic of lww-manifest-store.ts.
import type { HybridClockInit } from "./hlc.ts";
import type { Manifest, ManifestKind } from "./manifest.ts";
import type { FolderTotals } from "./folder-totals.ts";
import type { SearchOptions } from "./name-search.ts";
import type { PositionRange } from "./partition.ts";
import type { RangeDigest, RangeDigestStats, RangeKey } from "./range-digests.ts";
import type { Hash64 } from "../ring/ring.ts";

export type { FolderTotals } from "./folder-totals.ts";

/** What a local write supplies; the store adds version, origin and seq. */
export type ManifestChange = Omit<Manifest, "version" | "origin" | "seq">;

/** Per-origin contiguous high-water marks: every write of origin o with seq <= marks[o] is covered. */
export type Marks = Record<string, number>;

export interface ChangesPage {
  entries: Manifest[];
  /** The answering store's own marks. */
  marks: Marks;
  more: boolean;
}

export interface ManifestStats {
  files: number;
  dirs: number;
  tombstones: number;
  /** Sum of the sizes of live files. */
  bytes: number;
}

/** A row's key and version, without its content. */
export type RowVersion = Pick<Manifest, "path" | "kind" | "version">;

export interface ChildrenOptions {
  /** At most this many entries (default DEFAULT_CHILDREN_LIMIT, at most MAX_CHILDREN_LIMIT). */
  limit?: number;
  /** Only names after this one (a child *name*, not a path): the cursor for the next page. */
  after?: string;
  /** Every row, tombstones included, as stored (for replicas comparing notes); default: what a listing shows. */
  rows?: boolean;
}

/** Where a page of a range read ended: the last row's partition position, path and kind (the range index's order). */
export interface RangeCursor {
  position: bigint;
  path: string;
  kind: ManifestKind;
}

export const DEFAULT_CHILDREN_LIMIT = 1000;
export const MAX_CHILDREN_LIMIT = 10_000;

export interface ManifestStore {
  readonly nodeId: string;
  /**
   * The row of a canonical path and kind, tombstones included: a file and a directory at one path are two rows
   * (two last-writer-wins registers, manifest.ts rowKey). Without `kind`, the file's row if there is one, else
   * the directory's: what a plain path names.
   */
  get(path: string, kind?: ManifestKind): Manifest | undefined;
  /**
   * The version of a key's row (a tombstone's too), without reading its content (a small file's bytes): what a
   * quorum read compares an owner's answer with, and whether a directory has a row at all.
   */
  versionOf(path: string, kind: ManifestKind): string | undefined;
  /**
   * A new version from the HLC, origin = this node, seq = next local seq. Committed when it returns;
   * on disk once a later `durable()` resolves (await it before acknowledging the write to anyone).
   */
  commitLocal(change: ManifestChange): Manifest;
  /**
   * Several local writes in one transaction (mkdir -p, move, recursive delete). With `derive`, each row written
   * may ask for more rows in the same transaction (the versions a versioned folder keeps, stamped after it):
   * they are returned after the rows of `changes`, in order. A change whose row key `pins` names is stamped
   * with that version (a value a Paxos round decided, consensus/conditional-writes.ts) instead of a fresh one,
   * so that a later decision, which saw it and chose a version above it, still wins; the caller checks first
   * that the store holds nothing at or above the pinned version (manifest-commit.ts).
   */
  commitLocalBatch(changes: ManifestChange[], derive?: DeriveRows, pins?: ReadonlyMap<string, string>): Manifest[];
  /**
   * Merges remote rows in one transaction and returns those that won (are now the row at their
   * key). Observes their versions in the HLC; advances the contiguous mark of an origin for each
   * row with seq === mark + 1. Throws badRequest("clock_skew") and writes nothing when any version
   * is too far in the future.
   */
  apply(entries: Manifest[]): Manifest[];
  /** Resolves once every write committed before the call is on disk (one fsync shared by concurrent writers). */
  durable(): Promise<void>;
  /**
   * The direct children of a canonical directory path that a listing shows, ordered by name (code points), a
   * directory before a file of the same name (a page never separates the two: it takes one row more than
   * `limit` rather than end between them, and is shorter than `limit` only at the end):
   * live rows, and deleted directories that still have a live descendant, shown live (the tree rule: a
   * directory exists while anything below it does, so a file created while its folder was deleted keeps a
   * path to it on every node). With `rows`, every stored row as it is, tombstones included.
   */
  children(dir: string, opts?: ChildrenOptions): Manifest[];
  /**
   * The keys and versions of the rows `children(dir, { ...page, rows: true })` returns, the same page, without their
   * content: what a listing's quorum read tells an owner it holds, and what the owner compares with.
   */
  childVersions(dir: string, page: { after?: string; limit: number }): RowVersion[];
  /** Whether any live row lies below `dir` (at any depth). */
  hasLiveDescendant(dir: string): boolean;
  /**
   * For each directory (not the root: never a listed entry), what is live below it (FolderTotals): files and
   * bytes at any depth from the per-folder sums (exact, one row per folder below read), and its entries as its
   * listing shows them, at most `itemsEach` counted (by default its share of FOLDER_TOTALS_ITEMS; `partial` when
   * more are there). One with nothing below is all zeros.
   */
  folderTotals(dirs: readonly string[], itemsEach?: number): Map<string, FolderTotals>;
  /**
   * Live files and folders (rows: a folder implied by a row below but without its own is not found) at any depth
   * below `dir` ("" the root, the reserved namespace left out) whose name holds `text` (ASCII letters of either
   * case alike, name-search.ts), paths after `after`, ordered by path then kind, a page cut by cutSearchPage.
   * Reads every row below `dir` up to the page's end: a range of the primary key (SQLite), like folderTotals.
   * `tombstones`: deleted rows whose name matches too (a peer's answer to a search across the cluster).
   */
  searchNames(dir: string, text: string, opts: SearchOptions): { rows: Manifest[]; more: boolean };
  /** The ring position of a path's partition (metadata/partition.ts), as the range reads order it. */
  positionOf(path: string): bigint;
  /**
   * The rows (tombstones too) whose partition position lies in `range`, ordered by (position, path, kind), after
   * `after`, at most `limit`, bytes and all: a range of the (position, path, kind) index, for range anti-entropy.
   */
  rangeRows(range: PositionRange, after: RangeCursor | undefined, limit: number): Manifest[];
  /** The same rows' keys and versions only (no content read): what a co-owner compares before asking for rows. */
  rangeKeys(range: PositionRange, after: RangeCursor | undefined, limit: number): RangeKey[];
  /**
   * The digest of the rows of `range` (range-digests.ts: their count and the XOR of a hash of each row's path,
   * kind and version): equal digests, the same rows at the same versions. Kept per part of a fixed bucket of
   * the ring, read from the index once and kept up to date by every commit.
   */
  rangeDigest(range: PositionRange): RangeDigest;
  /** What the range digests cost so far: rows read from the index, parts computed and parts found cached. */
  rangeDigestStats(): RangeDigestStats;
  /** Per-origin contiguous high-water marks, this node's own seq included. Zero marks are left out. */
  marks(): Marks;
  /**
   * Takes a version seen elsewhere into the clock (HLC receive rule), so the next local write is above it.
   * Throws badRequest("clock_skew") for one too far ahead of this node's clock.
   */
  observe(version: string): void;
  /**
   * Rows with seq > marks[origin] (0 for unknown origins), ordered by (origin, seq), at most `limit`;
   * `marks` is this store's own marks, read in the same snapshot. See sync.ts for how pages are chained.
   */
  changesSince(marks: Marks, limit: number): ChangesPage;
  /** After applying a complete sync answer: mark[o] = max(mark[o], peerMarks[o]). Why this is safe: sync.ts. */
  absorbMarks(peerMarks: Marks): void;
  stats(): ManifestStats;
  /**
   * Rows that keep their content inline (small files), after (`path`, `kind`) in that order, at most `limit`, bytes
   * and all, as stored (unchecked): what the scrubber verifies.
   */
  inlineRowsAfter(after: { path: string; kind: ManifestKind } | undefined, limit: number): Manifest[];
  /**
   * Puts back a damaged inline row from a good copy of the same write: replaces the row of (`row.path`,
   * `row.kind`) only when it holds exactly `row.version`, its inline bytes no longer match its sha256 (or size),
   * and `row` passes the checks every arriving row passes. True when it replaced it.
   */
  restoreInline(row: Manifest): boolean;
  /**
   * Bytes of the live files at any depth below `dir` (each file once: its size), from per-folder sums kept with the
   * rows: one row per folder read, not one per file (a quota check on every write into a home).
   */
  liveBytesBelow(dir: string): number;
  /** Rows (tombstones included) whose path lies below `dir`, after `after`, in path order: a scan of one subtree. */
  rowsBelow(dir: string, after: string, limit: number): Manifest[];
  /**
   * The distinct parent directories of the rows (tombstones included) below `dir`, at or after `from` (a path
   * below `dir`, or "" for all), in path order, at most `limit`: a range of the (parent, name) index, for a
   * listing of versioned keys that starts anywhere without reading what lies before.
   */
  parentsBelow(dir: string, from: string, limit: number): string[];
  /**
   * Which of `ids` some live row references (for chunk garbage collection), from the index kept with the rows
   * (chunk_refs): memory in proportion to `ids`, never to the store (a whole set of a million files' chunk ids
   * was ~100 MB of strings each pass).
   */
  referencedAmong(ids: readonly string[]): Set<string>;
  /**
   * The top-level folders (metadata/path.ts topFolderOf; "" for the root) of the live files that reference a
   * chunk, from an index kept with the rows: no scan. Empty for a chunk no live file references.
   */
  chunkFolders(chunkId: string): string[];
  /**
   * Deletes tombstone rows for which `collectable` says yes (every member that can still hold an
   * older row has seen them); at most `limit` per call. Returns how many were removed.
   */
  purgeTombstones(collectable: (tombstone: Manifest) => boolean, limit: number): number;
  /**
   * Forgets every row and every mark, this node's own seq counter included, in one transaction: a node the
   * cluster forgot resyncs from scratch (replication/manifest-resync.ts). Call raiseOwnSeq afterwards,
   * before committing anything, so that no (origin, seq) of ours is used twice.
   */
  wipe(): void;
  /** This node's own seq counter becomes at least `seq`. */
  raiseOwnSeq(seq: number): void;
  /**
   * Calls `listener` after each committed transaction with the rows it made the current row at their path
   * (local writes and merged remote rows alike; purged tombstones and wipes are not reported). For the
   * files API's change feed (gateway/changes-routes.ts). Returns the function that stops it.
   */
  watch(listener: RowListener): () => void;
}

export type RowListener = (rows: readonly Manifest[]) => void;

/** More changes a committed local row asks for, given the row it replaced (filesystem/versioning.ts). */
export type DeriveRows = (next: Manifest, previous: Manifest | undefined) => ManifestChange[];

export interface ManifestStoreInit extends HybridClockInit {
  /** The ring's hash, for partition positions (default: XXH64, ring/hash.ts xxhash64, the same function). */
  hash?: Hash64;
}

/** Reads a mark without falling into Object.prototype ("constructor" is a valid node id). */
export function markOf(marks: Marks, origin: string): number {
  return Object.hasOwn(marks, origin) ? (marks[origin] as number) : 0;
}
