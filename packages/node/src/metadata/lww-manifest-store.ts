// LwwManifestStore: the last-writer-wins merge, the per-origin marks and the listing rules shared by every
// ManifestStore backend (SQLite and in-memory), written once; a backend supplies the tables.
import { badRequest } from "../errors.ts";
import { refChanges } from "./chunk-refs.ts";
import { compareVersions, HybridClock } from "./hlc.ts";
import { contentProblem, type Manifest, type ManifestKind, mergeManifest, rowKey } from "./manifest.ts";
import type { FolderTotals } from "./folder-totals.ts";
import type { SearchOptions } from "./name-search.ts";
import { inlineProblem } from "./inline-content.ts";
import {
  type ChangesPage,
  type ChildrenOptions,
  DEFAULT_CHILDREN_LIMIT,
  type DeriveRows,
  MAX_CHILDREN_LIMIT,
  type ManifestChange,
  type ManifestStats,
  type ManifestStore,
  type ManifestStoreInit,
  type Marks,
  markOf,
  type RangeCursor,
  type RowListener,
  type RowVersion,
} from "./manifest-store.ts";
import { compareNames, isCanonicalPath, parentOf } from "./path.ts";
import { partitionPosition, type PositionRange } from "./partition.ts";
import { type KeyScan, type RangeDigest, RangeDigests, type RangeDigestStats, type RangeKey, type RowChange } from "./range-digests.ts";
import { xxhash64 } from "../ring/hash.ts";
import type { Hash64 } from "../ring/ring.ts";
import { checkChange, checkLimit, checkRange } from "./manifest-checks.ts";

const byOriginSeq = (a: Manifest, b: Manifest) => compareNames(a.origin, b.origin) || a.seq - b.seq;

/**
 * The last-writer-wins and mark bookkeeping, written once. A backend supplies a table of rows keyed
 * by path, a table of marks, and a way to run a function atomically.
 */
export abstract class LwwManifestStore implements ManifestStore {
  readonly clock: HybridClock;
  private counts: ManifestStats | undefined;
  private pending: ManifestStats | undefined;
  private readonly watchers = new Set<RowListener>();
  /** Rows stored by the transaction under way, collected only while someone watches. */
  private changed: Manifest[] | undefined;
  /** The rows the transaction under way changed, for the cached range digests once it commits. */
  private digestChanges: RowChange[] | undefined;

  private readonly hash: Hash64;
  /** Range digests for range anti-entropy: parts of fixed buckets of the ring, kept up to date by each commit (range-digests.ts). */
  private readonly digests: RangeDigests;

  constructor(
    readonly nodeId: string,
    now: () => number,
    init: ManifestStoreInit = {},
  ) {
    this.clock = new HybridClock(nodeId, now, init);
    this.hash = init.hash ?? xxhash64;
    this.digests = new RangeDigests(this.hash, (path) => this.positionOf(path), (range, after, limit) => this.rangeKeysOf(range, after, limit));
  }

  positionOf(path: string): bigint {
    return partitionPosition(this.hash, path);
  }

  rangeRows(range: PositionRange, after: RangeCursor | undefined, limit: number): Manifest[] {
    checkRange(range);
    return this.rangeRowsOf(range, after, checkLimit(limit, MAX_CHILDREN_LIMIT, "limit"));
  }

  rangeKeys(range: PositionRange, after: RangeCursor | undefined, limit: number): RangeKey[] {
    checkRange(range);
    return this.rangeKeysOf(range, after, checkLimit(limit, MAX_CHILDREN_LIMIT, "limit"));
  }

  rangeDigest(range: PositionRange): RangeDigest {
    checkRange(range);
    return this.digests.digest(range);
  }

  rangeDigestStats(): RangeDigestStats {
    return { ...this.digests.stats };
  }

  /** Rows of a position range after a cursor, in (position, path, kind) order (bytes and all). */
  protected abstract rangeRowsOf(range: PositionRange, after: RangeCursor | undefined, limit: number): Manifest[];
  /** The same, the key and version of each row only: what a digest hashes. */
  protected abstract rangeKeysOf(...args: Parameters<KeyScan>): ReturnType<KeyScan>;
  /** The row of one (path, kind) key. */
  protected abstract row(path: string, kind: ManifestKind): Manifest | undefined;

  get(path: string, kind?: ManifestKind): Manifest | undefined {
    return kind ? this.row(path, kind) : (this.row(path, "file") ?? this.row(path, "dir"));
  }

  /** The row's version (a backend that keeps content apart from the rest of the row reads only the version). */
  versionOf(path: string, kind: ManifestKind): string | undefined {
    return this.row(path, kind)?.version;
  }

