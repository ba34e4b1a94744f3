// The node's ManifestStore on SQLite (bun:sqlite): the `files` table holds one row per (path, kind),
// `sync_state` the per-origin marks, including this node's own seq, so both survive a restart.
import type { Database, Statement } from "bun:sqlite";
import type { Manifest, ManifestKind, MultipartLayout } from "./manifest.ts";
import type { ObjectMeta } from "./object-meta.ts";
import { unsynced } from "../store/db.ts";
import { WalSync } from "../store/wal-sync.ts";
import { LwwManifestStore } from "./lww-manifest-store.ts";
import type { FolderTotals, ManifestStats, ManifestStoreInit, RangeCursor, RowVersion } from "./manifest-store.ts";
import { type PositionRange, storedPosition } from "./partition.ts";
import type { RangeKey } from "./range-digests.ts";
import { folderTotalsOf, itemsPerFolder } from "./folder-totals.ts";
import { cutSearchPage, foldAscii, type SearchOptions } from "./name-search.ts";
import { nameOf, parentOf } from "./path.ts";
import { refFolderOf, VERSIONS_DIR } from "./version-paths.ts";
import { unavailable } from "../errors.ts";

interface FileRow {
  path: string;
  kind: "file" | "dir";
  version: string;
  deleted: number;
  size: number;
  sha256: string | null;
  chunk_size: number;
  chunks: string;
  mtime: number;
  origin: string;
  seq: number;
  md5: string | null;
  chunk_sizes: string | null;
  meta: string | null;
  multipart: string | null;
  /** Absent where a listing left the bytes unread (LISTED). */
  inline?: string | null;
  has_inline?: number;
}

/** Every column of a row, its inline bytes too. */
const COLUMNS = "path, kind, version, deleted, size, sha256, chunk_size, chunks, mtime, origin, seq, md5, chunk_sizes, meta, multipart, inline";
/** What a listing or a search reads: the inline bytes only flagged, read if someone asks for them (lazyInline). */
const LISTED = "path, kind, version, deleted, size, sha256, chunk_size, chunks, mtime, origin, seq, md5, chunk_sizes, meta, multipart, inline IS NOT NULL AS has_inline";

/** parentsBelow's query (exported for the test that reads its plan: it must walk the files_parent index). */
export const PARENTS_BELOW = "SELECT DISTINCT parent FROM files WHERE parent >= ? AND parent < ? ORDER BY parent LIMIT ?";

function toManifest(r: FileRow): Manifest {
  return {
    path: r.path,
    kind: r.kind,
    version: r.version,
    deleted: r.deleted !== 0,
    size: r.size,
    sha256: r.sha256,
    chunkSize: r.chunk_size,
    chunks: JSON.parse(r.chunks) as string[],
    mtime: r.mtime,
    origin: r.origin,
    seq: r.seq,
    // Optional fields stay absent rather than undefined, like the rows that never had them.
    ...(r.md5 === null ? {} : { md5: r.md5 }),
    ...(r.chunk_sizes === null ? {} : { chunkSizes: JSON.parse(r.chunk_sizes) as number[] }),
    ...(r.meta === null ? {} : { meta: JSON.parse(r.meta) as ObjectMeta }),
    ...(r.multipart === null ? {} : { multipart: JSON.parse(r.multipart) as MultipartLayout }),
    ...(r.inline == null ? {} : { inline: r.inline }),
  };
}

/**
 * A listed row whose inline bytes were not read: `inline` is read from the database when first asked for (a copy,
 * a zip, a move of what a listing found), from the row of the very version listed. Listings of small files would
 * otherwise read every file's content. A row replaced meanwhile is a 503 to retry, never other content.
 */
function lazyInline(m: Manifest, read: (path: string, kind: ManifestKind, version: string) => string | undefined): Manifest {
  Object.defineProperty(m, "inline", {
    enumerable: true,
    configurable: true,
    get() {
      const bytes = read(m.path, m.kind, m.version);
      if (bytes === undefined) throw unavailable("changed_while_read", `/${m.path} changed while it was being read; try again`);
      Object.defineProperty(m, "inline", { value: bytes, enumerable: true, configurable: true, writable: true });
      return bytes;
    },
  });
  return m;
}

