// The file tree as this node's manifest rows show it: what a path names (a file and a directory may share one,
// as S3's `a/b` and `a/b/c` do), a directory's entries, what a write under a path must create. Reads only.
import { badRequest, notFound } from "../errors.ts";
import type { Manifest } from "../metadata/manifest.ts";
import { impliedDirectory } from "../metadata/lww-manifest-store.ts";
import type { ManifestChange, ManifestStore } from "../metadata/manifest-store.ts";
import { nameOf, parentOf } from "../metadata/path.ts";
import { isVersionsPath } from "../metadata/version-paths.ts";
import { dirChange, parentDirChange } from "./changes.ts";

export class TreeView {
  constructor(private readonly manifests: ManifestStore) {}

  /**
   * The live entry a plain path names, or undefined: the file when there is one (a file and a directory may
   * share a path, as S3's `a/b` and `a/b/c` do), else the directory (lookupDir).
   */
  lookup(path: string): Manifest | undefined {
    return this.lookupFile(path) ?? this.lookupDir(path);
  }

  /** The live file at `path`, or undefined. */
  lookupFile(path: string): Manifest | undefined {
    // The versions' namespace is not part of the tree any interface shows (filesystem/file-versions.ts reads it).
    if (path === "" || isVersionsPath(path)) return undefined;
    const m = this.manifests.get(path, "file");
    return m && !m.deleted ? m : undefined;
  }

  /**
   * The live directory at `path`, or undefined (the root is always one). A deleted (or not yet received)
   * directory with something live below it is a live directory: the tree rule that keeps a live file reachable
   * on every node whatever order a folder's delete and a write under it arrive in.
   */
  lookupDir(path: string): Manifest | undefined {
    if (isVersionsPath(path)) return undefined;
    if (path === "") return { ...dirChange("", 0), version: "", origin: "", seq: 0 };
    const m = this.manifests.get(path, "dir");
    if (m && !m.deleted) return m;
    if (!this.manifests.hasLiveDescendant(path)) return undefined;
    return m ? impliedDirectory(m) : { ...dirChange(path, 0), version: "", origin: "", seq: 0 };
  }

  stat(path: string): Manifest {
    const m = this.lookup(path);
    if (!m) throw notFound("not_found", `no such file or directory: /${path}`);
    return m;
  }

  /** The entries of a directory: a file and a directory of one name side by side (the directory first). */
  list(dir: string, opts: { limit?: number; after?: string } = {}): Manifest[] {
    if (!this.lookupDir(dir)) {
      if (this.lookupFile(dir)) throw badRequest("not_a_directory", `/${dir} is a file, not a directory`);
      throw notFound("not_found", `no such file or directory: /${dir}`);
    }
    return this.manifests.children(dir, opts);
  }

  /**
   * Directory entries to create so that `path`'s parent exists. A file on the way is no obstacle: the
   * directory of the same path is another row (a file `a/b` and a file `a/b/c` both exist, as in S3).
   */
  ancestorsToCreate(path: string, mtime: number): ManifestChange[] {
    const missing: ManifestChange[] = [];
    // A folder that is live only by the tree rule (deleted, or never received here, with something live
    // below) gets its own row again: every live file's parents then have live rows on every node.
    for (let p = parentOf(path); p !== ""; p = parentOf(p)) {
      const m = this.manifests.get(p, "dir");
      if (m && !m.deleted) break;
      missing.push(parentDirChange(p, mtime));
    }
    return missing.reverse();
  }

  /** Every live entry under `dir` (depth first, parents before children). */
  subtree(dir: string): Manifest[] {
    const out: Manifest[] = [];
    const walk = (d: string) => {
      let after: string | undefined;
      for (;;) {
        const page = this.manifests.children(d, { limit: 1000, after });
        if (page.length === 0) return;
        for (const m of page) {
          out.push(m);
          if (m.kind === "dir") walk(m.path);
        }
        after = nameOf(page[page.length - 1]!.path);
      }
    };
    walk(dir);
    return out;
  }
}