  abstract hasLiveDescendant(dir: string): boolean;
  abstract folderTotals(dirs: readonly string[], itemsEach?: number): Map<string, FolderTotals>;
  abstract searchNames(dir: string, text: string, opts: SearchOptions): { rows: Manifest[]; more: boolean };
  /**
   * Rows of a directory with name > after, ordered by (name, kind): with `all`, every row; otherwise live rows and
   * directory tombstones that have a live descendant (returned as stored; children() shows them live).
   */
  protected abstract childRows(dir: string, after: string, limit: number, all: boolean): Manifest[];
  /** Rows of one origin with seq > after, ordered by seq. */
  protected abstract rowsOf(origin: string, after: number, limit: number): Manifest[];
  /** Every origin that has, or had, a row here, in code point order. */
  protected abstract origins(): string[];
  protected abstract readMark(origin: string): number | undefined;
  protected abstract writeMark(origin: string, seq: number): void;
  /** Writes a row; `position` is its partition's (positionOf(next.path)), computed once per write. */
  protected abstract writeRow(next: Manifest, previous: Manifest | undefined, position: bigint): void;
  /** Drops and adds references of the live row at `key` (rowKey; refChanges), in the same transaction as the row. */
  protected abstract writeRefs(key: string, removed: readonly string[], added: readonly string[]): void;
  protected abstract atomically<T>(fn: () => T): T;
  /** Counts every row; called once, on the first stats(), then kept up to date incrementally. */
  protected abstract countRows(): ManifestStats;
  /** Tombstone rows with path > after, in path order (a page ends after every row of its last path). */
  protected abstract tombstoneRows(after: string, limit: number): Manifest[];
  protected abstract deleteRow(row: Manifest): void;
  /** Adds to a folder's sums of live files directly in it (liveBytesBelow); a folder at zero files may go. */
  protected abstract addUsage(parent: string, files: number, bytes: number): void;
  abstract liveBytesBelow(dir: string): number;
  /** Deletes every row and every mark. */
  protected abstract clearAll(): void;
  abstract referencedAmong(ids: readonly string[]): Set<string>;
  abstract rowsBelow(dir: string, after: string, limit: number): Manifest[];
  abstract parentsBelow(dir: string, from: string, limit: number): string[];
  abstract chunkFolders(chunkId: string): string[];
  abstract durable(): Promise<void>;

  wipe(): void {
    this.atomically(() => this.clearAll());
    this.counts = { files: 0, dirs: 0, tombstones: 0, bytes: 0 };
    this.digests.clear();
  }

  raiseOwnSeq(seq: number): void {
    this.atomically(() => {
      if (seq > (this.readMark(this.nodeId) ?? 0)) this.writeMark(this.nodeId, seq);
    });
  }

  purgeTombstones(collectable: (tombstone: Manifest) => boolean, limit: number): number {
    let purged = 0;
    let after = "";
    while (purged < limit) {
      const page = samePairKept(this.tombstoneRows(after, 501), 500);
      if (page.length === 0) break;
      // A deleted directory with something live below it still holds up its descendants' path: keep it.
      const doomed = page
        .filter((row) => collectable(row) && !(row.kind === "dir" && this.hasLiveDescendant(row.path)))
        .slice(0, limit - purged);
      this.transact(() => {
        for (const row of doomed) {
          // Re-read inside the transaction: a newer write may have replaced the tombstone meanwhile.
          const current = this.get(row.path, row.kind);
          if (!current?.deleted || current.version !== row.version) continue;
          this.deleteRow(current);
          this.digestChanges?.push({ position: this.positionOf(current.path), removed: current });
          if (this.pending) addRow(this.pending, current, -1);
          purged++;
        }
      });
      after = page[page.length - 1]!.path;
    }
    return purged;
  }

  commitLocal(change: ManifestChange): Manifest {
    return this.commitLocalBatch([change])[0]!;
  }

