// Content-addressed chunk files: a chunk is named by the SHA-256 of its bytes and lives at dir/ab/cd/<id>.
// The file on disk is the truth; the `chunks` table is an index kept in step (insert after rename, delete before unlink).
// A copy is durable once its file is fsynced and its rename fsynced into the fan-out directory; the index row
// gets no fsync of its own (its commit is synchronous=NORMAL in the WAL, made durable by the node's next FULL
// commit, e.g. the manifest's): a row that a power loss takes is put back by reconcile(), which every start runs.
// The disk implementation of ChunkStorage (chunk-storage.ts); it passes chunk-store.case.ts with the in-memory one.
import type { Database, Statement } from "bun:sqlite";
import { existsSync, mkdirSync, readdirSync, statfsSync, unlinkSync } from "node:fs";
import { type FileHandle, mkdir, open, readdir, rename, stat, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ChunkCorruptError, ChunkNotFoundError, StoreFullError } from "../errors.ts";
import { type Logger, logger } from "../log.ts";
import {
  assertChunkId,
  assertPageLimit,
  checkWholeChunk,
  type ChunkStats,
  type ChunkStorage,
  type ChunkWriter,
  type DiskUsage,
  isChunkId,
  LOCAL_STORE,
  sha256Hex,
  verifyWholeChunk,
} from "./chunk-storage.ts";
import { asStoreFull, ChunkFileDraft, SMALL_CHUNK_BYTES, SmallChunkDraft, writeDurably } from "./chunk-store-writer.ts";
import { type ChunkDraft, type ChunkWriterTarget, VerifyingChunkWriter } from "./chunk-writer.ts";
import { directFor, supportsDirectIo } from "./direct-io.ts";
import { readChunkFile } from "./direct-read.ts";
import type { ReadBuffers } from "./read-buffers.ts";
import { synchronousLevel, unsynced } from "./db.ts";
import { SpaceBudget } from "./space-budget.ts";
import { FanoutDirs, fsyncDir } from "./fanout-dirs.ts";

export interface ChunkStoreInit {
  /** Where chunk files live, e.g. DATA_DIR/chunks. One ChunkStore per directory. */
  dir: string;
  /** bun:sqlite database, already migrated. */
  db: Database;
  maxChunkSize: number;
  /** Refuse new chunks when free disk space would fall below this many bytes. */
  minFreeBytes?: number;
  /** Refuse new chunks once the store holds this many bytes (STORE_QUOTA_MB). */
  quotaBytes?: number;
  /**
   * False on a storage-less gateway (STORAGE=off): every chunk is refused and no chunk directory is made.
   * Default true.
   */
  storesChunks?: boolean;
  /** Where corrupt copies are moved; defaults to a `quarantine` folder beside `dir` (DATA_DIR/quarantine). */
  quarantineDir?: string;
  /** Write chunk files around the page cache (O_DIRECT) when the file system allows (DIRECT_IO; default true). */
  directIo?: boolean;
}

export interface ChunkStoreComponents {
  log?: Logger;
  /** The clock of storedAt (default Date.now). */
  now?: () => number;
}

/** feed() reads a chunk file in pieces of this size into a reused buffer (one per feed running at once). */
const FEED_PIECE = 256 * 1024;
const FEED_BUFFERS_KEPT = 4;

export class ChunkStore implements ChunkStorage, ChunkWriterTarget {
  readonly dir: string;
  readonly tmpDir: string;
  readonly quarantineDir: string;
  readonly maxChunkSize: number;
  readonly storesChunks: boolean;
  /** Asked for and supported by the file system of `dir` (probed at start). */
  readonly directIo: boolean;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly budget: SpaceBudget;
  /** Fan-out directories made (or being made) by this process, and whether their entries are durable yet. */
  private readonly fanouts: FanoutDirs;
  private count: number;
  private bytes: number;
  private tmpSeq = 0;
  /** Read buffers of feed(), reused so that reading a chunk through it touches no fresh memory. */
  private readonly feedBuffers: Buffer[] = [];
  private readonly db: Database;
  /** The connection's own synchronous level (PRAGMA synchronous), restored after each unsynced index write. */
  private readonly syncLevel: number;
  private readonly sql: {
    insert: Statement;
    remove: Statement;
    exists: Statement;
    page: Statement;
    storedAt: Statement;
    touch: Statement;
  };

