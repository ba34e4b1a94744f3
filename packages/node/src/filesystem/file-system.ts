// The cluster's file tree as the APIs see it (files API now; S3 and WebDAV later): put, read,
// list, mkdir, move, delete over replicated manifests and placed chunks.
import { type FileRead, type ReadRequest, readFileRepairing } from "./file-read.ts";
import { badRequest, conflict, notFound, OrreryError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { type Manifest, type ManifestKind, type MultipartLayout, rowKey } from "../metadata/manifest.ts";
import type { FolderTotals, ManifestStore } from "../metadata/manifest-store.ts";
import { joinPath, parentOf, topFolderOf } from "../metadata/path.ts";
import type { ChunkReader } from "../replication/chunk-reader.ts";
import type { ManifestReplicator } from "../replication/manifest-replicator.ts";
import type { SearchPage } from "../replication/cluster-search.ts";
import { repairInline } from "../replication/inline-repair.ts";
import type { Consistency, ManifestReads } from "../replication/manifest-reads.ts";
import type { ConditionalWrites, Precondition } from "../consensus/conditional-writes.ts";
import { PreconditionFailed } from "../consensus/conditional-writes.ts";
import { staleApplyPin } from "../consensus/stale-pin.ts";
import type { WriteCoordinator } from "../replication/write-coordinator.ts";
import type { Durability, Placement } from "../replication/placement.ts";
import { type ObjectMeta, withInferredType } from "../metadata/object-meta.ts";
import { withSniffedType } from "../metadata/content-sniff.ts";
import { chunkSizesOf } from "./chunk-layout.ts";
import { isVersionsPath, versionPath } from "../metadata/version-paths.ts";
import type { VersioningState } from "../settings/folder-versioning.ts";
import { commitManifests, type ManifestCommitComponents } from "./manifest-commit.ts";
import { checkedMeta, dirChange, type Fresh, type ManifestChange, type PutOptions, type PutResult, tombstoneOf } from "./changes.ts";
import { putAnswer, uploadStream, type UploadPlacement } from "./upload.ts";
import { TreeView } from "./tree-view.ts";
import { QuorumRows } from "./quorum-rows.ts";
import { ChunkBufferPool } from "./chunk-buffers.ts";
import { type Clock, systemClock } from "../util/clock.ts";
import { contentSha256, type ExtraDigest } from "./content-hash.ts";
import { INLINE_MAX_BYTES } from "../metadata/inline-content.ts";
import { chunkedCopy } from "./inline-files.ts";
import { WriteAdmission } from "./write-admission.ts";

export interface FileSystemComponents {
  manifests: ManifestStore;
  coordinator: WriteCoordinator;
  reader: ChunkReader;
  placement: Placement;
  replicator: ManifestReplicator;
  log: Logger;
  /**
   * False while a node that was given seeds (or remembers peers) has not reached any of them: it
   * knows only itself, so it would count a lone copy as a quorum. Writes and quorum reads wait until it has joined.
   */
  joined?: () => boolean;
  /** Why this node's clock is too far from its peers' to stamp writes (undefined: it is fine). */
  clockProblem?: () => string | undefined;
  /** Why this node must not read or write manifests yet (a resync after being forgotten; undefined: serving). */
  notServing?: () => string | undefined;
  /** Quorum reads: brings this node's rows up to a read quorum's before an answer is based on them. */
  reads?: ManifestReads;
  /** Paxos rounds for writes with a precondition (If-Match, If-None-Match). */
  conditional?: ConditionalWrites;
  selfId: string;
  /** Wall clock for modification times (default: the system's). */
  clock?: Clock;
  /** Whether a top-level folder keeps versions (live settings); none does when absent. */
  versioning?: (folder: string) => VersioningState | undefined;
  /** Bytes of chunk buffers all uploads through this node hold at most (unbounded when absent). */
  uploadMemoryBytes?: number;
}

export { dirChange, type ManifestChange, type PutOptions, type PutResult, type UploadedContent } from "./changes.ts";

/** What a write reads before deciding: a fast write settles for this node's (synced) rows, as it settles for one copy. */
const readFor = (durability: Durability): Consistency => (durability === "fast" ? "local" : "quorum");

export class FileSystem {
  /**
   * @param chunkSize bytes per chunk of a write starting now: the live cluster setting, so it is read once
   *   when each write starts and that write keeps it to the end (a file never mixes two sizes).
   */
  /** Chunk buffers shared by this node's uploads: bounded, and reused once every replica write of a chunk settled. */
  readonly chunkBuffers: ChunkBufferPool;
  /** Bytes clients wrote (uploads received) and read (bodies sent) through this node, every API alike. */
  readonly traffic = { written: 0, read: 0 };
  /** Quorum reads of the rows an operation reads or decides on. */
  private readonly rows: QuorumRows;
  /** Whether this node may write now (joined, clock in bounds, serving) and enough members are up. */
  private readonly admission: WriteAdmission;
  /** What manifest commits use: the components, and a quorum read of the parents a write found newer. */
  private readonly commitParts: ManifestCommitComponents;

  constructor(
    private readonly chunkSize: () => number,
    private readonly c: FileSystemComponents,
  ) {
    this.tree = new TreeView(c.manifests);
    this.chunkBuffers = new ChunkBufferPool({ limitBytes: c.uploadMemoryBytes });
    this.admission = new WriteAdmission(c);
    this.rows = new QuorumRows({ ...c, checkServing: () => this.admission.checkServing() });
    this.commitParts = { ...c, refreshDirs: (paths) => this.refresh(paths, "quorum", undefined, []) };
  }

  private now(): number {
    return (this.c.clock ?? systemClock).now();
  }

  /** The tree as this node's rows show it (tree-view.ts): a file and a directory may share a path. */
  readonly tree: TreeView;

  /** The live entry a plain path names: the file when there is one, else the directory (TreeView.lookup). */
  lookup(path: string): Manifest | undefined {
    return this.tree.lookup(path);
  }

  lookupFile(path: string): Manifest | undefined {
    return this.tree.lookupFile(path);
  }

  lookupDir(path: string): Manifest | undefined {
    return this.tree.lookupDir(path);
  }

  stat(path: string): Manifest {
    return this.tree.stat(path);
  }

  list(dir: string, opts: { limit?: number; after?: string } = {}): Manifest[] {
    return this.tree.list(dir, opts);
  }

  /** What is live below each of these folders, as this node's rows have it (a bounded read; ManifestStore.folderTotals). */
  folderTotals(dirs: readonly string[]): Map<string, FolderTotals> {
    return this.c.manifests.folderTotals(dirs);
  }

  /** Live files and folders at any depth below `dir` whose name holds `text`, a page as the cluster has them (QuorumRows.search). */
  search(dir: string, text: string, page: { after?: string; limit: number }, consistency: Consistency = "quorum"): Promise<SearchPage> {
    return this.rows.search(dir, text, page, consistency);
  }

  ancestorsToCreate(path: string, mtime: number): ManifestChange[] {
    return this.tree.ancestorsToCreate(path, mtime);
  }

  /** A GET or HEAD of a file, the same for every API (file-read.ts): status, length headers, the body if wanted. */
  read(file: Manifest, req: ReadRequest): Promise<FileRead> {
    const repair = (damaged: Manifest) => repairInline({ manifests: this.c.manifests, reads: this.c.reads, log: this.c.log }, damaged);
    return readFileRepairing(file, req, this.c.reader, this.c.log, repair, (n) => (this.traffic.read += n));
  }

  /** Before an answer about `paths`: their rows (and their entries, `listed` of them) as a read quorum has them (QuorumRows.refresh). */
  refresh(
    paths: readonly string[],
    consistency: Consistency = "quorum",
    children: { after?: string; limit: number } = { limit: 1000 },
    listed: readonly string[] = paths,
  ): Promise<void> {
    return this.rows.refresh(paths, consistency, children, listed);
  }

  /**
   * A page of a directory's entries as a read quorum of its owners has them (the rows, then the listing): every
   * walk over a tree (S3 listings, WebDAV COPY, zip) reads each folder it enters this way, because a folder's rows
   * are pushed to its manifest owners only and reach the other members by anti-entropy, later.
   */
  async listFresh(dir: string, opts: { after?: string; limit: number }, consistency: Consistency = "quorum"): Promise<Manifest[]> {
    await this.rows.entries(dir, opts, consistency);
    return this.list(dir, opts);
  }

  /** The versions' namespace is written only by the versioning operations: 400 reserved_path for anyone else. */
  static checkNotReserved(path: string): void {
    if (isVersionsPath(path)) throw badRequest("reserved_path", `/${path.split("/")[0]} is reserved for the versions of files in versioned folders`);
  }

  /** Brings `path` and the versions kept of it up to a read quorum's rows (file-versions.ts). */
  refreshVersions(path: string, consistency: Consistency = "quorum", kind: ManifestKind = "file"): Promise<void> {
    return this.rows.versions(path, consistency, kind);
  }

  /** In a folder that keeps versions, a path too long to name its versions is refused before a byte is read. */
  private checkVersionable(path: string, kind: ManifestKind = "file"): void {
    // The longest name a version of the write can take (its null version, kept when a later write replaces it).
    if (this.c.versioning?.(topFolderOf(path)) === "Enabled") versionPath(path, `${"0".repeat(18)}@${"n".repeat(64)}`, true, kind);
  }

  /** `path` and every directory above it: what a write decides on (does the parent exist, is it a file). */
  static withAncestors(path: string): string[] {
    const out = [path];
    for (let p = path; p !== ""; ) {
      p = parentOf(p);
      if (p !== "") out.push(p);
    }
    return out;
  }

  /**
   * Refuses before a byte is read when this node may not write now, or too few members are up (or have room for
   * new chunks, `newChunks`) for copies at `factor` (write-admission.ts).
   */
  checkWritable(durability: Durability, opts: { newChunks?: boolean; factor?: number } = {}): void {
    this.admission.checkWritable(durability, opts);
  }

  async put(path: string, body: ReadableStream<Uint8Array> | null, durability: Durability, opts: PutOptions = {}): Promise<PutResult> {
    const chunkSize = this.chunkSize();
    if (path === "") throw badRequest("invalid_path", "cannot write to the root directory");
    FileSystem.checkNotReserved(path);
    this.checkVersionable(path, opts.kind);
    const meta = checkedMeta(withInferredType(opts.meta, path));
    // The chunks go at the factor of the folder written to; each is held at it until the manifest names it.
    const factor = this.c.placement.writeFactorFor(path);
    this.checkWritable(durability, { newChunks: true, factor });
    const releases: Array<() => void> = [];
    const held = factor === this.c.placement.replicationFactor ? undefined : (id: string) => void releases.push(this.c.placement.holdChunk(id, factor));
    try {
      const inlineMax = opts.inline === false ? 0 : INLINE_MAX_BYTES;
      return await this.putAt(path, body, durability, opts, { meta, chunkSize, factor, onChunk: held, md5: opts.md5, inlineMax, retain: opts.retain });
    } finally {
      for (const release of releases) release();
    }
  }

  private async putAt(
    path: string,
    body: ReadableStream<Uint8Array> | null,
    durability: Durability,
    opts: PutOptions,
    w: { meta: ObjectMeta | undefined; chunkSize: number; factor: number; md5?: boolean; inlineMax: number } & UploadPlacement,
  ): Promise<PutResult> {
    const { mtime = this.now(), sizeHint, check, precondition } = opts;
    const { chunkSize } = w;
    if (!opts.fresh) await this.refresh(FileSystem.withAncestors(path), readFor(durability), undefined, []);
    const kind = opts.kind ?? "file";
    const existing = kind === "dir" ? this.lookupDir(path) : this.lookupFile(path);
    this.checkEarly(existing, precondition);
    const ancestors = this.ancestorsToCreate(path, mtime);
    const upload = await uploadStream(body, chunkSize, durability, this.c.coordinator, this.c.log, sizeHint, this.chunkBuffers, w);
    this.traffic.written += upload.size;
    check?.({ size: upload.size, sha256: upload.sha256, ...(upload.md5 === undefined ? {} : { md5: upload.md5 }) });
    const typed = withSniffedType(w.meta, upload.head);
    const meta = opts.completeMeta ? checkedMeta(opts.completeMeta(typed)) : typed;
    const change: ManifestChange = {
      path,
      kind,
      deleted: false,
      size: upload.size,
      sha256: upload.sha256,
      ...(upload.md5 === undefined ? {} : { md5: upload.md5 }),
      chunkSize,
      chunks: upload.results.map((r) => r.chunkId),
      ...(upload.inline === undefined ? {} : { inline: upload.inline }),
      ...(meta ? { meta } : {}),
      mtime,
    };
    const decided = await this.decide(change, durability, precondition);
    const committed = await this.commit([...ancestors, change], durability, { stored: `all ${upload.results.length} chunk(s) of /${path}` }, decided);
    const file = committed.find((m) => m.path === path && m.kind === kind)!;
    return putAnswer(file, upload, { durability, factor: this.c.placement.bound(w.factor), liveNodes: this.c.placement.ring.size });
  }

  /**
   * SHA-256 of stored files' contents one after another (what compose() needs for a file made of them), and
   * the digest of `extra` (made afresh for each attempt) over the same bytes; `start`: a SHA-256 state of
   * content that comes before them (S3 Complete's parts hashed as they arrived).
   */
  contentSha256<X extends ExtraDigest>(files: readonly Manifest[], extra?: () => X, start?: Bun.CryptoHasher): Promise<{ sha256: string; extra: X | undefined }> {
    return contentSha256(files, this.c.reader, this.c.log, extra, start);
  }

  /**
   * Commits a file made of other files' chunks, in order, without copying a byte (S3 CopyObject and
   * CompleteMultipartUpload); the entries at `remove` (directories with everything below) are deleted
   * in the same commit. The caller supplies the content's hashes (they do not follow from the parts') and,
   * for an S3 multipart object, its parts.
   */
  async compose(
    path: string,
    sources: readonly Manifest[],
    content: { sha256: string; md5?: string; multipart?: MultipartLayout },
    opts: { mtime?: number; remove?: readonly string[]; durability?: Durability; precondition?: Precondition; meta?: ObjectMeta; kind?: "file" | "dir" } & Fresh = {},
  ): Promise<Manifest & { manifestCopies: number }> {
    if (path === "") throw badRequest("invalid_path", "cannot write to the root directory");
    FileSystem.checkNotReserved(path);
    const meta = checkedMeta(opts.meta);
    const durability = opts.durability ?? "quorum";
    this.checkWritable(durability);
    if (!opts.fresh) await this.refresh([...FileSystem.withAncestors(path), ...(opts.remove ?? [])], readFor(durability), undefined, []);
    const kind = opts.kind ?? "file";
    this.checkEarly(kind === "dir" ? this.lookupDir(path) : this.lookupFile(path), opts.precondition);
    const mtime = opts.mtime ?? this.now();
    // One source's inline content is copied with its row; joined with other content it becomes a chunk first.
    if (sources.length > 1 && sources.some((m) => m.inline !== undefined)) {
      sources = await Promise.all(sources.map((m) => chunkedCopy(m, this.c.coordinator, durability, this.c.placement.writeFactorFor(path))));
    }
    const sizes = sources.flatMap((m) => chunkSizesOf(m));
    const chunkSize = Math.max(this.chunkSize(), ...sources.map((m) => m.chunkSize));
    // Keep the plain layout (every chunk chunkSize bytes but the last) whenever the sizes allow it.
    const fixed = sources.length === 1 && !sources[0]!.chunkSizes
      ? sources[0]!.chunkSize
      : sizes.slice(0, -1).every((s) => s === chunkSize) ? chunkSize : undefined;
    const change: ManifestChange = {
      path,
      kind,
      deleted: false,
      size: sources.reduce((a, m) => a + m.size, 0),
      sha256: content.sha256,
      ...(content.md5 === undefined ? {} : { md5: content.md5 }),
      chunkSize: fixed ?? chunkSize,
      chunks: sources.flatMap((m) => m.chunks),
      ...(sources.length === 1 && sources[0]!.inline !== undefined ? { inline: sources[0]!.inline } : {}),
      ...(fixed === undefined ? { chunkSizes: sizes } : {}),
      ...(meta ? { meta } : {}),
      ...(content.multipart ? { multipart: content.multipart } : {}),
      mtime,
    };
    const removals: ManifestChange[] = [];
    for (const r of opts.remove ?? []) {
      const m = this.lookup(r);
      if (!m || r === "") continue;
      // What was written below it through other nodes is removed too, not left behind under a deleted folder.
      if (m.kind === "dir") await this.rows.tree(r, readFor(durability));
      const below = m.kind === "dir" ? this.tree.subtree(r) : [];
      removals.push(...below.reverse().map((e) => tombstoneOf(e, mtime)), tombstoneOf(m, mtime));
    }
    const decided = await this.decide(change, durability, opts.precondition);
    const committed = await this.commit([...this.ancestorsToCreate(path, mtime), change, ...removals], durability, { stored: `the chunks of /${path} (already stored)` }, decided);
    return committed.find((m) => m.path === path && m.kind === kind)!;
  }

  /** Commits manifest changes and pushes them until `durability` holds for every row (manifest-commit.ts). */
  private commit(changes: ManifestChange[], durability: Durability, context: Record<string, unknown>, decided?: ReadonlyMap<string, string>): Promise<Array<Manifest & { manifestCopies: number }>> {
    return this.commitRows(changes, durability, context, true, decided);
  }

  /**
   * commit() for the versioning operations (file-versions.ts), which write version rows themselves and may ask
   * for no version to be kept (`keepVersions` false: a current row set back to a version it already has).
   * In a versioned folder every other write keeps its versions in the same transaction (versioning.ts).
   */
  async commitRows(
    changes: ManifestChange[],
    durability: Durability,
    context: Record<string, unknown>,
    keepVersions: boolean,
    decided?: ReadonlyMap<string, string>,
  ): Promise<Array<Manifest & { manifestCopies: number }>> {
    this.admission.checkJoined();
    return commitManifests(this.commitParts, changes, durability, context, keepVersions, decided);
  }

  /** A precondition that already fails on this node's (refreshed) row fails before any byte is stored. */
  private checkEarly(current: Manifest | undefined, precondition: Precondition | undefined): void {
    const reason = precondition?.(current);
    if (reason) throw new PreconditionFailed(reason);
  }

  /**
   * For a conditional write: a Paxos round among the path's owners decides `change` if the precondition
   * holds on the newest row a majority knows (consensus/conditional-writes.ts); the write then commits at the
   * decided version (returned, by row key, for commit()): committed at a fresh version instead, a proposer that
   * applied its decision late overwrote a later decision built on it (a lost update, simulator seed 1001). A
   * value an earlier round left accepted but unapplied is applied first, at its decided time (stale-pin.ts).
   */
  private async decide(change: ManifestChange, durability: Durability, precondition: Precondition | undefined): Promise<ReadonlyMap<string, string> | undefined> {
    // Rounds decide a path's file register; a directory's precondition (a WebDAV collection's ETag) is the
    // early check on this node's refreshed row alone.
    if (!precondition || change.kind === "dir") return undefined;
    const conditional = this.c.conditional;
    if (!conditional) throw new OrreryError(501, "not_implemented", "conditional writes are not available on this node");
    const applyStale = async (row: Manifest) => {
      const { version: _v, origin: _o, seq: _s, ...content } = row;
      this.c.manifests.observe(row.version);
      await this.commit([...this.ancestorsToCreate(row.path, content.mtime), content], durability, { recovered: `/${row.path}` }, staleApplyPin(row, this.c.selfId));
    };
    const decision = await conditional.decide(change, precondition, applyStale);
    this.c.manifests.observe(decision.row.version);
    return new Map([[rowKey(change), decision.row.version]]);
  }

  async mkdir(path: string): Promise<{ created: boolean; entry: Manifest }> {
    if (path === "") return { created: false, entry: this.stat("") };
    FileSystem.checkNotReserved(path);
    await this.refresh(FileSystem.withAncestors(path), "quorum", undefined, []);
    // A file of the same path stays: the directory is a row of its own beside it.
    const existing = this.lookupDir(path);
    if (existing) return { created: false, entry: existing };
    const now = this.now();
    const committed = await this.commit([...this.ancestorsToCreate(path, now), dirChange(path, now)], "quorum", {});
    return { created: true, entry: committed.find((m) => m.path === path && m.kind === "dir")! };
  }

  /**
   * Deletes the entry `path` names (the file when a file and a directory share it), or with `kind` that one;
   * the other of the two stays.
   */
  async remove(
    path: string,
    recursive: boolean,
    durability: Durability = "quorum",
    precondition?: Precondition,
    kind?: "file" | "dir",
    opts: Fresh = {},
  ): Promise<Manifest> {
    if (path === "") throw badRequest("invalid_path", "cannot delete the root directory");
    // Fresh: the path's row and its first page of entries (what a directory's emptiness is judged on) were read.
    if (!opts.fresh) await this.refresh([path], readFor(durability));
    const pick = () => (kind === "dir" ? this.lookupDir(path) : kind === "file" ? this.lookupFile(path) : this.lookup(path));
    this.checkEarly(pick(), precondition);
    const m = pick();
    if (!m) throw notFound("not_found", `no such ${kind === "dir" ? "directory" : kind === "file" ? "file" : "file or directory"}: /${path}`);
    const now = this.now();
    const changes: ManifestChange[] = [];
    if (m.kind === "dir") {
      if (recursive) await this.rows.tree(path, readFor(durability));
      const below = this.tree.subtree(path);
      if (below.length > 0 && !recursive) {
        throw conflict("directory_not_empty", `/${path} is not empty; pass recursive=true to delete it and its contents`);
      }
      changes.push(...below.reverse().map((e) => tombstoneOf(e, now)));
    }
    changes.push(tombstoneOf(m, now));
    const decided = await this.decide(changes[changes.length - 1]!, durability, precondition);
    const committed = await this.commit(changes, durability, {}, decided);
    return committed[committed.length - 1]!;
  }

  /**
   * Deletes a directory's own row and leaves what lies below (S3's DeleteObject of `dir/`: the object goes,
   * the keys under the prefix stay). The directory stays listed while anything is below it (the tree rule),
   * and its content, if it held some, is gone.
   */
  async removeOwnContent(path: string, durability: Durability = "quorum", opts: Fresh = {}): Promise<Manifest> {
    if (path === "") throw badRequest("invalid_path", "cannot delete the root directory");
    if (!opts.fresh) await this.refresh([path], readFor(durability), undefined, []);
    const m = this.lookupDir(path);
    if (!m) throw notFound("not_found", `no such directory: /${path}`);
    const committed = await this.commit([tombstoneOf(m, this.now())], durability, {});
    return committed[0]!;
  }

  /** Moves the entry `from` names (the file when a file and a directory share it), or with `kind` that one. */
  async move(from: string, to: string, overwrite: boolean, kind?: "file" | "dir"): Promise<Manifest> {
    if (from === "" || to === "") throw badRequest("invalid_path", "cannot move the root directory");
    FileSystem.checkNotReserved(to);
    if (from === to) throw badRequest("same_path", "source and destination are the same");
    if (to.startsWith(`${from}/`)) throw badRequest("move_into_self", `cannot move /${from} into itself`);
    await this.refresh([from, ...FileSystem.withAncestors(to)], "quorum", undefined, [from, to]);
    const src = kind === "dir" ? this.lookupDir(from) : this.stat(from);
    if (!src) throw notFound("not_found", `no such directory: /${from}`);
    // Every entry at every depth as a read quorum has it: one this node has not received yet moves too.
    if (src.kind === "dir") await this.rows.tree(from, "quorum");
    const now = this.now();
    const changes: ManifestChange[] = [];
    // Only an entry of the same kind is in the way: a file may move beside a directory of its new name.
    const dest = src.kind === "dir" ? this.lookupDir(to) : this.lookupFile(to);
    if (dest) {
      if (!overwrite) throw conflict("destination_exists", `/${to} already exists`);
      if (dest.kind === "dir" && this.tree.subtree(to).length > 0) {
        throw conflict("directory_not_empty", `/${to} is a non-empty directory`);
      }
    }
    changes.push(...this.ancestorsToCreate(to, now));
    const { version: _v, origin: _o, seq: _s, ...content } = src;
    changes.push({ ...content, path: to, mtime: src.mtime });
    const below = src.kind === "dir" ? this.tree.subtree(from) : [];
    for (const e of below) {
      const { version: _ev, origin: _eo, seq: _es, ...c } = e;
      changes.push({ ...c, path: joinPath(to, e.path.slice(from.length + 1)) });
    }
    changes.push(...[...below].reverse().map((e) => tombstoneOf(e, now)), tombstoneOf(src, now));
    const committed = await this.commit(changes, "quorum", {});
    return committed.find((m) => m.path === to && m.kind === src.kind)!;
  }
}