  commitLocalBatch(changes: ManifestChange[], derive?: DeriveRows, pins?: ReadonlyMap<string, string>): Manifest[] {
    const checked = changes.map(checkChange); // all or nothing: vet every change before writing one
    return this.transact(() => {
      let seq = this.readMark(this.nodeId) ?? 0;
      // Stamped first, written last: a derived row that fails its check (the memory store cannot roll back)
      // throws before any row of the batch is written.
      const plan: Array<{ next: Manifest; previous: Manifest | undefined }> = [];
      const planned = new Map<string, Manifest>();
      const stamp = (change: ManifestChange): Manifest => {
        const previous = planned.get(rowKey(change)) ?? this.get(change.path, change.kind);
        // Our version must beat the row it replaces even if our wall clock went back since it was written.
        if (previous) this.clock.restore(previous.version);
        const pinned = pins?.get(rowKey(change));
        if (pinned !== undefined) {
          if (previous && compareVersions(previous.version, pinned) >= 0) throw new Error(`/${change.path}: the store holds ${previous.version}, at or above the decided ${pinned}`);
          this.clock.restore(pinned);
        }
        seq++;
        const next: Manifest = { ...change, version: pinned ?? this.clock.tick(), origin: this.nodeId, seq };
        planned.set(rowKey(next), next);
        plan.push({ next, previous });
        return next;
      };
      const written = checked.map(stamp);
      // A derived row is stamped after the rows of the batch; derive is not asked again about derived rows.
      const derived = derive ? plan.flatMap(({ next, previous }) => derive(next, previous).map(checkChange)) : [];
      const extra = derived.map(stamp);
      for (const { next, previous } of plan) this.store(next, previous);
      this.writeMark(this.nodeId, seq);
      return [...written, ...extra];
    });
  }

  apply(entries: Manifest[]): Manifest[] {
    for (const e of entries) this.clock.check(e.version); // refuse the whole batch before writing anything
    // (origin, seq) order lets one batch advance a mark across several consecutive rows.
    const sorted = [...entries].sort(byOriginSeq);
    const won = new Map<string, Manifest>();
    this.transact(() => {
      for (const entry of sorted) {
        const previous = this.get(entry.path, entry.kind);
        const winner = previous ? mergeManifest(previous, entry) : entry;
        if (winner !== previous) {
          const row = { ...entry, chunks: [...entry.chunks] };
          this.store(row, previous);
          won.set(rowKey(entry), row); // replaces an earlier winner for the same key in this batch
        }
        this.noteSeen(entry.origin, entry.seq);
      }
    });
    for (const e of entries) this.clock.restore(e.version);
    return [...won.values()];
  }

  abstract inlineRowsAfter(after: { path: string; kind: ManifestKind } | undefined, limit: number): Manifest[];

  restoreInline(row: Manifest): boolean {
    if (row.inline === undefined || contentProblem(row) !== undefined) return false;
    return this.transact(() => {
      const held = this.get(row.path, row.kind);
      if (!held || held.version !== row.version || held.inline === undefined || inlineProblem(held) === undefined) return false;
      this.store({ ...row, chunks: [] }, held);
      return true;
    });
  }

  children(dir: string, opts: ChildrenOptions = {}): Manifest[] {
    if (!isCanonicalPath(dir)) throw badRequest("invalid_path", `not a canonical directory path: ${dir}`);
    const limit = checkLimit(opts.limit ?? DEFAULT_CHILDREN_LIMIT, MAX_CHILDREN_LIMIT, "limit");
    const rows = samePairKept(this.childRows(dir, opts.after ?? "", limit + 1, opts.rows ?? false), limit);
    return opts.rows ? rows : rows.map((r) => (r.deleted ? impliedDirectory(r) : r));
  }

  childVersions(dir: string, page: { after?: string; limit: number }): RowVersion[] {
    if (!isCanonicalPath(dir)) throw badRequest("invalid_path", `not a canonical directory path: ${dir}`);
    const limit = checkLimit(page.limit, MAX_CHILDREN_LIMIT, "limit");
    return samePairKept(this.childKeys(dir, page.after ?? "", limit + 1), limit);
  }

  /** childRows(…, all) without the rows' content (a backend that keeps content apart reads only the keys). */
  protected childKeys(dir: string, after: string, limit: number): RowVersion[] {
    return this.childRows(dir, after, limit, true).map(({ path, kind, version }) => ({ path, kind, version }));
  }

  observe(version: string): void {
    this.clock.observe(version);
  }

  marks(): Marks {
    const out: Marks = {};
    for (const origin of this.origins()) {
      const seq = this.readMark(origin) ?? 0;
      if (seq > 0) out[origin] = seq;
    }
    return out;
  }

  changesSince(marks: Marks, limit: number): ChangesPage {
    const max = checkLimit(limit, Number.MAX_SAFE_INTEGER, "limit");
    // One transaction: the rows and the marks come from the same snapshot, which the safety
    // argument in sync.ts relies on.
    return this.atomically(() => {
      const entries: Manifest[] = [];
      for (const origin of this.origins()) {
        // Ask for one row more than fits: if it exists, there is more.
        const rows = this.rowsOf(origin, markOf(marks, origin), max - entries.length + 1);
        if (entries.length + rows.length > max) {
          entries.push(...rows.slice(0, max - entries.length));
          return { entries, marks: this.marks(), more: true };
        }
        entries.push(...rows);
      }
      return { entries, marks: this.marks(), more: false };
    });
  }