/**
 * A folder's entries as its listing shows them (`children`' rule: live rows, and folders deleted with something
 * live below), at most ?2 of them counted: a range of the (parent, name) index (its test checks the plan).
 */
export const FOLDER_ITEMS_SQL = `SELECT count(*) AS n FROM (SELECT 1 FROM files f WHERE parent = ?1 AND (deleted = 0 OR (kind = 'dir' AND EXISTS (
    SELECT 1 FROM files d WHERE d.path > f.path || '/' AND d.path < f.path || '0' AND d.deleted = 0))) LIMIT ?2)`;

/** Live files and their bytes at any depth below a folder: its own sums, then its subfolders' (a range of folder_usage's key, "d/" to "d0"). */
export const FOLDER_SUMS_SQL = "SELECT total(files) AS files, total(bytes) AS bytes FROM folder_usage WHERE parent = ?1 OR (parent >= ?2 AND parent < ?3)";

/**
 * searchNames' queries: live rows of a range of the primary key (below a folder, or from a path on at the root,
 * the reserved namespace skipped) whose name holds the folded text; lower() folds ASCII as name-search.ts does.
 */
const NAME_MATCH = `instr(lower(name), ?) > 0
  AND NOT (path = '${VERSIONS_DIR}' OR (path > '${VERSIONS_DIR}/' AND path < '${VERSIONS_DIR}0'))`;
const SEARCH_MATCH = `deleted = 0 AND ${NAME_MATCH}`;
export const SEARCH_BELOW_SQL = `SELECT ${LISTED} FROM files WHERE path > ? AND path < ? AND ${SEARCH_MATCH} ORDER BY path, kind LIMIT ?`;
const SEARCH_ROOT_SQL = `SELECT ${LISTED} FROM files WHERE path > ? AND ${SEARCH_MATCH} ORDER BY path, kind LIMIT ?`;
/**
 * The scrubber's walk over the rows that keep a small file's bytes: a page of the primary key from a (path, kind)
 * on (a row value, so the search starts there: `path > ? OR (path = ? AND …)` scanned from the first row each page);
 * the rows without inline bytes are read past, not returned.
 */
export const INLINE_AFTER_SQL = `SELECT ${COLUMNS} FROM files WHERE (path, kind) > (?, ?) AND inline IS NOT NULL ORDER BY path, kind LIMIT ?`;

/**
 * Range anti-entropy's reads: the rows of an arc of the ring, a range of the (position, path, kind) index read in
 * its order, from the arc's start or after a cursor (a row value, so the search starts there). Positions as stored
 * (metadata/partition.ts storedPosition); the upper bound is inclusive, since the top of the ring is not storable.
 */
const RANGE_WHERE = "position >= ?1 AND position <= ?2 AND (position, path, kind) > (?3, ?4, ?5) ORDER BY position, path, kind LIMIT ?6";
export const RANGE_ROWS_SQL = `SELECT ${COLUMNS} FROM files WHERE ${RANGE_WHERE}`;
export const RANGE_KEYS_SQL = `SELECT path, kind, version FROM files WHERE ${RANGE_WHERE}`;

/** The same with tombstones (a peer's answer to a search across the cluster: a deletion must beat an older live row). */
const SEARCH_BELOW_ALL_SQL = `SELECT ${LISTED} FROM files WHERE path > ? AND path < ? AND ${NAME_MATCH} ORDER BY path, kind LIMIT ?`;
const SEARCH_ROOT_ALL_SQL = `SELECT ${LISTED} FROM files WHERE path > ? AND ${NAME_MATCH} ORDER BY path, kind LIMIT ?`;

type RangeArgs = [bigint, bigint, bigint, string, string, number];

/** A range read's parameters: the arc's bounds as stored, and the cursor (before the arc's first row if none). */
function rangeArgs(range: PositionRange, after: RangeCursor | undefined, limit: number): RangeArgs {
  const from = storedPosition(range.from);
  // "" sorts before every path: the cursor (from, "", "") lets every row at `from` through.
  return [from, storedPosition(range.to - 1n), after ? storedPosition(after.position) : from, after?.path ?? "", after?.kind ?? "", limit];
}

