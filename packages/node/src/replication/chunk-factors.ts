// How many copies a chunk should have: the largest factor that the folders of the live files referencing it
// ask for (chunks are content-addressed, so files in different top-level folders can share one, and a copy
// the most demanding of them needs must not be swept because another asks for fewer); the cluster's factor
// for files of folders without their own. The folders come from the manifests' chunk index
// (ManifestStore.chunkFolders, a keyed lookup), so placing a chunk never scans the manifests.
import { topFolderOf } from "../metadata/path.ts";
import type { FolderFactors } from "../settings/folder-factors.ts";

/**
 * A chunk's replication factor (pure): the largest of its folders' factors (a folder without its own counts
 * the cluster's) and of the writes in flight that hold it; the cluster's when nothing references it (a chunk
 * about to be collected, or one a write placed whose manifest has not arrived here yet).
 */
export function chunkFactor(folders: readonly string[], folderFactors: ReadonlyMap<string, number>, clusterFactor: number, held?: number): number {
  if (folders.length === 0) return held ?? clusterFactor;
  let factor = held ?? 0;
  for (const folder of folders) factor = Math.max(factor, folderFactors.get(folder) ?? clusterFactor);
  return factor;
}

/** A chunk's requested factor (before it is bounded by the members there are), given the cluster's. */
export type FactorLookup = (chunkId: string, clusterFactor: number) => number;

export class ChunkFactors {
  private folders: ReadonlyMap<string, number> = new Map();
  /** Chunks of writes in flight (their manifests not yet committed): the factor each write asked for, per write. */
  private readonly held = new Map<string, number[]>();

  /** @param chunkFolders the top-level folders of the live files referencing a chunk (ManifestStore.chunkFolders) */
  constructor(private readonly chunkFolders: (chunkId: string) => string[]) {}

  /** Takes the folder factors of the settings in force; says whether they changed. */
  setFolderFactors(factors: FolderFactors): boolean {
    const next = new Map(Object.entries(factors));
    const same = next.size === this.folders.size && [...next].every(([f, n]) => this.folders.get(f) === n);
    this.folders = next;
    return !same;
  }

  /** Whether any folder has its own factor (else every chunk is at the cluster's, whatever the manifests say). */
  get inUse(): boolean {
    return this.folders.size > 0;
  }

  /** Folder → factor, sorted (for fingerprints and answers). */
  folderFactors(): FolderFactors {
    return Object.fromEntries([...this.folders].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** The factor a write to `path` places and acknowledges at: its top-level folder's, or the cluster's. */
  forPath(path: string, clusterFactor: number): number {
    return this.folders.get(topFolderOf(path)) ?? clusterFactor;
  }

  /** The factor a chunk is kept at now. */
  readonly factorOf: FactorLookup = (chunkId, clusterFactor) => this.lookupWith(this.folders, chunkId, clusterFactor);

  /**
   * The lookup under the folder factors in force now, kept when they change (the placement check compares a
   * chunk's owners before and after a change).
   */
  frozen(): FactorLookup {
    const folders = this.folders;
    return (chunkId, clusterFactor) => this.lookupWith(folders, chunkId, clusterFactor);
  }

  /**
   * Counts `chunkId` at `factor` until the returned release is called (after the write's manifest committed, or
   * it failed): until then no manifest names the chunk, and its copies beyond the cluster's factor would look
   * surplus to the queue worker.
   */
  hold(chunkId: string, factor: number): () => void {
    const list = this.held.get(chunkId) ?? [];
    list.push(factor);
    this.held.set(chunkId, list);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      list.splice(list.indexOf(factor), 1);
      if (list.length === 0) this.held.delete(chunkId);
    };
  }

  private lookupWith(folders: ReadonlyMap<string, number>, chunkId: string, clusterFactor: number): number {
    // Nothing asks for another factor: no index lookup at all (the common case).
    if (folders.size === 0 && this.held.size === 0) return clusterFactor;
    const held = this.held.get(chunkId);
    return chunkFactor(this.chunkFolders(chunkId), folders, clusterFactor, held ? Math.max(...held) : undefined);
  }
}
