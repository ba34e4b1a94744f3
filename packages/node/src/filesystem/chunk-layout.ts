// Where each chunk of a file lies: fixed-size chunks (all chunkSize bytes but the last, found by
// division) or, for a file assembled from other files' chunks, the sizes its manifest lists.
import type { Manifest } from "../metadata/manifest.ts";

export type LaidOut = Pick<Manifest, "size" | "chunkSize" | "chunks" | "chunkSizes">;

/** Each chunk's size in bytes. */
export function chunkSizesOf(m: LaidOut): number[] {
  if (m.chunkSizes) return [...m.chunkSizes];
  return m.chunks.map((_, i) => (i === m.chunks.length - 1 ? m.size - i * m.chunkSize : m.chunkSize));
}

export class ChunkLayout {
  /** starts[i] = offset of chunk i, starts[n] = size; only for files with listed sizes. */
  private readonly starts: Float64Array | undefined;

  constructor(private readonly m: LaidOut) {
    if (m.chunkSizes) {
      this.starts = new Float64Array(m.chunkSizes.length + 1);
      for (let i = 0; i < m.chunkSizes.length; i++) this.starts[i + 1] = this.starts[i]! + m.chunkSizes[i]!;
    }
  }

  offset(i: number): number {
    return this.starts ? this.starts[i]! : i * this.m.chunkSize;
  }

  size(i: number): number {
    if (this.starts) return this.starts[i + 1]! - this.starts[i]!;
    return i === this.m.chunks.length - 1 ? this.m.size - i * this.m.chunkSize : this.m.chunkSize;
  }

  /** The chunk holding byte `offset` (0 for an empty file). */
  indexAt(offset: number): number {
    const starts = this.starts;
    if (!starts) return this.m.chunkSize > 0 ? Math.floor(offset / this.m.chunkSize) : 0;
    // The last i with starts[i] <= offset.
    let lo = 0;
    let hi = Math.max(0, starts.length - 2);
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
