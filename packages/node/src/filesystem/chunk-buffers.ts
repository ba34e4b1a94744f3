// Chunk buffers reused across uploads. A fresh 4 MiB buffer costs 1,024 page faults on its first fill (about
// 11 µs each on these VMs: more than hashing and sending the chunk), so the buffers of finished chunks are
// kept for the next ones — given back only when no write is using them any more (the coordinator's
// onDataFree: every replica call settled) — and let go after a quiet spell so an idle node's memory shrinks.

export interface ChunkBufferPoolInit {
  /** Free buffers kept at most (each one chunk size). */
  keep: number;
  /** Free buffers are dropped when none was taken for this long. */
  idleMs: number;
}

export class ChunkBufferPool {
  private size = 0;
  private free: Uint8Array[] = [];
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private takenSinceTimer = false;
  /** Buffers handed out that came from the free list rather than fresh memory (for tests and /metrics). */
  reused = 0;

  constructor(private readonly init: ChunkBufferPoolInit = { keep: 4, idleMs: 10_000 }) {}

  /** A buffer of exactly `size` bytes (contents undefined). */
  take(size: number): Uint8Array {
    this.takenSinceTimer = true;
    if (size === this.size) {
      const buf = this.free.pop();
      if (buf) {
        this.reused++;
        return buf;
      }
    }
    return Buffer.allocUnsafeSlow(size);
  }

  /** Gives back a buffer from take() that nothing uses any more. A chunk size that changed drops the old ones. */
  give(buf: Uint8Array): void {
    if (buf.byteOffset !== 0 || buf.byteLength !== buf.buffer.byteLength) return; // not one of ours
    if (buf.byteLength !== this.size) {
      this.size = buf.byteLength;
      this.free = [];
    }
    if (this.free.length >= this.init.keep) return;
    this.free.push(buf);
    this.armIdle();
  }

  /** Free buffers held now. */
  get held(): number {
    return this.free.length;
  }

  private armIdle(): void {
    if (this.idleTimer) return;
    this.takenSinceTimer = false;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.takenSinceTimer) return this.armIdle();
      this.free = [];
    }, this.init.idleMs);
    this.idleTimer.unref?.();
  }
}