  constructor(init: ChunkStoreInit, components: ChunkStoreComponents = {}) {
    this.dir = init.dir;
    this.fanouts = new FanoutDirs(this.dir);
    this.tmpDir = join(init.dir, "tmp");
    this.quarantineDir = init.quarantineDir ?? join(dirname(init.dir), "quarantine");
    this.maxChunkSize = init.maxChunkSize;
    this.budget = new SpaceBudget(init);
    this.storesChunks = init.storesChunks ?? true;
    this.log = components.log ?? logger("store");
    this.now = components.now ?? Date.now;
    if (this.storesChunks) {
      mkdirSync(this.tmpDir, { recursive: true });
      // Leftovers from a crash mid-write: never renamed, so never acknowledged. Safe because one store owns the dir.
      for (const name of readdirSync(this.tmpDir)) unlinkSync(join(this.tmpDir, name));
    }
    this.directIo = this.storesChunks && (init.directIo ?? true) && supportsDirectIo(this.tmpDir);
    if (this.storesChunks && (init.directIo ?? true) && !this.directIo) {
      this.log.info("chunk files are written through the page cache: the file system refuses O_DIRECT", { dir: this.dir });
    }

    const db = init.db;
    this.db = db;
    this.syncLevel = synchronousLevel(db);
    this.sql = {
      // stored_at is refreshed whenever a write brings the chunk again (dedup), so garbage collection
      // never takes a chunk that an upload in progress has just referenced.
      insert: db.prepare("INSERT INTO chunks (id, size, stored_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING"),
      touch: db.prepare("UPDATE chunks SET stored_at = ? WHERE id = ?"),
      storedAt: db.prepare("SELECT stored_at AS t FROM chunks WHERE id = ?"),
      remove: db.prepare("DELETE FROM chunks WHERE id = ? RETURNING size"),
      exists: db.prepare("SELECT 1 AS found FROM chunks WHERE id = ?"),
      page: db.prepare("SELECT id FROM chunks WHERE id > ? ORDER BY id LIMIT ?"),
    };
    const totals = db.query("SELECT COUNT(*) AS count, COALESCE(SUM(size), 0) AS bytes FROM chunks").get() as {
      count: number;
      bytes: number;
    };
    this.count = totals.count;
    this.bytes = totals.bytes;
  }

  /** True when the chunk file exists (the file, not the index, is the truth). */
  has(id: string): boolean {
    return isChunkId(id) && existsSync(this.pathOf(id));
  }

  /** Stores a whole chunk held in memory. Verifies the bytes against the id before touching the disk. */
  async put(id: string, data: Uint8Array): Promise<{ created: boolean }> {
    verifyWholeChunk(id, data, this.maxChunkSize);
    return this.putWhole(id, data);
  }

  /** put() without hashing the bytes again: see ChunkStorage.putSelfHashed (the coordinator's own copy only). */
  async putSelfHashed(id: string, data: Uint8Array): Promise<{ created: boolean }> {
    checkWholeChunk(id, data, this.maxChunkSize);
    return this.putWhole(id, data);
  }

  private async putWhole(id: string, data: Uint8Array): Promise<{ created: boolean }> {
    if (existsSync(this.pathOf(id))) {
      this.touch(id, data.byteLength);
      return { created: false };
    }
    this.reserve(id, data.byteLength);
    const tmp = this.tmpPath(id);
    try {
      await writeDurably(tmp, data, this.directIo && directFor(data.byteLength));
      return await this.install(id, tmp, data.byteLength);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw asStoreFull(err, `storing chunk ${id}`);
    } finally {
      this.release(data.byteLength);
    }
  }

  /**
   * Streams a chunk whose bytes arrive piecewise (e.g. from a socket), hashing as they come.
   * `expectedSize`, when known, lets the store refuse a chunk that will not fit before any byte is written.
   */
  writer(id: string, expectedSize?: number): ChunkWriter {
    assertChunkId(id);
    return new VerifyingChunkWriter(this, id, expectedSize);
  }

  /** When the chunk was last written or re-written (ms), or undefined if it is not indexed. */
  storedAt(id: string): number | undefined {
    return (this.sql.storedAt.get(id) as { t: number } | null)?.t;
  }

