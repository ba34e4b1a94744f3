// An in-memory ManifestStore for the simulator and unit tests: the same semantics as the SQLite store
// (one conformance suite runs against both), nothing durable.
import { type Manifest, type ManifestKind, rowKey } from "./manifest.ts";
import { type FolderTotals, folderTotalsOf, itemsPerFolder } from "./folder-totals.ts";
import { cutSearchPage, foldAscii, nameMatches, type SearchOptions, searchSkips } from "./name-search.ts";
import { addRow, LwwManifestStore } from "./lww-manifest-store.ts";
import type { ManifestStats, ManifestStoreInit, RangeCursor } from "./manifest-store.ts";
import type { PositionRange } from "./partition.ts";
import type { RangeKey } from "./range-digests.ts";
import { compareNames, nameOf, parentOf } from "./path.ts";
import { refFolderOf } from "./version-paths.ts";

export class MemoryManifestStore extends LwwManifestStore {
  /** rowKey → row: a file and a directory of one path are two rows. */
  private readonly rows = new Map<string, Manifest>();
  /** parent → rowKey's last segment (name, `name/` for a directory) → row (tombstones too): listings without scanning every row. */
  private readonly byParent = new Map<string, Map<string, Manifest>>();
  /** origin → seq → row: delta sync without scanning every row. */
  private readonly byOrigin = new Map<string, Map<number, Manifest>>();
  private readonly markTable = new Map<string, number>();
  /** chunk id → keys of the live rows that reference it. */
  private readonly refs = new Map<string, Set<string>>();
  /** rowKey → the row's partition position (range reads). */
  private readonly positions = new Map<string, bigint>();
  /** Per folder: live files directly in it and their bytes (liveBytesBelow). */
  private readonly usage = new Map<string, { files: number; bytes: number }>();

  constructor(nodeId: string, now: () => number = Date.now, init: ManifestStoreInit = {}) {
    super(nodeId, now, init);
  }

  protected row(path: string, kind: ManifestKind): Manifest | undefined {
    return this.rows.get(rowKey({ path, kind }));
  }

  /** Memory has no disk: a write is as durable as it gets when it is made. */
  durable(): Promise<void> {
    return Promise.resolve();
  }

  protected childRows(dir: string, after: string, limit: number, all: boolean): Manifest[] {
    const entries = this.byParent.get(dir);
    if (!entries) return [];
    return [...entries.values()]
      .filter((row) => compareNames(nameOf(row.path), after) > 0 && (all || !row.deleted || (row.kind === "dir" && this.hasLiveDescendant(row.path))))
      .sort(byNameThenKind)
      .slice(0, limit);
  }

  hasLiveDescendant(dir: string): boolean {
    const prefix = `${dir}/`;
    for (const row of this.rows.values()) if (!row.deleted && row.path.startsWith(prefix)) return true;
    return false;
  }

  folderTotals(dirs: readonly string[], itemsEach = itemsPerFolder(dirs.length)): Map<string, FolderTotals> {
    const sums = (dir: string) => {
      const total = { files: 0, bytes: 0 };
      for (const [parent, u] of this.usage) {
        if (parent !== dir && !parent.startsWith(`${dir}/`)) continue;
        total.files += u.files;
        total.bytes += u.bytes;
      }
      return total;
    };
    const items = (dir: string) => [...(this.byParent.get(dir)?.values() ?? [])].filter((r) => !r.deleted || (r.kind === "dir" && this.hasLiveDescendant(r.path))).length;
    return new Map(dirs.map((d) => [d, folderTotalsOf(items(d), itemsEach, sums(d))]));
  }

  searchNames(dir: string, text: string, opts: SearchOptions): { rows: Manifest[]; more: boolean } {
    const prefix = dir === "" ? "" : `${dir}/`;
    const folded = foldAscii(text);
    const found = [...this.rows.values()]
      .filter((r) => (opts.tombstones || !r.deleted) && r.path.startsWith(prefix) && !searchSkips(r.path) && compareNames(r.path, opts.after ?? "") > 0 && nameMatches(nameOf(r.path), folded))
      .sort((a, b) => compareNames(a.path, b.path) || compareKinds(a, b));
    return cutSearchPage(found.slice(0, opts.limit + 2), opts.limit);
  }

  inlineRowsAfter(after: { path: string; kind: ManifestKind } | undefined, limit: number): Manifest[] {
    const past = (r: Manifest) => !after || compareNames(r.path, after.path) > 0 || (r.path === after.path && r.kind > after.kind);
    return [...this.rows.values()]
      .filter((r) => r.inline !== undefined && past(r))
      .sort((a, b) => compareNames(a.path, b.path) || compareKinds(a, b))
      .slice(0, limit);
  }

  rowsBelow(dir: string, after: string, limit: number): Manifest[] {
    const prefix = `${dir}/`;
    return [...this.rows.values()]
      .filter((r) => r.path.startsWith(prefix) && compareNames(r.path, after) > 0)
      .sort((a, b) => compareNames(a.path, b.path) || compareKinds(a, b))
      .slice(0, limit);
  }

  parentsBelow(dir: string, from: string, limit: number): string[] {
    const prefix = `${dir}/`;
    const parents = new Set<string>();
    for (const r of this.rows.values()) {
      const parent = parentOf(r.path);
      if (parent.startsWith(prefix) && compareNames(parent, from) >= 0) parents.add(parent);
    }
    return [...parents].sort(compareNames).slice(0, limit);
  }