export class SqliteManifestStore extends LwwManifestStore {
  private readonly q: {
    get: Statement<FileRow, [string, string]>;
    version: Statement<{ version: string }, [string, string]>;
    inlineOf: Statement<{ inline: string | null }, [string, string, string]>;
    children: Statement<FileRow, [string, string, number]>;
    childRows: Statement<FileRow, [string, string, number]>;
    childKeys: Statement<RowVersion, [string, string, number]>;
    liveBelow: Statement<{ one: number }, [string, string]>;
    folderItems: Statement<{ n: number }, [string, number]>;
    searchBelow: Statement<FileRow, [string, string, string, number]>;
    searchRoot: Statement<FileRow, [string, string, number]>;
    searchBelowAll: Statement<FileRow, [string, string, string, number]>;
    searchRootAll: Statement<FileRow, [string, string, number]>;
    rowsBelow: Statement<FileRow, [string, string, number]>;
    inlineAfter: Statement<FileRow, [string, string, number]>;
    addUsage: Statement<unknown, [string, number, number]>;
    dropEmptyUsage: Statement<unknown, [string]>;
    usageBelow: Statement<{ files: number; bytes: number }, [string, string, string]>;
    parentsBelow: Statement<{ parent: string }, [string, string, number]>;
    rowsOf: Statement<FileRow, [string, number, number]>;
    rangeRows: Statement<FileRow, RangeArgs>;
    rangeKeys: Statement<RangeKey, RangeArgs>;
    upsert: Statement<
      unknown,
      [
        string, string, string, string, string, number, number, string | null, number, string, number, string, number,
        string | null, string | null, string | null, string | null, string | null, bigint,
      ]
    >;
    origins: Statement<{ origin: string }, []>;
    mark: Statement<{ seq: number }, [string]>;
    setMark: Statement<unknown, [string, number]>;
    count: Statement<{ kind: string; deleted: number; n: number; bytes: number }, []>;
    tombstones: Statement<FileRow, [string, number]>;
    deleteRow: Statement<unknown, [string, string]>;
    refsBetween: Statement<{ chunk_id: string }, [string, string]>;
    addRef: Statement<unknown, [string, string, string]>;
    dropRef: Statement<unknown, [string, string, string]>;
    chunkFolders: Statement<{ folder: string }, [string]>;
  };

  /** The connection's own synchronous level, restored after each commit of this store. */
  private readonly syncLevel: number;
  private readonly walSync: WalSync;

