// Chunk buffers of uploads, node-wide: bounded and reused.
// - Bounded: every upload's chunk buffers (the one filling and the ones being placed) come from here, and the
//   node never holds more than `limitBytes` of them. An upload that would pass the limit waits for another
//   chunk to be placed, which stops it reading its body, which throttles its client through TCP; so ten S3
//   parts in flight cost the limit, not ten times three chunks (measured: 304 MiB resident before).
// - Reused: a fresh 4 MiB buffer costs 1,024 page faults on its first fill (about 11 µs each on these VMs:
//   more than hashing and sending the chunk), so the buffers of finished chunks are kept for the next ones —
//   given back only when no write is using them any more (the coordinator's onDataFree: every replica call
//   settled) — and let go after a quiet spell so an idle node's memory shrinks.
// - Lent: a buffer may outlive its write when someone keeps its bytes (S3 parts waiting for their turn in the
//   object's digest); such keepers register a relief, asked to let go of what they keep whenever a take waits.

export interface ChunkBufferPoolInit {
  /** Bytes of buffers handed out and kept free together, at most (one buffer is always granted). */
  limitBytes?: number;
  /** Free buffers kept at most (each one chunk size). */
  keep?: number;
  /** Free buffers are dropped when none was taken for this long. */
  idleMs?: number;
}

export class ChunkBufferPool {
  /** The size of the buffers kept for reuse: the last full chunk size given back. */
  private size = 0;
  private free: Uint8Array[] = [];
  /** Bytes handed out and not given back. */
  private out = 0;
  private readonly waiters: Array<{ size: number; grant: (buf: Uint8Array) => void }> = [];
  /** Asked, one after another, to give back buffers they keep beyond their writes; true when one let go of some. */
  private readonly reliefs: Array<() => boolean> = [];
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private takenSinceTimer = false;
  private readonly limit: number;
  private readonly keep: number;
  private readonly idleMs: number;
  /** Buffers handed out that came from the free list rather than fresh memory (for tests and /metrics). */
  reused = 0;
  /** Takes that had to wait for the limit (for tests and /metrics). */
  waited = 0;

  constructor(init: ChunkBufferPoolInit = {}) {
    this.limit = init.limitBytes ?? Number.POSITIVE_INFINITY;
    this.keep = init.keep ?? 4;
    this.idleMs = init.idleMs ?? 10_000;
  }

  /**
   * A buffer of exactly `size` bytes (contents undefined), once the limit allows it: callers are served in
   * order, and a request that finds nothing handed out is served whatever its size.
   */
  take(size: number): Promise<Uint8Array> {
    this.takenSinceTimer = true;
    if (this.waiters.length === 0) {
      const buf = this.grant(size);
      if (buf) return Promise.resolve(buf);
    }
    this.waited++;
    let served = false;
    const waiting = new Promise<Uint8Array>((grant) =>
      this.waiters.push({
        size,
        grant: (buf) => {
          served = true;
          grant(buf);
        },
      }),
    );
    // Bytes kept beyond their writes must not stall writes: their keepers let go (and read them back later).
    while (!served && this.reliefs.some((relieve) => relieve()));
    return waiting;
  }

  /** `relieve` gives back (through give) some of the buffers its owner keeps beyond their writes; false when it keeps none. */
  addRelief(relieve: () => boolean): void {
    this.reliefs.push(relieve);
  }

  /**
   * Gives back a buffer from take() that nothing uses any more. A `reusable` one (a whole chunk's size) is
   * kept for the next take of that size; a chunk size that changed drops the old ones.
   */
  give(buf: Uint8Array, reusable = true): void {
    if (buf.byteOffset !== 0 || buf.byteLength !== buf.buffer.byteLength) return; // not one of ours
    this.out = Math.max(0, this.out - buf.byteLength);
    if (reusable) {
      if (buf.byteLength !== this.size) {
        this.size = buf.byteLength;
        this.free = [];
      }
      if (this.free.length < this.keep) {
        this.free.push(buf);
        this.armIdle();
      }
    }
    this.serveWaiters();
  }

  /** Free buffers held now. */
  get held(): number {
    return this.free.length;
  }

  /** Bytes handed out and not given back. */
  get outstanding(): number {
    return this.out;
  }

  /** A buffer now if the limit allows (dropping free buffers of the wrong size to make room), else undefined. */
  private grant(size: number): Uint8Array | undefined {
    if (size === this.size && this.free.length > 0) {
      this.reused++;
      this.out += size;
      return this.free.pop()!;
    }
    const freeBytes = () => this.free.reduce((s, b) => s + b.byteLength, 0);
    while (this.free.length > 0 && this.out + freeBytes() + size > this.limit) this.free.pop();
    if (this.out > 0 && this.out + freeBytes() + size > this.limit) return undefined;
    this.out += size;
    return Buffer.allocUnsafeSlow(size);
  }

  private serveWaiters(): void {
    while (this.waiters.length > 0) {
      const buf = this.grant(this.waiters[0]!.size);
      if (!buf) return;
      this.waiters.shift()!.grant(buf);
    }
  }

  private armIdle(): void {
    if (this.idleTimer) return;
    this.takenSinceTimer = false;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.takenSinceTimer) return this.armIdle();
      this.free = [];
    }, this.idleMs);
    this.idleTimer.unref?.();
  }
}
