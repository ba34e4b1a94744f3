// ChunkStorage in memory, for the simulator and tests: the disk store's rules (ids verified against content,
// the same errors, quota and free-space floor, storedAt, id-ordered paging, quarantine of a copy that fails
// its hash on read), plus what a simulated disk needs: a settable free space and a bit flip in a stored copy.
import { ChunkCorruptError, ChunkNotFoundError } from "../errors.ts";
import { type Logger, logger } from "../log.ts";
import {
  assertChunkId,
  assertPageLimit,
  checkWholeChunk,
  type ChunkStats,
  type ChunkStorage,
  type ChunkWriter,
  type DiskUsage,
  LOCAL_STORE,
  sha256Hex,
  verifyWholeChunk,
} from "./chunk-storage.ts";
import { type ChunkDraft, type ChunkWriterTarget, VerifyingChunkWriter } from "./chunk-writer.ts";
import { SpaceBudget } from "./space-budget.ts";

/** Piece size of feed(), as small as the disk store's so callers see several pieces per chunk. */
const FEED_PIECE = 64 * 1024;

export interface MemoryChunkStoreInit {
  maxChunkSize: number;
  /** Refuse new chunks once the store would hold more than this many bytes. */
  quotaBytes?: number;
  /** Refuse new chunks when free space would fall below this many bytes. */
  minFreeBytes?: number;
  /** Size of the simulated disk (default 1 TiB). */
  diskBytes?: number;
  /** Free space at the start (default: the whole disk); setFreeBytes() changes it later. */
  freeBytes?: number;
}

export interface MemoryChunkStoreComponents {
  /** The clock of storedAt (the simulator's virtual clock; default Date.now). */
  now?: () => number;
  log?: Logger;
}

interface Copy {
  data: Uint8Array;
  storedAt: number;
}

const TIB = 2 ** 40;

export class MemoryChunkStore implements ChunkStorage {
  readonly maxChunkSize: number;
  readonly diskBytes: number;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly budget: SpaceBudget;
  private readonly copies = new Map<string, Copy>();
  /** The same ids, ascending: ids() pages by binary search. */
  private readonly sorted: string[] = [];
  private readonly quarantine: string[] = [];
  private bytes = 0;
  private free: number;
  private readonly target: ChunkWriterTarget;

  constructor(init: MemoryChunkStoreInit, components: MemoryChunkStoreComponents = {}) {
    this.maxChunkSize = init.maxChunkSize;
    this.diskBytes = init.diskBytes ?? TIB;
    this.budget = new SpaceBudget(init);
    this.now = components.now ?? Date.now;
    this.log = components.log ?? logger("store");
    this.free = this.diskBytes;
    if (init.freeBytes !== undefined) this.setFreeBytes(init.freeBytes);
    this.target = {
      maxChunkSize: this.maxChunkSize,
      has: (id) => this.has(id),
      reserve: (id, size) => this.reserve(id, size),
      release: (size) => this.budget.release(size),
      touch: (id) => this.touch(id),
      draft: (id) => new MemoryDraft((data) => this.install(id, data)),
    };
  }

  has(id: string): boolean {
    return this.copies.has(id);
  }

  async put(id: string, data: Uint8Array): Promise<{ created: boolean }> {
    verifyWholeChunk(id, data, this.maxChunkSize);
    return this.putWhole(id, data);
  }

  /** put() without hashing the bytes again (ChunkStorage.putSelfHashed). */
  async putSelfHashed(id: string, data: Uint8Array): Promise<{ created: boolean }> {
    checkWholeChunk(id, data, this.maxChunkSize);
    return this.putWhole(id, data);
  }

  private putWhole(id: string, data: Uint8Array): { created: boolean } {
    // As on disk: a copy already held is kept (even a bad one; get or scrub will find it), only refreshed.
    if (this.touch(id)) return { created: false };
    this.reserve(id, data.byteLength);
    try {
      return this.install(id, new Uint8Array(data)); // a copy even of a Buffer (whose slice() is a view)
    } finally {
      this.budget.release(data.byteLength);
    }
  }

  writer(id: string, expectedSize?: number): ChunkWriter {
    assertChunkId(id);
    return new VerifyingChunkWriter(this.target, id, expectedSize);
  }

  storedAt(id: string): number | undefined {
    return this.copies.get(id)?.storedAt;
  }

  async get(id: string): Promise<Uint8Array> {
    assertChunkId(id);
    const copy = this.copies.get(id);
    if (!copy) throw new ChunkNotFoundError(id, LOCAL_STORE);
    if (sha256Hex(copy.data) !== id) {
      // Moved aside, as the disk store moves the file to its quarantine folder: its space stays used.
      this.remove(id);
      this.quarantine.push(id);
      this.log.warn("corrupt chunk quarantined", { chunk: id, reason: "hash mismatch on read" });
      throw new ChunkCorruptError(id, LOCAL_STORE);
    }
    return new Uint8Array(copy.data);
  }