  /** Reads and verifies a chunk. A bad copy is quarantined and reported as ChunkCorruptError. */
  async get(id: string, buffers?: ReadBuffers): Promise<Uint8Array> {
    assertChunkId(id);
    let data: Uint8Array;
    try {
      data = await readChunkFile(this.pathOf(id), this.directIo, this.maxChunkSize, buffers);
    } catch (err) {
      throw this.readFailure(id, err);
    }
    if (sha256Hex(data) !== id) {
      buffers?.give(data);
      throw await this.corrupt(id);
    }
    return data;
  }

  async feed(id: string, sink: (piece: Uint8Array) => void): Promise<void> {
    assertChunkId(id);
    let file: FileHandle;
    try {
      file = await open(this.pathOf(id), "r");
    } catch (err) {
      throw this.readFailure(id, err);
    }
    const buf = this.feedBuffers.pop() ?? Buffer.allocUnsafeSlow(FEED_PIECE);
    const hash = new Bun.CryptoHasher("sha256");
    try {
      for (;;) {
        const { bytesRead } = await file.read(buf, 0, FEED_PIECE, null);
        if (bytesRead === 0) break;
        const piece = buf.subarray(0, bytesRead);
        hash.update(piece);
        sink(piece);
      }
    } finally {
      await file.close();
      if (this.feedBuffers.length < FEED_BUFFERS_KEPT) this.feedBuffers.push(buf);
    }
    if (hash.digest("hex") !== id) throw await this.corrupt(id);
  }

  /** What a failed open or read of a chunk file means: a missing file is ChunkNotFoundError (and leaves the index). */
  private readFailure(id: string, err: unknown): unknown {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") return err;
    if (this.sql.exists.get(id)) {
      this.log.warn("chunk indexed but its file is missing; dropping the index row", { chunk: id });
      this.indexRemove(id);
    }
    return new ChunkNotFoundError(id, LOCAL_STORE);
  }

  private async corrupt(id: string): Promise<ChunkCorruptError> {
    await this.quarantine(id, "hash mismatch on read");
    return new ChunkCorruptError(id, LOCAL_STORE);
  }

  /** Removes a chunk. Returns whether a file was there. */
  async delete(id: string): Promise<boolean> {
    assertChunkId(id);
    this.indexRemove(id);
    // No directory fsync: a delete that a crash undoes leaves an unreferenced chunk for GC, never a lost one.
    try {
      await unlink(this.pathOf(id));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw err;
    }
  }

  /** Chunk ids in id order, `limit` at a time, starting after `afterId`. */
  ids(afterId = "", limit = 1000): string[] {
    assertPageLimit(limit);
    const rows = this.sql.page.all(afterId, limit) as { id: string }[];
    return rows.map((r) => r.id);
  }

  stats(): ChunkStats {
    return { count: this.count, bytes: this.bytes };
  }

  /**
   * Size and free space of the filesystem holding the chunk directory (free = available to this user); for a
   * store without one (STORAGE=off), of the nearest folder above it that exists.
   */
  diskUsage(): DiskUsage {
    let dir = this.dir;
    while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
    const s = statfsSync(dir);
    return { totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize };
  }

  /**
   * Bytes of new chunks the store can still take: the smaller of what the quota and MIN_FREE_MB leave, less
   * what writers in flight have reserved. 0 on a store that takes no chunks.
   */
  headroom(): number {
    if (!this.storesChunks) return 0;
    return this.budget.headroom(this.bytes, this.diskUsage().freeBytes);
  }

  /**
   * Brings the index in step with the files after a crash (a file renamed into place whose row was never
   * committed, or a row whose file was removed by hand). Hashes are not checked here; that is scrub's job.
   */
  async reconcile(): Promise<{ added: number; removed: number }> {
    if (!this.storesChunks) return { added: 0, removed: 0 };
    let removed = 0;
    let added = 0;
    for (let after = "", page = this.ids("", 1000); page.length > 0; page = this.ids(after, 1000)) {
      for (const id of page) {
        if (!existsSync(this.pathOf(id))) {
          this.indexRemove(id);
          removed++;
        }
      }
      after = page[page.length - 1]!;
    }
    for (const a of await readdir(this.dir)) {
      if (!/^[0-9a-f]{2}$/.test(a)) continue;
      for (const b of await readdir(join(this.dir, a))) {
        if (!/^[0-9a-f]{2}$/.test(b)) continue;
        for (const name of await readdir(join(this.dir, a, b))) {
          if (!isChunkId(name) || name.slice(0, 4) !== a + b) {
            this.log.warn("stray file in chunk directory", { file: join(a, b, name) });
            continue;
          }
          if (this.sql.exists.get(name)) continue;
          this.touch(name, (await stat(join(this.dir, a, b, name))).size);
          added++;
        }
      }
    }
    if (added || removed) this.log.info("chunk index reconciled with files", { added, removed });
    return { added, removed };
  }