  protected rowsOf(origin: string, after: number, limit: number): Manifest[] {
    const bySeq = this.byOrigin.get(origin);
    if (!bySeq) return [];
    return [...bySeq.values()]
      .filter((row) => row.seq > after)
      .sort((a, b) => a.seq - b.seq)
      .slice(0, limit);
  }

  protected origins(): string[] {
    return [...this.markTable.keys()].sort(compareNames);
  }

  protected readMark(origin: string): number | undefined {
    return this.markTable.get(origin);
  }

  protected writeMark(origin: string, seq: number): void {
    this.markTable.set(origin, seq);
  }

  protected rangeRowsOf(range: PositionRange, after: RangeCursor | undefined, limit: number): Manifest[] {
    const inRange: Array<{ position: bigint; row: Manifest }> = [];
    for (const [key, row] of this.rows) {
      const position = this.positions.get(key)!;
      if (position < range.from || position >= range.to) continue;
      if (after && compareRangeOrder(position, row, after) <= 0) continue;
      inRange.push({ position, row });
    }
    return inRange
      .sort((a, b) => compareRangeOrder(a.position, a.row, { position: b.position, path: b.row.path, kind: b.row.kind }))
      .slice(0, limit)
      .map((r) => r.row);
  }

  protected rangeKeysOf(range: PositionRange, after: RangeCursor | undefined, limit: number): RangeKey[] {
    return this.rangeRowsOf(range, after, limit).map(({ path, kind, version }) => ({ path, kind, version }));
  }

  protected writeRow(next: Manifest, previous: Manifest | undefined, position: bigint): void {
    if (previous) this.byOrigin.get(previous.origin)?.delete(previous.seq);
    this.rows.set(rowKey(next), next);
    this.positions.set(rowKey(next), position);
    const parent = parentOf(next.path);
    let names = this.byParent.get(parent);
    if (!names) this.byParent.set(parent, (names = new Map()));
    names.set(childKey(next), next);
    let bySeq = this.byOrigin.get(next.origin);
    if (!bySeq) this.byOrigin.set(next.origin, (bySeq = new Map()));
    bySeq.set(next.seq, next);
  }

  protected writeRefs(key: string, removed: readonly string[], added: readonly string[]): void {
    for (const id of removed) {
      const keys = this.refs.get(id);
      keys?.delete(key);
      if (keys?.size === 0) this.refs.delete(id);
    }
    for (const id of added) {
      let keys = this.refs.get(id);
      if (!keys) this.refs.set(id, (keys = new Set()));
      keys.add(key);
    }
  }

  chunkFolders(chunkId: string): string[] {
    return [...new Set([...(this.refs.get(chunkId) ?? [])].map(refFolderOf))];
  }

  protected tombstoneRows(after: string, limit: number): Manifest[] {
    return [...this.rows.values()]
      .filter((r) => r.deleted && r.path > after)
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : compareKinds(a, b)))
      .slice(0, limit);
  }

  protected deleteRow(row: Manifest): void {
    this.rows.delete(rowKey(row));
    this.positions.delete(rowKey(row));
    this.byParent.get(parentOf(row.path))?.delete(childKey(row));
    this.byOrigin.get(row.origin)?.delete(row.seq);
  }

  protected addUsage(parent: string, files: number, bytes: number): void {
    const held = this.usage.get(parent) ?? { files: 0, bytes: 0 };
    const next = { files: held.files + files, bytes: held.bytes + bytes };
    if (next.files <= 0) this.usage.delete(parent);
    else this.usage.set(parent, next);
  }

  liveBytesBelow(dir: string): number {
    return this.folderTotals([dir]).get(dir)!.bytes;
  }

  protected clearAll(): void {
    this.usage.clear();
    this.rows.clear();
    this.positions.clear();
    this.byParent.clear();
    this.byOrigin.clear();
    this.markTable.clear();
    this.refs.clear();
  }

  referencedAmong(ids: readonly string[]): Set<string> {
    return new Set(ids.filter((id) => (this.refs.get(id)?.size ?? 0) > 0));
  }

  // No rollback: LwwManifestStore vets every input before its first write, so nothing throws midway.
  protected atomically<T>(fn: () => T): T {
    return fn();
  }

  protected countRows(): ManifestStats {
    const stats: ManifestStats = { files: 0, dirs: 0, tombstones: 0, bytes: 0 };
    for (const row of this.rows.values()) addRow(stats, row, 1);
    return stats;
  }
}

/** The key of a row among its parent's entries: its name, qualified by its kind as rowKey qualifies paths. */
const childKey = (m: Manifest) => rowKey({ path: nameOf(m.path), kind: m.kind });

/** SQLite's `ORDER BY kind`: 'dir' before 'file'. */
const compareKinds = (a: Manifest, b: Manifest) => (a.kind === b.kind ? 0 : a.kind === "dir" ? -1 : 1);

/** The range index's order: position, then path (code points), then kind. */
function compareRangeOrder(position: bigint, row: Pick<Manifest, "path" | "kind">, than: RangeCursor): number {
  if (position !== than.position) return position < than.position ? -1 : 1;
  return compareNames(row.path, than.path) || (row.kind === than.kind ? 0 : row.kind < than.kind ? -1 : 1);
}

const byNameThenKind = (a: Manifest, b: Manifest) => compareNames(nameOf(a.path), nameOf(b.path)) || compareKinds(a, b);
