// Splits a byte stream into fixed-size chunks, copying each network byte exactly once (into the
// chunk's own buffer), and hashes each chunk and the whole file on the way through.

export interface Chunk {
  /** SHA-256 of data, lowercase hex: the chunk's name. */
  id: string;
  data: Uint8Array;
  /** Offset of the chunk in the file. */
  offset: number;
}

export class Chunker {
  private buf: Uint8Array;
  private fill = 0;
  private offset = 0;
  private chunkHash = new Bun.CryptoHasher("sha256");
  private readonly fileHash = new Bun.CryptoHasher("sha256");

  constructor(private readonly chunkSize: number) {
    if (!Number.isInteger(chunkSize) || chunkSize <= 0) throw new RangeError(`bad chunk size ${chunkSize}`);
    this.buf = new Uint8Array(chunkSize);
  }

  /** Bytes seen so far. */
  get size(): number {
    return this.offset + this.fill;
  }

  /** Feeds bytes; returns the chunks completed by them. */
  push(bytes: Uint8Array): Chunk[] {
    const out: Chunk[] = [];
    this.fileHash.update(bytes);
    let pos = 0;
    while (pos < bytes.length) {
      const n = Math.min(this.chunkSize - this.fill, bytes.length - pos);
      const piece = bytes.subarray(pos, pos + n);
      this.buf.set(piece, this.fill);
      this.chunkHash.update(piece);
      this.fill += n;
      pos += n;
      if (this.fill === this.chunkSize) out.push(this.cut());
    }
    return out;
  }

  /** The last, partial chunk (if any) and the whole file's SHA-256. */
  finish(): { last: Chunk | undefined; sha256: string; size: number } {
    const last = this.fill > 0 ? this.cut() : undefined;
    return { last, sha256: this.fileHash.digest("hex"), size: this.offset };
  }

  private cut(): Chunk {
    const chunk: Chunk = {
      id: this.chunkHash.digest("hex"),
      data: this.fill === this.chunkSize ? this.buf : this.buf.subarray(0, this.fill),
      offset: this.offset,
    };
    this.offset += this.fill;
    this.fill = 0;
    this.chunkHash = new Bun.CryptoHasher("sha256");
    // A fresh buffer per chunk: the previous one now belongs to the writers in flight.
    this.buf = new Uint8Array(this.chunkSize);
    return chunk;
  }
}
