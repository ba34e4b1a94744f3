// The versioning operations over the file system: a file's versions, reading one, removing one for good
// (the current row follows the newest version left), restoring one as the current content, the trash of a
// versioned folder, and pruning to KEEP_VERSIONS / KEEP_DAYS (called by the garbage collector).
import { badRequest, notFound } from "../errors.ts";
import type { Logger } from "../log.ts";
import { hasOwnContent, type Manifest, type ManifestKind } from "../metadata/manifest.ts";
import type { ManifestStore } from "../metadata/manifest-store.ts";
import { compareNames, parentOf } from "../metadata/path.ts";
import { keptPathOfDir, keysOfVersionsDir, versionRowPath, VERSIONS_DIR, versionsDirOf } from "../metadata/version-paths.ts";
import type { Consistency } from "../replication/manifest-reads.ts";
import type { DirsPage, VersionedDirs } from "../replication/versioned-dirs.ts";
import { folderVersioningSchema, type VersionLimits, type VersioningState } from "../settings/folder-versioning.ts";
import { type ManifestChange, tombstoneOf } from "./changes.ts";
import { FileSystem } from "./file-system.ts";
import { type Clock, systemClock } from "../util/clock.ts";
import { keptRowOf, NULL_VERSION, prunable, type VersionEntry, versionEntries, versioningFolderOf } from "./versioning.ts";

export interface FileVersionsComponents {
  fs: FileSystem;
  manifests: ManifestStore;
  selfId: string;
  /** The first manifest owner of a path: the one node that prunes its versions (no duplicate tombstones). */
  firstOwner: (path: string) => string | undefined;
  /** The folder's versioning state in force (live settings), and a change of it for the whole cluster. */
  stateOf: (folder: string) => VersioningState | undefined;
  setState: (folder: string, state: VersioningState) => Promise<void>;
  limits: () => VersionLimits;
  log: Logger;
  /** Wall clock for the modification time of the rows a removal writes (default: the system's). */
  clock?: Clock;
  /**
   * The folders of kept versions below a root as the members hold them (replication/versioned-dirs.ts); without
   * it (a node alone, unit tests) this node's rows.
   */
  dirs?: Pick<VersionedDirs, "page">;
}

export interface TrashEntry {
  path: string;
  /** When the file was deleted (its delete marker's version), ms. */
  deletedAt: number;
  /** The newest version that holds content: what a restore brings back. */
  versionId: string;
  size: number;
}

/** Versions folders read per page, and deleted files whose versions are read at once, of a trash listing. */
const PAGE = 1000;
const TRASH_READS = 16;

const content = (m: Manifest): ManifestChange => {
  const { version: _v, origin: _o, seq: _s, ...rest } = m;
  return rest;
};

export class FileVersions {
  constructor(private readonly c: FileVersionsComponents) {}

  /** How many versions are kept, and for how long (the settings in force). */
  limits(): VersionLimits {
    return this.c.limits();
  }

  /** The versioning state of the top-level folder `path` lies in (or is): "Off" when it never had one. */
  stateOf(path: string): VersioningState | "Off" {
    const folder = path.includes("/") ? versioningFolderOf(path) : path;
    return this.c.stateOf(folder) ?? "Off";
  }

  /** Turns versioning on (Enabled) or suspends it for a top-level folder that exists. */
  async setState(folder: string, state: VersioningState): Promise<void> {
    if (folder === "" || folder.includes("/")) throw badRequest("not_a_top_level_folder", "versioning is set per top-level folder (e.g. 'photos'), not on a sub-folder or the root");
    FileSystem.checkNotReserved(folder);
    await this.c.fs.refresh([folder], "quorum", undefined, []);
    if (this.c.fs.lookup(folder)?.kind !== "dir") throw notFound("not_found", `no such folder: /${folder}`);
    // What the settings record accepts from peers, checked before the record changes (a record peers refuse would not spread).
    if (!folderVersioningSchema.safeParse({ [folder]: state }).success) throw badRequest("invalid_folder", `/${folder} cannot keep versions (a reserved folder)`);
    try {
      await this.c.setState(folder, state);
    } catch (err) {
      if (err instanceof RangeError) throw badRequest("too_many_folders", err.message);
      throw err;
    }
  }

  /**
   * The versions of `path`, newest first (after a quorum read unless `local`): the file's, or with kind "dir"
   * those of the directory's own content (S3's key `path/`).
   */
  async list(path: string, consistency: Consistency = "quorum", kind: ManifestKind = "file"): Promise<VersionEntry[]> {
    if (path === "") throw badRequest("invalid_path", "the root has no versions");
    FileSystem.checkNotReserved(path);
    await this.c.fs.refreshVersions(path, consistency, kind);
    return this.entries(path, kind);
  }

  /** The versions this node holds, no read first (for callers that refreshed already). */
  entries(path: string, kind: ManifestKind = "file"): VersionEntry[] {
    const rows = this.c.manifests.children(versionsDirOf(path, kind), { rows: true, limit: 10_000 });
    return versionEntries(this.c.manifests.get(path, kind), rows, kind);
  }