  /**
   * `db` must be migrated (store/db.ts openDatabase); this store is the only writer of its two tables.
   * `walSync`: the database's group fsync, shared with the other stores on the connection (one is made if not given).
   */
  constructor(
    private readonly db: Database,
    nodeId: string,
    now: () => number = Date.now,
    init: ManifestStoreInit = {},
    walSync?: WalSync,
  ) {
    super(nodeId, now, init);
    this.syncLevel = (db.query("PRAGMA synchronous").get() as { synchronous: number }).synchronous;
    this.walSync = walSync ?? new WalSync(db.filename);
    this.q = {
      get: db.prepare(`SELECT ${COLUMNS} FROM files WHERE path = ? AND kind = ?`),
      // The version alone: a 4 KiB file's bytes spill into an overflow page, read with a syscall of its own.
      version: db.prepare("SELECT version FROM files WHERE path = ? AND kind = ?"),
      inlineOf: db.prepare("SELECT inline FROM files WHERE path = ? AND kind = ? AND version = ?"),
      // Uses the (parent, name) index; a deleted directory is kept when a live row lies below it (a range
      // of the primary key: every path below "d" sorts between "d/" and "d0", since "/" precedes "0").
      children: db.prepare(
        `SELECT ${LISTED} FROM files f WHERE parent = ? AND name > ? AND (deleted = 0 OR (kind = 'dir' AND EXISTS (
           SELECT 1 FROM files d WHERE d.path > f.path || '/' AND d.path < f.path || '0' AND d.deleted = 0)))
         ORDER BY name, kind LIMIT ?`,
      ),
      childRows: db.prepare(`SELECT ${COLUMNS} FROM files WHERE parent = ? AND name > ? ORDER BY name, kind LIMIT ?`),
      childKeys: db.prepare("SELECT path, kind, version FROM files WHERE parent = ? AND name > ? ORDER BY name, kind LIMIT ?"),
      liveBelow: db.prepare("SELECT 1 AS one FROM files WHERE path > ? AND path < ? AND deleted = 0 LIMIT 1"),
      folderItems: db.prepare(FOLDER_ITEMS_SQL),
      searchBelow: db.prepare(SEARCH_BELOW_SQL),
      searchRoot: db.prepare(SEARCH_ROOT_SQL),
      searchBelowAll: db.prepare(SEARCH_BELOW_ALL_SQL),
      searchRootAll: db.prepare(SEARCH_ROOT_ALL_SQL),
      // A range of the primary key, as liveBelow.
      rowsBelow: db.prepare(`SELECT ${COLUMNS} FROM files WHERE path > ? AND path < ? ORDER BY path, kind LIMIT ?`),
      inlineAfter: db.prepare(INLINE_AFTER_SQL),
      // A range of the (parent, name, kind) index, read in its order: no sort, no scan before `from`.
      parentsBelow: db.prepare(PARENTS_BELOW),
      // Uses the (origin, seq) index.
      rowsOf: db.prepare(`SELECT ${COLUMNS} FROM files WHERE origin = ? AND seq > ? ORDER BY seq LIMIT ?`),
      rangeRows: db.prepare(RANGE_ROWS_SQL),
      rangeKeys: db.prepare(RANGE_KEYS_SQL),
      upsert: db.prepare(
        `INSERT INTO files (path, parent, name, kind, version, deleted, size, sha256, chunk_size, chunks, mtime, origin, seq, md5, chunk_sizes, meta, multipart, inline, position)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (path, kind) DO UPDATE SET parent = excluded.parent, name = excluded.name, kind = excluded.kind,
           version = excluded.version, deleted = excluded.deleted, size = excluded.size, sha256 = excluded.sha256,
           chunk_size = excluded.chunk_size, chunks = excluded.chunks, mtime = excluded.mtime,
           origin = excluded.origin, seq = excluded.seq, md5 = excluded.md5, chunk_sizes = excluded.chunk_sizes,
           meta = excluded.meta, multipart = excluded.multipart, inline = excluded.inline, position = excluded.position`,
      ),
      origins: db.prepare("SELECT origin FROM sync_state ORDER BY origin"),
      mark: db.prepare("SELECT seq FROM sync_state WHERE origin = ?"),
      setMark: db.prepare(
        "INSERT INTO sync_state (origin, seq) VALUES (?, ?) ON CONFLICT (origin) DO UPDATE SET seq = excluded.seq",
      ),
      count: db.prepare(
        "SELECT kind, deleted, count(*) AS n, total(size) AS bytes FROM files GROUP BY kind, deleted",
      ),
      // Uses the partial index on tombstones.
      tombstones: db.prepare(`SELECT ${COLUMNS} FROM files WHERE deleted = 1 AND path > ? ORDER BY path, kind LIMIT ?`),
      deleteRow: db.prepare("DELETE FROM files WHERE path = ? AND kind = ?"),
      addUsage: db.prepare(
        "INSERT INTO folder_usage (parent, files, bytes) VALUES (?1, ?2, ?3) ON CONFLICT (parent) DO UPDATE SET files = files + ?2, bytes = bytes + ?3",
      ),
      dropEmptyUsage: db.prepare("DELETE FROM folder_usage WHERE parent = ? AND files <= 0"),
      usageBelow: db.prepare(FOLDER_SUMS_SQL),
      // Directories too: one may hold content of its own (S3's `dir/` object with data).
      refsBetween: db.prepare("SELECT chunk_id FROM chunk_refs WHERE chunk_id BETWEEN ? AND ?"),
      addRef: db.prepare("INSERT OR IGNORE INTO chunk_refs (chunk_id, folder, path) VALUES (?, ?, ?)"),
      dropRef: db.prepare("DELETE FROM chunk_refs WHERE chunk_id = ? AND folder = ? AND path = ?"),
      // A prefix of the primary key: the rows of one chunk, usually one or a few.
      chunkFolders: db.prepare("SELECT DISTINCT folder FROM chunk_refs WHERE chunk_id = ?"),
    };
  }

