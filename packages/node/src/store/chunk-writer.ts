// The streaming writer both chunk stores share: bytes are hashed as they arrive, checked against the size
// limit and the space budget, and handed to a draft (a tmp file, or slices in memory) that becomes the chunk
// only if the whole hashes to its id. Keeping these rules in one place makes the two stores agree by construction.
import { badRequest, ChunkCorruptError } from "../errors.ts";
import type { ChunkWriter } from "./chunk-storage.ts";

/** Where a new chunk's bytes wait until they are verified. */
export interface ChunkDraft {
  /** Takes the next bytes (possibly by reference, until install). */
  write(bytes: Uint8Array): Promise<void>;
  /** Makes the bytes the chunk (durable, indexed); `created` is false when a copy appeared meanwhile. */
  install(size: number): Promise<{ created: boolean }>;
  /** Drops everything; safe at any time, also while a write() is pending. */
  discard(): Promise<void>;
}

/** What a writer needs from its store. */
export interface ChunkWriterTarget {
  readonly maxChunkSize: number;
  has(id: string): boolean;
  /** Claims room for `size` more bytes, or throws StoreFullError. */
  reserve(id: string, size: number): void;
  release(size: number): void;
  /** A chunk already held arrived again: keep it indexed and refresh its storedAt (GC goes by its age). */
  touch(id: string, size: number): void;
  /** `expectedSize`: the announced size, when known (a store may write small and large chunks differently). */
  draft(id: string, expectedSize?: number): ChunkDraft;
}

type State = "open" | "committing" | "done";

export class VerifyingChunkWriter implements ChunkWriter {
  private readonly hasher = new Bun.CryptoHasher("sha256");
  private state: State = "open";
  private size = 0;
  private reserved = 0;
  /** Decided at the first byte: the chunk is already stored, so bytes are only hashed, never kept. */
  private duplicate: boolean | undefined;
  private draft: ChunkDraft | undefined;

  constructor(
    private readonly target: ChunkWriterTarget,
    readonly id: string,
    private readonly expectedSize?: number,
  ) {}

  async write(bytes: Uint8Array): Promise<void> {
    if (this.state !== "open") throw new Error(`chunk writer for ${this.id} is closed`);
    if (bytes.byteLength === 0) return;
    const { target } = this;
    const size = this.size + bytes.byteLength;
    try {
      if (size > target.maxChunkSize) {
        throw badRequest("chunk_too_large", `chunk ${this.id} exceeds the maximum chunk size of ${target.maxChunkSize} bytes`);
      }
      this.duplicate ??= target.has(this.id);
      this.hasher.update(bytes);
      this.size = size;
      if (this.duplicate) return;
      // Reserve the announced size up front so a chunk that cannot fit is refused before any byte lands.
      const want = Math.max(size, Math.min(this.expectedSize ?? 0, target.maxChunkSize));
      if (want > this.reserved) {
        target.reserve(this.id, want - this.reserved);
        this.reserved = want;
      }
      this.draft ??= target.draft(this.id, this.expectedSize);
      await this.draft.write(bytes);
    } catch (err) {
      await this.abort();
      throw err;
    }
  }

  async commit(): Promise<{ created: boolean }> {
    if (this.state !== "open") throw new Error(`chunk writer for ${this.id} is closed`);
    this.state = "committing";
    try {
      if (this.hasher.digest("hex") !== this.id) throw new ChunkCorruptError(this.id, "receipt");
      this.duplicate ??= this.target.has(this.id);
      if (this.duplicate) {
        // The bytes were verified but not kept; if the stored copy vanished meanwhile (GC), the sender must retry.
        if (!this.target.has(this.id)) throw new Error(`chunk ${this.id} was deleted while a duplicate was received; retry`);
        this.target.touch(this.id, this.size);
        return { created: false };
      }
      // The empty chunk gets its draft here: no write() carried a byte.
      this.draft ??= this.target.draft(this.id);
      return await this.draft.install(this.size);
    } catch (err) {
      await this.draft?.discard();
      throw err;
    } finally {
      this.finish();
    }
  }

  /** Drops everything written so far. During commit() it is a no-op: commit either installs or cleans up itself. */
  async abort(): Promise<void> {
    if (this.state !== "open") return;
    this.finish();
    await this.draft?.discard();
  }

  private finish(): void {
    this.state = "done";
    this.target.release(this.reserved);
    this.reserved = 0;
  }
}
