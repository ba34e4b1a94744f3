// Splits a byte stream into fixed-size chunks, copying each network byte exactly once (into the
// chunk's own buffer), and hashes each chunk and the whole file on the way through (SHA-256, and
// MD5 for S3's ETag when asked). The file's SHA-256 over its first chunk is that chunk's own hash state,
// taken over when the chunk is cut: a file of one chunk (an S3 part's first 4 MiB) is hashed once, not twice.

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
  /** The current chunk's buffer, supplied when its first byte is due, sized to what is expected (≤ chunkSize). */
  private buf: Uint8Array | undefined;
  private fill = 0;
  private offset = 0;
  private chunkHash = new Bun.CryptoHasher("sha256");
  /** Fed from the second chunk on; until the first is cut, the chunk's hash stands for it (see cut()). */
  private fileHash = new Bun.CryptoHasher("sha256");
  /** Only when the writer asked for it: S3's ETag (the slowest hash here, ~690 MiB/s per core). */
  private readonly fileMd5: Bun.CryptoHasher | undefined;

  /**
   * @param sizeHint the body's announced length (Content-Length), if any: a small file then gets a
   *   small buffer instead of a whole chunk's worth.
   * @param release where a supplied buffer goes once nothing uses it (through Chunk.release, or when
   *   replaced or abandoned); `reusable` when it is a whole chunk's size.
   */
  constructor(
    private readonly chunkSize: number,
    private readonly sizeHint?: number,
    private readonly release?: (buf: Uint8Array, reusable: boolean) => void,
    md5 = false,
  ) {
    if (!Number.isInteger(chunkSize) || chunkSize <= 0) throw new RangeError(`bad chunk size ${chunkSize}`);
    this.fileMd5 = md5 ? new Bun.CryptoHasher("md5") : undefined;
  }

  /** Bytes seen so far. */
  get size(): number {
    return this.offset + this.fill;
  }

  /**
   * The size of the buffer the next byte needs (supply one of exactly this size), or 0 when the current one
   * has room. A body longer than announced outgrows its small buffer: then a whole chunk's is needed.
   */
  get bufferNeeded(): number {
    if (!this.buf) {
      const remaining = this.sizeHint === undefined ? this.chunkSize : this.sizeHint - this.offset;
      return Math.max(1, Math.min(this.chunkSize, remaining));
    }
    return this.fill === this.buf.length && this.buf.length < this.chunkSize ? this.chunkSize : 0;
  }

  /** Hands over the buffer that bufferNeeded asked for (contents undefined; only filled bytes are read). */
  supply(buf: Uint8Array): void {
    if (buf.byteLength !== this.bufferNeeded) throw new RangeError(`supplied ${buf.byteLength} bytes, needed ${this.bufferNeeded}`);
    const old = this.buf;
    if (old) {
      // The body is longer than announced: one extra copy, only in that case.
      buf.set(old.subarray(0, this.fill));
      this.release?.(old, false);
    }
    this.buf = buf;
  }

  /**
   * Copies as much of `bytes` as the current buffer holds (it must have room: see bufferNeeded); answers how
   * many were taken and the chunk they completed, if any.
   */
  take(bytes: Uint8Array): { used: number; chunk?: Chunk } {
    const buf = this.buf;
    if (!buf || this.bufferNeeded !== 0) throw new Error("the chunker needs a buffer first");
    const used = Math.min(buf.length - this.fill, bytes.length);
    buf.set(bytes.subarray(0, used), this.fill);
    // Hashed where the chunk's bytes now lie: its id is the hash of exactly what the coordinator stores
    // (its own copy is not hashed again, ChunkStorage.putSelfHashed).
    const piece = buf.subarray(this.fill, this.fill + used);
    this.chunkHash.update(piece);
    if (this.offset > 0) this.fileHash.update(piece);
    this.fileMd5?.update(piece);
    this.fill += used;
    return this.fill === this.chunkSize ? { used, chunk: this.cut() } : { used };
  }

  /** Feeds bytes with buffers of its own (no pool, no waiting); returns the chunks completed by them. */
  push(bytes: Uint8Array): Chunk[] {
    const out: Chunk[] = [];
    let rest = bytes;
    while (rest.byteLength > 0) {
      if (this.bufferNeeded) this.supply(Buffer.allocUnsafe(this.bufferNeeded));
      const { used, chunk } = this.take(rest);
      if (chunk) out.push(chunk);
      rest = rest.subarray(used);
    }
    return out;
  }

  /** The last, partial chunk (if any) and the whole file's SHA-256 (and MD5 when asked). */
  finish(): { last: Chunk | undefined; sha256: string; md5?: string; size: number } {
    const last = this.fill > 0 ? this.cut() : undefined;
    if (this.buf) this.abandon(); // supplied, never filled
    const md5 = this.fileMd5?.digest("hex");
    return { last, sha256: this.fileHash.digest("hex"), ...(md5 === undefined ? {} : { md5 }), size: this.offset };
  }

  /** Gives back the buffer of a chunk that will never be cut (the upload failed). */
  abandon(): void {
    const buf = this.buf;
    this.buf = undefined;
    this.fill = 0;
    if (buf) this.release?.(buf, buf.byteLength === this.chunkSize);
  }

  private cut(): Chunk {
    const buf = this.buf!;
    const release = this.release;
    // The first chunk's bytes are the file's first bytes: the file's hash goes on from the chunk's state.
    if (this.offset === 0) this.fileHash = this.chunkHash.copy();
    const chunk: Chunk = {
      id: this.chunkHash.digest("hex"),
      data: this.fill === buf.length ? buf : buf.subarray(0, this.fill),
      offset: this.offset,
      release: release && (() => release(buf, buf.byteLength === this.chunkSize)),
    };
    this.offset += this.fill;
    this.fill = 0;
    this.chunkHash = new Bun.CryptoHasher("sha256");
    // The next chunk gets another buffer: this one now belongs to the writers in flight.
    this.buf = undefined;
    return chunk;
  }
}