  async feed(id: string, sink: (piece: Uint8Array) => void): Promise<void> {
    assertChunkId(id);
    const copy = this.copies.get(id);
    if (!copy) throw new ChunkNotFoundError(id, LOCAL_STORE);
    // Handed out first and verified at the end, as the disk store does: callers see a corrupt copy late too.
    const data = new Uint8Array(copy.data);
    for (let off = 0; off < data.byteLength; off += FEED_PIECE) sink(data.subarray(off, off + FEED_PIECE));
    if (sha256Hex(data) !== id) await this.get(id); // quarantines it and throws ChunkCorruptError, as get does
  }

  async delete(id: string): Promise<boolean> {
    assertChunkId(id);
    const copy = this.remove(id);
    if (copy) this.free = Math.min(this.diskBytes, this.free + copy.data.byteLength);
    return copy !== undefined;
  }

  ids(afterId = "", limit = 1000): string[] {
    assertPageLimit(limit);
    const from = firstAfter(this.sorted, afterId);
    return this.sorted.slice(from, from + limit);
  }

  stats(): ChunkStats {
    return { count: this.copies.size, bytes: this.bytes };
  }

  diskUsage(): DiskUsage {
    return { totalBytes: this.diskBytes, freeBytes: this.free };
  }

  headroom(): number {
    return this.budget.headroom(this.bytes, this.free);
  }

  /** Nothing to do: there is no index apart from the copies. */
  async reconcile(): Promise<{ added: number; removed: number }> {
    return { added: 0, removed: 0 };
  }

  // ---- the simulated disk ----

  /** Sets the free space, as other files filling or leaving the disk would; storing uses it, deleting returns it. */
  setFreeBytes(freeBytes: number): void {
    if (!Number.isSafeInteger(freeBytes) || freeBytes < 0 || freeBytes > this.diskBytes) {
      throw new RangeError(`free bytes must be an integer in 0..${this.diskBytes}, got ${freeBytes}`);
    }
    this.free = freeBytes;
  }

  /**
   * Flips one bit of the stored copy of `id` (byte `at`, default the middle), as a bad sector would; the
   * next get() (or scrub) finds it. An empty copy gains a byte instead.
   */
  corrupt(id: string, at?: number): void {
    assertChunkId(id);
    const copy = this.copies.get(id);
    if (!copy) throw new ChunkNotFoundError(id, LOCAL_STORE);
    if (copy.data.byteLength === 0) {
      copy.data = new Uint8Array(1);
      return;
    }
    const i = at ?? copy.data.byteLength >> 1;
    if (!Number.isInteger(i) || i < 0 || i >= copy.data.byteLength) throw new RangeError(`byte ${at} is outside chunk ${id}`);
    copy.data[i]! ^= 0x01;
  }

  /** Ids of the copies get() found corrupt and moved aside, oldest first. */
  quarantined(): readonly string[] {
    return this.quarantine;
  }

  // ---- internals ----

  private reserve(id: string, size: number): void {
    this.budget.reserve(id, size, this.bytes, () => this.free);
  }

  /** Refreshes storedAt of a copy held; false when none is. */
  private touch(id: string): boolean {
    const copy = this.copies.get(id);
    if (copy) copy.storedAt = this.now();
    return copy !== undefined;
  }

  /** Makes `data` (verified, owned by the store) the copy of `id`; one written meanwhile is replaced, as a rename would. */
  private install(id: string, data: Uint8Array): { created: boolean } {
    const existing = this.copies.get(id);
    this.copies.set(id, { data, storedAt: this.now() });
    if (existing) return { created: false };
    this.sorted.splice(firstAfter(this.sorted, id), 0, id);
    this.bytes += data.byteLength;
    this.free = Math.max(0, this.free - data.byteLength);
    return { created: true };
  }

  /** Forgets a copy (its space is the caller's business); returns it if there was one. */
  private remove(id: string): Copy | undefined {
    const copy = this.copies.get(id);
    if (!copy) return undefined;
    this.copies.delete(id);
    this.sorted.splice(firstAfter(this.sorted, id) - 1, 1);
    this.bytes -= copy.data.byteLength;
    return copy;
  }
}

/** Index of the first id greater than `after` (ids are ASCII, so JS order is SQLite's BINARY order). */
function firstAfter(sorted: readonly string[], after: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A new chunk's slices, kept by reference (as the file draft gathers them) and joined into the store's own copy. */
class MemoryDraft implements ChunkDraft {
  private parts: Uint8Array[] = [];

  constructor(private readonly onInstall: (data: Uint8Array) => { created: boolean }) {}

  async write(bytes: Uint8Array): Promise<void> {
    this.parts.push(bytes);
  }

  async install(size: number): Promise<{ created: boolean }> {
    const data = new Uint8Array(size);
    let offset = 0;
    for (const part of this.parts) {
      data.set(part, offset);
      offset += part.byteLength;
    }
    this.parts = [];
    return this.onInstall(data);
  }

  async discard(): Promise<void> {
    this.parts = [];
  }
}