  // ---- internals shared with the writer (ChunkWriterTarget) and its file draft ----

  /** dir/ab/cd/<id>; only ever called with a validated id. */
  pathOf(id: string): string {
    return join(this.dir, id.slice(0, 2), id.slice(2, 4), id);
  }

  /** Where a chunk is written before its rename; every write comes here first, so STORAGE=off is enforced here too. */
  tmpPath(id: string): string {
    this.assertStoresChunks(id);
    return join(this.tmpDir, `${id}.${process.pid}.${++this.tmpSeq}.tmp`);
  }

  private assertStoresChunks(id: string): void {
    if (!this.storesChunks) throw new StoreFullError(`this node stores no chunks (STORAGE=off); refusing chunk ${id}`);
  }

  /** Claims room for `size` more bytes, or throws StoreFullError. Without a free-space floor, ENOSPC decides. */
  reserve(id: string, size: number): void {
    this.assertStoresChunks(id);
    this.budget.reserve(id, size, this.bytes, this.budget.watchesFreeSpace ? () => this.diskUsage().freeBytes : undefined);
  }

  release(size: number): void {
    this.budget.release(size);
  }

  draft(id: string, expectedSize?: number): ChunkDraft {
    if (expectedSize !== undefined && expectedSize < SMALL_CHUNK_BYTES) return new SmallChunkDraft(this, id, expectedSize);
    return new ChunkFileDraft(this, id, this.directIo && directFor(expectedSize));
  }

  /**
   * Moves a fsynced tmp file into place, makes the rename durable, then indexes it. The rename's directory and
   * the entries of fan-out directories created for it are fsynced at once (on ext4 they share a journal commit):
   * the copy counts only once all of them are on disk, and nothing reads it as a chunk before then but this node.
   */
  async install(id: string, tmp: string, size: number): Promise<{ created: boolean }> {
    const final = this.pathOf(id);
    const fanout = dirname(final);
    const dir = this.fanouts.ready(fanout);
    await dir.exists;
    const existed = existsSync(final);
    await rename(tmp, final);
    await Promise.all([fsyncDir(fanout), dir.durable]);
    this.touch(id, size);
    return { created: !existed };
  }

  /**
   * Runs an index write without an fsync of its own (see the file comment): synchronous=NORMAL for this commit
   * only. Inside a caller's transaction the level cannot change, and that transaction's commit decides.
   */
  private unsynced<T>(write: () => T): T {
    return unsynced(this.db, this.syncLevel, write);
  }

  /** Keeps the index in step with a file known to exist, and refreshes its stored_at. */
  touch(id: string, size: number): void {
    const now = this.now();
    const changes = this.unsynced(() => this.sql.insert.run(id, size, now).changes);
    if (changes > 0) {
      this.count++;
      this.bytes += size;
    } else {
      this.unsynced(() => this.sql.touch.run(now, id));
    }
  }

  private indexRemove(id: string): void {
    const row = this.unsynced(() => this.sql.remove.get(id) as { size: number } | null);
    if (row) {
      this.count--;
      this.bytes -= row.size;
    }
  }

  private async quarantine(id: string, reason: string): Promise<void> {
    this.indexRemove(id);
    const target = join(this.quarantineDir, `${id}.${Date.now()}`);
    try {
      await mkdir(this.quarantineDir, { recursive: true });
      await rename(this.pathOf(id), target);
      this.log.warn("corrupt chunk quarantined", { chunk: id, reason, file: target });
    } catch (err) {
      // Already moved or deleted by a concurrent reader; the row is gone either way.
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
        this.log.error("could not quarantine corrupt chunk", { chunk: id, reason, err });
        throw err;
      }
    }
  }
}