  protected row(path: string, kind: ManifestKind): Manifest | undefined {
    const row = this.q.get.get(path, kind);
    return row ? toManifest(row) : undefined;
  }

  override versionOf(path: string, kind: ManifestKind): string | undefined {
    return this.q.version.get(path, kind)?.version;
  }

  /** A row from LISTED: its inline bytes, if it has some, read when asked for. */
  private readonly listed = (r: FileRow): Manifest => {
    const m = toManifest(r);
    return r.has_inline ? lazyInline(m, (path, kind, version) => this.q.inlineOf.get(path, kind, version)?.inline ?? undefined) : m;
  };

  protected childRows(dir: string, after: string, limit: number, all: boolean): Manifest[] {
    // Every row as stored goes to replicas (manifests.children), bytes and all; a listing only flags them.
    return all ? this.q.childRows.all(dir, after, limit).map(toManifest) : this.q.children.all(dir, after, limit).map(this.listed);
  }

  // The keys alone: a small file's bytes (an overflow page each) stay unread.
  protected override childKeys(dir: string, after: string, limit: number): RowVersion[] {
    return this.q.childKeys.all(dir, after, limit);
  }

  hasLiveDescendant(dir: string): boolean {
    return this.q.liveBelow.get(`${dir}/`, `${dir}0`) !== null;
  }

  folderTotals(dirs: readonly string[], itemsEach = itemsPerFolder(dirs.length)): Map<string, FolderTotals> {
    return new Map(
      dirs.map((d) => {
        const sums = this.q.usageBelow.get(d, `${d}/`, `${d}0`) ?? { files: 0, bytes: 0 };
        return [d, folderTotalsOf(this.q.folderItems.get(d, itemsEach + 1)?.n ?? 0, itemsEach, sums)];
      }),
    );
  }

  searchNames(dir: string, text: string, opts: SearchOptions): { rows: Manifest[]; more: boolean } {
    const after = opts.after ?? "";
    const folded = foldAscii(text);
    const [root, below] = opts.tombstones ? [this.q.searchRootAll, this.q.searchBelowAll] : [this.q.searchRoot, this.q.searchBelow];
    const rows =
      dir === ""
        ? root.all(after, folded, opts.limit + 2)
        : below.all(after > `${dir}/` ? after : `${dir}/`, `${dir}0`, folded, opts.limit + 2);
    return cutSearchPage(rows.map(this.listed), opts.limit);
  }

  inlineRowsAfter(after: { path: string; kind: ManifestKind } | undefined, limit: number): Manifest[] {
    return this.q.inlineAfter.all(after?.path ?? "", after?.kind ?? "", limit).map(toManifest);
  }

  rowsBelow(dir: string, after: string, limit: number): Manifest[] {
    const from = after > `${dir}/` ? after : `${dir}/`;
    return this.q.rowsBelow.all(from, `${dir}0`, limit).map(toManifest);
  }

  parentsBelow(dir: string, from: string, limit: number): string[] {
    const start = from > `${dir}/` ? from : `${dir}/`;
    return this.q.parentsBelow.all(start, `${dir}0`, limit).map((r) => r.parent);
  }

  protected rowsOf(origin: string, after: number, limit: number): Manifest[] {
    return this.q.rowsOf.all(origin, after, limit).map(toManifest);
  }

  protected origins(): string[] {
    return this.q.origins.all().map((r) => r.origin);
  }

  protected readMark(origin: string): number | undefined {
    return this.q.mark.get(origin)?.seq;
  }

  protected writeMark(origin: string, seq: number): void {
    this.q.setMark.run(origin, seq);
  }