  absorbMarks(peerMarks: Marks): void {
    this.transact(() => {
      for (const [origin, seq] of Object.entries(peerMarks)) {
        if (!Number.isSafeInteger(seq) || seq < 0) throw badRequest("invalid_marks", `bad mark for ${origin}`);
        // For our own origin this also lifts our seq above what peers saw from us before a data loss,
        // so our next writes are not mistaken for ones they already have.
        if (seq > (this.readMark(origin) ?? 0)) this.writeMark(origin, seq);
      }
    });
  }

  stats(): ManifestStats {
    this.counts ??= this.countRows();
    return { ...this.counts };
  }

  private notify(rows: readonly Manifest[]): void {
    for (const listener of this.watchers) {
      try {
        listener(rows);
      } catch {
        // A watcher's failure is its own; the write it reports has committed.
      }
    }
  }

  /** Records that the write (origin, seq) has been seen, merged or not. */
  private noteSeen(origin: string, seq: number): void {
    const mark = this.readMark(origin);
    if (origin === this.nodeId) {
      // Our own rows coming back with a higher seq: we lost state; never reuse those numbers.
      if (seq > (mark ?? 0)) this.writeMark(origin, seq);
    } else if (seq === (mark ?? 0) + 1) {
      this.writeMark(origin, seq);
    } else if (mark === undefined) {
      this.writeMark(origin, 0); // register the origin so changesSince finds its rows
    }
  }

  watch(listener: RowListener): () => void {
    this.watchers.add(listener);
    return () => void this.watchers.delete(listener);
  }

  private store(next: Manifest, previous: Manifest | undefined): void {
    const position = this.positionOf(next.path);
    this.writeRow(next, previous, position);
    this.digestChanges?.push({ position, removed: previous, added: next });
    const files = usageOf(next).files - usageOf(previous).files;
    const bytes = usageOf(next).bytes - usageOf(previous).bytes;
    if (files !== 0 || bytes !== 0) this.addUsage(parentOf(next.path), files, bytes);
    this.changed?.push(next);
    const { removed, added } = refChanges(previous, next);
    if (removed.length > 0 || added.length > 0) this.writeRefs(rowKey(next), removed, added);
    if (this.pending) {
      if (previous) addRow(this.pending, previous, -1);
      addRow(this.pending, next, 1);
    }
  }

  /** atomically() plus stats bookkeeping that only lands if the transaction commits. */
  private transact<T>(fn: () => T): T {
    if (this.pending) return fn(); // nested: the outer call settles the counts
    this.pending = { files: 0, dirs: 0, tombstones: 0, bytes: 0 };
    this.changed = this.watchers.size > 0 ? [] : undefined;
    this.digestChanges = [];
    let changed: Manifest[] | undefined;
    try {
      const result = this.atomically(fn);
      this.digests.committed(this.digestChanges);
      if (this.counts) {
        for (const k of ["files", "dirs", "tombstones", "bytes"] as const) this.counts[k] += this.pending[k];
      }
      changed = this.changed;
      return result;
    } finally {
      this.pending = undefined;
      this.changed = undefined;
      this.digestChanges = undefined;
      // Only after the commit: a watcher must never hear of a row a rollback took back.
      if (changed && changed.length > 0) this.notify(changed);
    }
  }
}

/**
 * A page that would end between a directory and the file of its name takes the file too (limit + 1 rows): the
 * next page starts after the name, so a split pair would lose the file. Never shorter than `limit` unless it is
 * the last page, since every caller reads a short page as the end.
 */
function samePairKept<R extends { path: string }>(rows: R[], limit: number): R[] {
  if (rows.length <= limit) return rows;
  return rows[limit]!.path === rows[limit - 1]!.path ? rows.slice(0, limit + 1) : rows.slice(0, limit);
}

/** A deleted directory shown live because something below it is: the tombstone's identity, no content. */
export function impliedDirectory(tombstone: Manifest): Manifest {
  return { ...tombstone, kind: "dir", deleted: false };
}

export function addRow(stats: ManifestStats, m: Manifest, sign: 1 | -1): void {
  if (m.deleted) stats.tombstones += sign;
  else if (m.kind === "dir") stats.dirs += sign;
  else {
    stats.files += sign;
    stats.bytes += sign * m.size;
  }
}

/** What a row adds to its folder's usage: a live file, its size; anything else nothing. Only tombstones are ever purged. */
function usageOf(m: Manifest | undefined): { files: number; bytes: number } {
  return m && m.kind === "file" && !m.deleted ? { files: 1, bytes: m.size } : { files: 0, bytes: 0 };
}
