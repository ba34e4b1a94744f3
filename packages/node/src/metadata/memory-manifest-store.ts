// An in-memory ManifestStore for the simulator and unit tests: the same semantics as the SQLite store
// (one conformance suite runs against both), nothing durable.
import type { Manifest } from "./manifest.ts";
import { addRow, LwwManifestStore, type ManifestStats, type ManifestStoreInit } from "./manifest-store.ts";
import { compareNames, nameOf, parentOf } from "./path.ts";
import { refFolderOf } from "./version-paths.ts";

export class MemoryManifestStore extends LwwManifestStore {
  private readonly rows = new Map<string, Manifest>();
  /** parent → name → row (tombstones too): directory listings without scanning every row. */
  private readonly byParent = new Map<string, Map<string, Manifest>>();
  /** origin → seq → row: delta sync without scanning every row. */
  private readonly byOrigin = new Map<string, Map<number, Manifest>>();
  private readonly markTable = new Map<string, number>();
  /** chunk id → paths of the live files that reference it. */
  private readonly refs = new Map<string, Set<string>>();

  constructor(nodeId: string, now: () => number = Date.now, init: ManifestStoreInit = {}) {
    super(nodeId, now, init);
  }

  get(path: string): Manifest | undefined {
    return this.rows.get(path);
  }

  /** Memory has no disk: a write is as durable as it gets when it is made. */
  durable(): Promise<void> {
    return Promise.resolve();
  }

  protected childRows(dir: string, after: string, limit: number, all: boolean): Manifest[] {
    const entries = this.byParent.get(dir);
    if (!entries) return [];
    return [...entries.entries()]
      .filter(([name, row]) => compareNames(name, after) > 0 && (all || !row.deleted || (row.kind === "dir" && this.hasLiveDescendant(row.path))))
      .sort(([a], [b]) => compareNames(a, b))
      .slice(0, limit)
      .map(([, row]) => row);
  }

  hasLiveDescendant(dir: string): boolean {
    const prefix = `${dir}/`;
    for (const row of this.rows.values()) if (!row.deleted && row.path.startsWith(prefix)) return true;
    return false;
  }

  rowsBelow(dir: string, after: string, limit: number): Manifest[] {
    const prefix = `${dir}/`;
    return [...this.rows.values()]
      .filter((r) => r.path.startsWith(prefix) && compareNames(r.path, after) > 0)
      .sort((a, b) => compareNames(a.path, b.path))
      .slice(0, limit);
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

  protected writeRow(next: Manifest, previous: Manifest | undefined): void {
    if (previous) this.byOrigin.get(previous.origin)?.delete(previous.seq);
    this.rows.set(next.path, next);
    const parent = parentOf(next.path);
    let names = this.byParent.get(parent);
    if (!names) this.byParent.set(parent, (names = new Map()));
    names.set(nameOf(next.path), next);
    let bySeq = this.byOrigin.get(next.origin);
    if (!bySeq) this.byOrigin.set(next.origin, (bySeq = new Map()));
    bySeq.set(next.seq, next);
  }

  protected writeRefs(path: string, removed: readonly string[], added: readonly string[]): void {
    for (const id of removed) {
      const paths = this.refs.get(id);
      paths?.delete(path);
      if (paths?.size === 0) this.refs.delete(id);
    }
    for (const id of added) {
      let paths = this.refs.get(id);
      if (!paths) this.refs.set(id, (paths = new Set()));
      paths.add(path);
    }
  }

  chunkFolders(chunkId: string): string[] {
    return [...new Set([...(this.refs.get(chunkId) ?? [])].map(refFolderOf))];
  }

  protected tombstoneRows(after: string, limit: number): Manifest[] {
    return [...this.rows.values()]
      .filter((r) => r.deleted && r.path > after)
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
      .slice(0, limit);
  }

  protected deleteRow(row: Manifest): void {
    this.rows.delete(row.path);
    this.byParent.get(parentOf(row.path))?.delete(nameOf(row.path));
    this.byOrigin.get(row.origin)?.delete(row.seq);
  }

  protected clearAll(): void {
    this.rows.clear();
    this.byParent.clear();
    this.byOrigin.clear();
    this.markTable.clear();
    this.refs.clear();
  }

  referencedChunks(): Set<string> {
    const out = new Set<string>();
    for (const r of this.rows.values()) if (!r.deleted) for (const id of r.chunks) out.add(id);
    return out;
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