  /** One version of `path`: 404 no_such_version when it is not (or no longer) kept. */
  async get(path: string, versionId: string, kind: ManifestKind = "file"): Promise<VersionEntry> {
    const found = (await this.list(path, "quorum", kind)).find((e) => e.versionId === versionId);
    if (!found) throw notFound("no_such_version", `/${path} has no version ${versionId}`);
    return found;
  }

  /**
   * Removes one version for good. When it was the newest, the file becomes the newest version left: removing a
   * delete marker brings the file back, removing the current content brings back the one before it.
   */
  async remove(path: string, versionId: string, kind: ManifestKind = "file"): Promise<VersionEntry> {
    const entries = await this.list(path, "quorum", kind);
    const doomed = entries.find((e) => e.versionId === versionId);
    if (!doomed) throw notFound("no_such_version", `/${path} has no version ${versionId}`);
    const changes: ManifestChange[] = [];
    const current = this.c.manifests.get(path, kind);
    const mtime = (this.c.clock ?? systemClock).now();
    if (doomed.rowPath !== undefined) changes.push(tombstoneOf(keptRowOf(doomed), mtime));
    if (doomed.isLatest) {
      const next = entries.find((e) => e !== doomed);
      if (next && !next.deleteMarker) {
        changes.push(...this.c.fs.ancestorsToCreate(path, mtime), { ...content(next.row), path });
      } else if (current && !current.deleted) {
        changes.push(tombstoneOf(current, mtime));
      }
    }
    await this.c.fs.commitRows(changes, "quorum", { version: versionId }, false);
    return doomed;
  }

  /** Makes an old version the current content again: a new write over the same chunks (a new version itself). */
  async restore(path: string, versionId: string): Promise<Manifest> {
    const v = await this.get(path, versionId);
    if (v.deleteMarker) throw badRequest("is_delete_marker", `version ${versionId} of /${path} is a delete marker; restore a version with content`);
    const { row } = v;
    const multipart = row.multipart ? { partSizes: row.multipart.partSizes } : undefined;
    return this.c.fs.compose(path, [row], { sha256: row.sha256!, md5: row.md5, multipart }, { mtime: row.mtime, meta: row.meta });
  }

  /**
   * Deleted files below `dir` (in a versioned folder) that have a version to restore, in key order, after `after`.
   * The keys with versions come from the members (versionedKeys), and each one's current row and versions from
   * a read quorum of their owners, so a node that owns none of them lists what was deleted moments ago elsewhere.
   */
  async trash(dir: string, opts: { after?: string; limit: number; consistency?: Consistency }): Promise<TrashEntry[]> {
    const consistency = opts.consistency ?? "quorum";
    const prefix = dir === "" ? "" : `${dir}/`;
    const after = opts.after !== undefined && opts.after.startsWith(prefix) ? opts.after : undefined;
    let from = after === undefined ? "" : after.slice(prefix.length);
    const out: TrashEntry[] = [];
    for (;;) {
      const page = await this.versionedKeys(dir, from, PAGE, consistency);
      // The trash holds files; a directory's own content (S3's `dir/`) is restored through its versions.
      const files = page.dirs.flatMap(keysOfVersionsDir).filter((k) => !k.endsWith("/") && compareNames(k, from) >= 0).map((k) => `${prefix}${k}`).filter((p) => p !== after);
      await this.c.fs.refresh(files, consistency, undefined, []);
      const deleted = files.filter((path) => {
        const current = this.c.manifests.get(path, "file");
        return !current || current.deleted;
      });
      for (let i = 0; i < deleted.length; i += TRASH_READS) {
        const batch = deleted.slice(i, i + TRASH_READS);
        await Promise.all(batch.map((path) => this.c.fs.refreshVersions(path, consistency, "file")));
        for (const path of batch) {
          const entries = this.entries(path, "file");
          const newest = entries[0];
          const kept = entries.find((e) => !e.deleteMarker);
          if (newest?.deleteMarker && kept) out.push({ path, deletedAt: newest.writtenAt, versionId: kept.versionId, size: kept.row.size });
          if (out.length >= opts.limit) return out;
        }
      }
      if (page.done) return out;
      from = `${page.dirs[page.dirs.length - 1]!}\u0000`;
    }
  }