  protected rangeRowsOf(range: PositionRange, after: RangeCursor | undefined, limit: number): Manifest[] {
    return this.q.rangeRows.all(...rangeArgs(range, after, limit)).map(toManifest);
  }

  protected rangeKeysOf(range: PositionRange, after: RangeCursor | undefined, limit: number): RangeKey[] {
    return this.q.rangeKeys.all(...rangeArgs(range, after, limit));
  }

  protected writeRow(m: Manifest, _previous: Manifest | undefined, position: bigint): void {
    this.q.upsert.run(
      m.path,
      parentOf(m.path),
      nameOf(m.path),
      m.kind,
      m.version,
      m.deleted ? 1 : 0,
      m.size,
      m.sha256,
      m.chunkSize,
      JSON.stringify(m.chunks),
      m.mtime,
      m.origin,
      m.seq,
      m.md5 ?? null,
      m.chunkSizes ? JSON.stringify(m.chunkSizes) : null,
      m.meta ? JSON.stringify(m.meta) : null,
      m.multipart ? JSON.stringify(m.multipart) : null,
      m.inline ?? null,
      storedPosition(position),
    );
  }

  protected writeRefs(key: string, removed: readonly string[], added: readonly string[]): void {
    const folder = refFolderOf(key);
    for (const id of removed) this.q.dropRef.run(id, folder, key);
    for (const id of added) this.q.addRef.run(id, folder, key);
  }

  chunkFolders(chunkId: string): string[] {
    return this.q.chunkFolders.all(chunkId).map((r) => r.folder);
  }

  protected tombstoneRows(after: string, limit: number): Manifest[] {
    return this.q.tombstones.all(after, limit).map(toManifest);
  }

  protected deleteRow(row: Manifest): void {
    this.q.deleteRow.run(row.path, row.kind);
  }

  protected addUsage(parent: string, files: number, bytes: number): void {
    this.q.addUsage.run(parent, files, bytes);
    if (files < 0) this.q.dropEmptyUsage.run(parent);
  }

  liveBytesBelow(dir: string): number {
    return this.q.usageBelow.get(dir, `${dir}/`, `${dir}0`)?.bytes ?? 0;
  }

  protected clearAll(): void {
    this.db.run("DELETE FROM files");
    this.db.run("DELETE FROM sync_state");
    this.db.run("DELETE FROM chunk_refs");
    this.db.run("DELETE FROM folder_usage");
  }

  referencedAmong(ids: readonly string[]): Set<string> {
    const out = new Set<string>();
    if (ids.length === 0) return out;
    // One walk of the index between the least and the greatest id (the GC asks in pages of sorted ids), the
    // rows streamed: a lookup per id cost ~6 times as much CPU for a page of a thousand.
    const want = new Set(ids);
    let lo = ids[0]!;
    let hi = ids[0]!;
    for (const id of ids) {
      if (id < lo) lo = id;
      if (id > hi) hi = id;
    }
    for (const r of this.q.refsBetween.iterate(lo, hi)) if (want.has(r.chunk_id)) out.add(r.chunk_id);
    return out;
  }

  /**
   * Commits without an fsync on the event loop (synchronous=NORMAL for this commit); `durable()` makes it
   * durable, shared with every other commit since (store/wal-sync.ts). Inside a caller's transaction the
   * level cannot change, and that transaction's commit decides.
   */
  protected atomically<T>(fn: () => T): T {
    const tx = this.db.transaction(fn);
    return unsynced(this.db, this.syncLevel, () => tx() as T);
  }

  durable(): Promise<void> {
    return this.walSync.durable();
  }

  /** Lets go of what the store holds open besides the database (the WAL's descriptor), before the database closes. */
  close(): void {
    this.walSync.close();
  }

  protected countRows(): ManifestStats {
    const stats: ManifestStats = { files: 0, dirs: 0, tombstones: 0, bytes: 0 };
    for (const r of this.q.count.all()) {
      if (r.deleted) stats.tombstones += r.n;
      else if (r.kind === "dir") stats.dirs += r.n;
      else {
        stats.files += r.n;
        stats.bytes += r.bytes;
      }
    }
    return stats;
  }
}
