// The large test file, generated on the fly: a 16 MiB random pool repeated, with a prefix naming the run and
// the chunk index at the start of every chunk, so no two chunks share a hash and nothing is deduplicated.
import { MiB } from "./stats.ts";

const POOL_SIZE = 16 * MiB;
const PIECE_SIZE = 1 * MiB;
const PREFIX_SIZE = 64;

export interface PayloadSpec {
  size: number;
  /** The cluster's chunk size: the prefix lands at the start of each chunk. */
  chunkSize: number;
  /** Makes this run's chunks distinct from any earlier run's. */
  nonce: string;
}

export class Payload {
  private readonly pool = new Uint8Array(POOL_SIZE);

  constructor(readonly spec: PayloadSpec) {
    if (spec.chunkSize < PREFIX_SIZE) throw new RangeError(`chunk size ${spec.chunkSize} is below ${PREFIX_SIZE} bytes`);
    for (let o = 0; o < POOL_SIZE; o += 65536) crypto.getRandomValues(this.pool.subarray(o, o + 65536));
  }

  private prefix(chunkIndex: number): Uint8Array {
    const text = `orrery-bench ${this.spec.nonce} chunk ${chunkIndex}\n`.padEnd(PREFIX_SIZE, "-");
    return new TextEncoder().encode(text).subarray(0, PREFIX_SIZE);
  }

  /**
   * The file as fresh buffers of at most 1 MiB (fresh because a stream consumer may keep them). A piece never
   * crosses a chunk or pool boundary, so a chunk's prefix is always at the start of a piece.
   */
  *pieces(): Generator<Uint8Array<ArrayBuffer>> {
    const { size, chunkSize } = this.spec;
    for (let pos = 0; pos < size; ) {
      const inChunk = pos % chunkSize;
      const inPool = pos % POOL_SIZE;
      const n = Math.min(PIECE_SIZE, size - pos, chunkSize - inChunk, POOL_SIZE - inPool);
      const piece = this.pool.slice(inPool, inPool + n);
      if (inChunk === 0) {
        const p = this.prefix(Math.floor(pos / chunkSize));
        piece.set(p.subarray(0, Math.min(p.length, n)));
      } else if (inChunk < PREFIX_SIZE) {
        // Only when a piece boundary falls inside a prefix, which PIECE_SIZE >= PREFIX_SIZE rules out; kept for safety.
        const p = this.prefix(Math.floor(pos / chunkSize));
        piece.set(p.subarray(inChunk, Math.min(PREFIX_SIZE, inChunk + n)));
      }
      yield piece;
      pos += n;
    }
  }

  /** SHA-256 (hex) of the whole file, computed without timing anything. */
  sha256(): string {
    const h = new Bun.CryptoHasher("sha256");
    for (const p of this.pieces()) h.update(p);
    return h.digest("hex");
  }

  /** Block-sized slices of the random pool, for the raw disk ceiling. */
  poolBlock(index: number, blockSize: number): Uint8Array {
    const off = (index * blockSize) % POOL_SIZE;
    return this.pool.subarray(off, Math.min(POOL_SIZE, off + blockSize));
  }
}
