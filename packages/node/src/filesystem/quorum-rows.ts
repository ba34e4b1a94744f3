// Bringing this node's rows up to a read quorum's before the file system answers from them (FileSystem calls it
// first for every path it reads or decides on): single paths, a page of a folder's entries, a file's kept
// versions, or a whole subtree for the operations that act on one (a folder's move, a recursive delete).
import { OrreryError } from "../errors.ts";
import type { ManifestKind } from "../metadata/manifest.ts";
import type { ManifestStore } from "../metadata/manifest-store.ts";
import { nameOf } from "../metadata/path.ts";
import { versionsDirOf } from "../metadata/version-paths.ts";
import { toSearchHit } from "../metadata/name-search.ts";
import type { SearchPage } from "../replication/cluster-search.ts";
import type { Consistency, ManifestReads } from "../replication/manifest-reads.ts";

export interface QuorumRowsComponents {
  manifests: ManifestStore;
  /** Absent on a node alone: its rows are the quorum. */
  reads?: ManifestReads;
  /** False while a node with seeds has not reached its cluster (FileSystemComponents.joined). */
  joined?: () => boolean;
  /** Throws while the node does not serve (resyncing). */
  checkServing: () => void;
}

const PAGE = 1000;

export class QuorumRows {
  constructor(private readonly c: QuorumRowsComponents) {}

  /**
   * `paths`' rows here become at least as new as a read quorum's, and so do the entries of each one that is a
   * directory (live or deleted: a deleted one may still hold live files elsewhere), the first `children.limit` of
   * them after `children.after`. With consistency=local it is a no-op once this node has synced. `listed` narrows
   * which directories' entries are read: a write decides on its ancestors' rows, not on what else they hold,
   * and a listing of up to 1000 entries per ancestor made every small write cost a directory read.
   */
  async refresh(paths: readonly string[], consistency: Consistency, children: { after?: string; limit: number }, listed: readonly string[]): Promise<void> {
    const reads = this.readsFor(consistency);
    if (!reads) return;
    await reads.refresh(
      paths.filter((p) => p !== ""),
      consistency,
    );
    const dirs = listed.filter((p) => p === "" || this.c.manifests.versionOf(p, "dir") !== undefined);
    await Promise.all(dirs.map((d) => reads.refreshChildren(d, children, consistency)));
  }

  /** One page of a directory's entries (a walk over a tree reads each folder it enters so). */
  async entries(dir: string, page: { after?: string; limit: number }, consistency: Consistency): Promise<void> {
    await this.readsFor(consistency)?.refreshChildren(dir, page, consistency);
  }

  /** `path` and the versions kept of it (file-versions.ts). */
  async versions(path: string, consistency: Consistency, kind: ManifestKind): Promise<void> {
    await this.refresh([path], consistency, { limit: PAGE }, []);
    await this.c.reads?.refreshChildren(versionsDirOf(path, kind), { limit: PAGE }, consistency);
  }

  /**
   * Every entry at every depth under `dir` (a folder moved or deleted with everything below must see what the
   * others wrote below it, not only what reached this node).
   */
  async tree(dir: string, consistency: Consistency): Promise<void> {
    const reads = this.c.reads;
    if (!reads) return;
    const pending = [dir];
    while (pending.length > 0) {
      const d = pending.shift()!;
      let after: string | undefined;
      for (;;) {
        await reads.refreshChildren(d, { after, limit: PAGE }, consistency);
        const page = this.c.manifests.children(d, { after, limit: PAGE, rows: true });
        if (page.length === 0) break;
        pending.push(...page.filter((e) => e.kind === "dir").map((e) => e.path));
        after = nameOf(page[page.length - 1]!.path);
      }
    }
  }

  /**
   * A page of the live files and folders at any depth below `dir` whose name holds `text`: from every member's rows
   * (ManifestReads.search), or this node's own with consistency=local once synced, or on a node alone.
   */
  async search(dir: string, text: string, page: { after?: string; limit: number }, consistency: Consistency): Promise<SearchPage> {
    const reads = this.readsFor(consistency);
    if (reads && !reads.skips(consistency)) return reads.search(dir, text, page);
    const found = this.c.manifests.searchNames(dir, text, page);
    const last = found.rows.at(-1);
    return { rows: found.rows.map(toSearchHit), more: found.more, ...(found.more && last ? { next: last.path } : {}) };
  }

  /** The quorum reader, after the checks every read makes; undefined when there is none (a node alone). */
  private readsFor(consistency: Consistency): ManifestReads | undefined {
    // A node that has not reached its cluster knows only itself, so its own copy would pass for a quorum.
    if (consistency === "quorum" && this.c.joined && !this.c.joined()) {
      throw new OrreryError(503, "not_joined", "this node has not joined its cluster yet (no seed or known peer answered), so it cannot read at quorum");
    }
    this.c.checkServing();
    return this.c.reads;
  }
}
