// ChunkStorage: what the rest of the node sees of a chunk store. The disk store (chunk-store.ts) and the
// in-memory one (memory-chunk-store.ts, for the simulator and tests) both pass chunk-store.case.ts.
import { badRequest, ChunkCorruptError } from "../errors.ts";
import type { ReadBuffers } from "./read-buffers.ts";

/**
 * The largest chunk, in MiB, that any node writes, keeps or takes from a peer: the ceiling of the live chunk
 * size setting and of CHUNK_SIZE_MB. Stores and transfer frames are bounded by this, never by the node's own
 * chunk size, so a chunk written under any size the setting allows moves between any two nodes.
 */
export const MAX_CHUNK_SIZE_MIB = 64;
export const MAX_CHUNK_SIZE_BYTES = MAX_CHUNK_SIZE_MIB * 1024 * 1024;

/**
 * Streams one chunk into the store. Call write() sequentially (await each), then commit() or abort().
 * Nothing is visible under the chunk's name until commit() has verified (and, on disk, fsynced) it.
 * A write() that throws has already aborted the writer. Slices given to write() are kept by reference
 * until commit, so the caller must not reuse a buffer after passing it.
 */
export interface ChunkWriter {
  write(bytes: Uint8Array): Promise<void>;
  commit(): Promise<{ created: boolean }>;
  abort(): Promise<void>;
}

export interface ChunkStats {
  count: number;
  bytes: number;
}

export interface DiskUsage {
  totalBytes: number;
  /** Available to this node's user. */
  freeBytes: number;
}

/**
 * A content-addressed chunk store: a chunk's id is the SHA-256 (64 lowercase hex) of its bytes.
 *
 * Errors, the same from every implementation:
 * - an id that is not 64 lowercase hex characters: OrreryError `invalid_chunk_id` (400), from every method but has();
 * - a chunk over the maximum size: OrreryError `chunk_too_large` (400), from put() and write();
 * - bytes that do not hash to the id: ChunkCorruptError (where "receipt"), from put() and commit();
 * - over the quota or the free-space floor, or a full disk: StoreFullError, from put() and write()/commit();
 * - get() of a chunk not held: ChunkNotFoundError; of a copy that no longer matches its id:
 *   ChunkCorruptError (where "local store"), after the copy is quarantined (has() turns false).
 */
export interface ChunkStorage {
  /** True when a copy is held (it may still turn out corrupt on get()). False for an invalid id. */
  has(id: string): boolean;
  /** Stores a whole chunk held in memory, verified first. `created` is false when a copy was already held. */
  put(id: string, data: Uint8Array): Promise<{ created: boolean }>;
  /**
   * put() for bytes whose id this process computed itself, over exactly these bytes, without their leaving its
   * memory (the chunker's pass): they are not hashed again here. The id's form and the size are checked; every
   * later read verifies the bytes as always. Never for bytes from a peer, a client or a disk (those come through
   * put() or writer()): only the write coordinator calls it, for its own copy of a chunk it cut.
   */
  putSelfHashed(id: string, data: Uint8Array): Promise<{ created: boolean }>;
  /**
   * Streams a chunk whose bytes arrive piecewise, hashing as they come. `expectedSize`, when known, lets
   * the store refuse a chunk that will not fit before any byte is taken.
   */
  writer(id: string, expectedSize?: number): ChunkWriter;
  /**
   * Reads and verifies a chunk; the bytes returned belong to the caller. With `buffers`, a large chunk may be read
   * into one of its buffers, which the caller gives back there once nothing uses the bytes any more (or drops).
   */
  get(id: string, buffers?: ReadBuffers): Promise<Uint8Array>;
  /**
   * Hands a chunk's bytes to `sink` in order, in pieces that are valid only during the call (the disk store
   * reads into a buffer it reuses: no fresh memory per chunk), verifying them on the way. Errors as get();
   * a corrupt copy is found only at its end, after its pieces were handed out, so a caller must drop what it
   * computed from them when this throws.
   */
  feed(id: string, sink: (piece: Uint8Array) => void): Promise<void>;
  /** When the chunk was last written or received again (ms, from the store's clock); undefined if not held. */
  storedAt(id: string): number | undefined;
  /** Removes a chunk. Returns whether a copy was there. */
  delete(id: string): Promise<boolean>;
  /** Chunk ids in ascending id order, `limit` (1..100000, default 1000) at a time, starting after `afterId`. */
  ids(afterId?: string, limit?: number): string[];
  stats(): ChunkStats;
  diskUsage(): DiskUsage;
  /**
   * Bytes of new chunks the store can still take (what the quota and the free-space floor leave, less what
   * writers in flight have reserved); 0 on a store that takes none. A node announces itself full below one chunk.
   */
  headroom(): number;
  /** Brings the store's index in step with its copies after a crash; hashes are scrub's job. */
  reconcile(): Promise<{ added: number; removed: number }>;
}

/** Where get() says a bad or missing copy was. */
export const LOCAL_STORE = "local store";

const CHUNK_ID = /^[0-9a-f]{64}$/;
export const MAX_PAGE = 100_000;

/** Exactly 64 lowercase hex characters: the only names that may touch the filesystem. */
export function isChunkId(s: string): boolean {
  return typeof s === "string" && CHUNK_ID.test(s);
}

export function assertChunkId(id: string): void {
  if (!isChunkId(id)) throw badRequest("invalid_chunk_id", `invalid chunk id ${JSON.stringify(String(id).slice(0, 80))}`);
}

export function assertPageLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw badRequest("bad_limit", `limit must be an integer in 1..${MAX_PAGE}, got ${limit}`);
  }
}

export const sha256Hex = (data: Uint8Array): string => Bun.CryptoHasher.hash("sha256", data, "hex");

/** The checks putSelfHashed() makes before it stores anything: a valid id and the size limit. */
export function checkWholeChunk(id: string, data: Uint8Array, maxChunkSize: number): void {
  assertChunkId(id);
  if (data.byteLength > maxChunkSize) {
    throw badRequest("chunk_too_large", `chunk ${id} is ${data.byteLength} bytes, over ${maxChunkSize}`);
  }
}

/** The checks put() makes before it stores anything: checkWholeChunk's, and bytes that hash to the id. */
export function verifyWholeChunk(id: string, data: Uint8Array, maxChunkSize: number): void {
  checkWholeChunk(id, data, maxChunkSize);
  if (sha256Hex(data) !== id) throw new ChunkCorruptError(id, "receipt");
}
