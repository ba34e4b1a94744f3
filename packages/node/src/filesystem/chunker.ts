// Splits a byte stream into fixed-size chunks, copying each network byte exactly once (into the
// chunk's own buffer), and hashes each chunk and the whole file on the way through (SHA-256, and
// MD5 for S3's ETag when asked).
import type { ChunkBufferPool } from "./chunk-buffers.ts";

export interface Chunk {
  /** SHA-256 of data, lowercase hex: the chunk's name. */
  id: string;
  data: Uint8Array;
  /** Offset of the chunk in the file. */
  offset: number;
  /** Gives the chunk's buffer back to the pool it came from; call once nothing uses `data` any more. */
  release?: () => void;
}

export class Chunker {
  /** Allocated when the first byte of a chunk arrives, sized to what is expected, never above chunkSize. */
  private buf: Uint8Array | undefined;
  private fill = 0;
  private offset = 0;
  private chunkHash = new Bun.CryptoHasher("sha256");
  private readonly fileHash = new Bun.CryptoHasher("sha256");
  /** Only when the writer asked for it: S3's ETag (the slowest hash here, ~690 MiB/s per core). */
  private readonly fileMd5: Bun.CryptoHasher | undefined;

  /**
   * @param sizeHint the body's announced length (Content-Length), if any: a small file then gets a
   *   small buffer instead of a whole chunk's worth.
   */
  constructor(
    private readonly chunkSize: number,
    private readonly sizeHint?: number,
    /** Where whole-chunk buffers come from (and go back to, through Chunk.release). */
    private readonly buffers?: ChunkBufferPool,
    md5 = false,
  ) {
    if (!Number.isInteger(chunkSize) || chunkSize <= 0) throw new RangeError(`bad chunk size ${chunkSize}`);
    this.fileMd5 = md5 ? new Bun.CryptoHasher("md5") : undefined;
  }

  /** A buffer for the chunk starting at the current offset (uninitialised: only filled bytes are ever read). */
  private allocate(): Uint8Array {
    const remaining = this.sizeHint === undefined ? this.chunkSize : this.sizeHint - this.offset;
    return this.buffer(Math.max(1, Math.min(this.chunkSize, remaining)));
  }

  private buffer(size: number): Uint8Array {
    return size === this.chunkSize && this.buffers ? this.buffers.take(size) : Buffer.allocUnsafe(size);
  }

  /** Bytes seen so far. */
  get size(): number {
    return this.offset + this.fill;
  }

  /** Feeds bytes; returns the chunks completed by them. */
  push(bytes: Uint8Array): Chunk[] {
    const out: Chunk[] = [];
    this.fileHash.update(bytes);
    this.fileMd5?.update(bytes);
    let pos = 0;
    while (pos < bytes.length) {
      this.buf ??= this.allocate();
      if (this.fill === this.buf.length && this.buf.length < this.chunkSize) {
        // The body is longer than announced: grow to a full chunk (one extra copy, only in that case).
        const bigger = this.buffer(this.chunkSize);
        bigger.set(this.buf);
        this.buf = bigger;
      }
      const n = Math.min(this.buf.length - this.fill, bytes.length - pos);
      const piece = bytes.subarray(pos, pos + n);
      this.buf.set(piece, this.fill);
      this.chunkHash.update(piece);
      this.fill += n;
      pos += n;
      if (this.fill === this.chunkSize) out.push(this.cut());
    }
    return out;
  }

  /** The last, partial chunk (if any) and the whole file's SHA-256 (and MD5 when asked). */
  finish(): { last: Chunk | undefined; sha256: string; md5?: string; size: number } {
    const last = this.fill > 0 ? this.cut() : undefined;
    const md5 = this.fileMd5?.digest("hex");
    return { last, sha256: this.fileHash.digest("hex"), ...(md5 === undefined ? {} : { md5 }), size: this.offset };
  }

  private cut(): Chunk {
    const buf = this.buf!;
    const pool = buf.byteLength === this.chunkSize ? this.buffers : undefined;
    const chunk: Chunk = {
      id: this.chunkHash.digest("hex"),
      data: this.fill === buf.length ? buf : buf.subarray(0, this.fill),
      offset: this.offset,
      release: pool && (() => pool.give(buf)),
    };
    this.offset += this.fill;
    this.fill = 0;
    this.chunkHash = new Bun.CryptoHasher("sha256");
    // The next chunk gets a fresh buffer: this one now belongs to the writers in flight.
    this.buf = undefined;
    return chunk;
  }
}