  /** Removes the versions past the limits (KEEP_VERSIONS, KEEP_DAYS) of the files this node is first owner of. */
  async prune(now: number): Promise<number> {
    const limits = this.c.limits();
    if (limits.keepVersions === 0 && limits.keepDays === 0) return 0;
    const work: Array<{ path: string; kind: ManifestKind }> = [];
    // This node's own rows name what it is first owner of: its partitions are the ones it holds.
    this.eachVersionedFile("", "", (path, entries, kind) => {
      if (this.c.firstOwner(versionsDirOf(path, kind)) !== this.c.selfId) return true;
      if (prunable(entries, limits, now).length > 0) work.push({ path, kind });
      return work.length < 1000; // a bounded batch per pass; the next pass goes on
    });
    let removed = 0;
    let files = 0;
    for (const { path, kind } of work) {
      try {
        // Decided on the versions a read quorum of their owners holds: a version this owner missed (a write it
        // was not pushed) changes which go, and a delete marker it holds alone is not alone.
        await this.c.fs.refreshVersions(path, "quorum", kind);
        const doomed = prunable(this.entries(path, kind), limits, now);
        if (doomed.length === 0) continue;
        files++;
        const tombstones = doomed.map((e) => tombstoneOf(keptRowOf(e), now));
        await this.c.fs.commitRows(tombstones, "quorum", { pruned: `/${path}` }, false);
        removed += doomed.length;
      } catch (err) {
        this.c.log.warn("pruning versions failed; the next pass tries again", { path, err });
      }
    }
    if (removed > 0) this.c.log.info("versions pruned", { removed, files, ...limits });
    return removed;
  }

  /**
   * Calls `visit` with each file below `dir` that has version rows, and its versions, in path order of their
   * rows, until it answers false. A scan of the versions' namespace a page at a time.
   */
  private eachVersionedFile(dir: string, after: string, visit: (path: string, entries: VersionEntry[], kind: ManifestKind) => boolean): void {
    for (const path of this.versionedFiles(dir, after)) {
      // `a/ ` holds the versions of the directory a's own content beside those of a file named " " in a.
      for (const key of keysOfVersionsDir(path)) {
        const kind = key.endsWith("/") ? "dir" : "file";
        const at = kind === "dir" ? key.slice(0, -1) : key;
        if (!visit(at, this.entries(at, kind), kind)) return;
      }
    }
  }

  /** The files below `dir` that have version rows (live or not), after `after`, in the order of their rows. */
  *versionedFiles(dir: string, after = ""): Generator<string> {
    const root = dir === "" ? VERSIONS_DIR : versionsDirOf(dir);
    let cursor = after === "" ? "" : versionsDirOf(after);
    let last: string | undefined;
    for (;;) {
      const page = this.c.manifests.rowsBelow(root, cursor, 1000);
      if (page.length === 0) return;
      for (const row of page) {
        const parent = parentOf(row.path);
        const path = keptPathOfDir(parent);
        if (parent === last || path === undefined || path === after) continue;
        last = parent;
        yield path;
      }
      cursor = page[page.length - 1]!.path;
    }
  }

  /**
   * The versions folders of the files below `dir` (a folder `x/ ` holds two keys': keysOfVersionsDir), relative to
   * `dir`, from `from` (inclusive) in code point order, at most `limit`: a range of the parent index
   * (ManifestStore.parentsBelow) of every member (VersionedDirs: each key's versions are a partition of their
   * own, pushed to its owners only), or of this node with consistency=local. A listing that starts at a marker
   * reads nothing before it. A name may have only removed versions: list() tells.
   */
  async versionedKeys(dir: string, from: string, limit: number, consistency: Consistency = "quorum"): Promise<DirsPage> {
    const root = dir === "" ? VERSIONS_DIR : versionsDirOf(dir);
    const start = from === "" ? "" : `${root}/${from}`;
    const { dirs } = this.c;
    const page = dirs && consistency === "quorum" ? await dirs.page(root, start, limit) : this.localDirs(root, start, limit);
    return { dirs: page.dirs.map((p) => p.slice(root.length + 1)), done: page.done };
  }

  private localDirs(root: string, start: string, limit: number): DirsPage {
    const dirs = this.c.manifests.parentsBelow(root, start, limit);
    return { dirs, done: dirs.length < limit };
  }

  /**
   * The version id a read of the current row reports: its own in a versioned folder ("null" for a write made while
   * versioning was suspended), undefined in a folder that never had versioning.
   */
  async currentVersionId(current: Manifest, consistency: Consistency = "quorum"): Promise<string | undefined> {
    if (this.stateOf(current.path) === "Off" || (current.kind !== "file" && !hasOwnContent(current))) return undefined;
    // Its own row answers at once (one lookup); else the versions tell (a copy of a kept one, or the null version).
    // They are a partition of their own, pushed to its owners only: a node that is not one asks them, or it would
    // name an older version (or "null") for a write moments old.
    if (this.c.manifests.get(versionRowPath(current.path, current.version, false, current.kind))) return current.version;
    const entries = await this.list(current.path, consistency, current.kind);
    return entries.find((e) => e.isLatest)?.versionId ?? NULL_VERSION;
  }

  /** The version id S3 reports for a write just made (`row`, the current row it committed). */
  writtenVersionId(row: Pick<Manifest, "path" | "version">): string | undefined {
    const state = this.stateOf(row.path);
    return state === "Off" ? undefined : state === "Enabled" ? row.version : NULL_VERSION;
  }
}
