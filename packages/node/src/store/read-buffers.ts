// Memory that large chunk reads are read into, reused: a fresh 4 MiB buffer per chunk kept the collector busy
// (a quarter of a cold read's CPU went to marking and sweeping) and its pages were faulted in again. Buffers are
// aligned for O_DIRECT; one comes back only when whoever holds its bytes gave it back (util/lent-bytes.ts).
import { alignedBuffer, DIRECT_ALIGN } from "./direct-io.ts";

export interface ReadBuffersInit {
  /** Free buffers kept at most. */
  keep?: number;
  /** Free buffers are dropped when none was taken for this long. */
  idleMs?: number;
}

export class ReadBuffers {
  private free: Buffer[] = [];
  /** The buffers this pool made, by their memory: give() takes back only those, once each. */
  private readonly mine = new WeakMap<ArrayBufferLike, Buffer>();
  private readonly out = new WeakSet<Buffer>();
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly keep: number;
  private readonly idleMs: number;
  /** Takes served from the free list (for tests). */
  reused = 0;

  constructor(init: ReadBuffersInit = {}) {
    this.keep = init.keep ?? 4;
    this.idleMs = init.idleMs ?? 10_000;
  }

  /** An aligned buffer of `size` bytes rounded up to DIRECT_ALIGN (contents undefined). */
  take(size: number): Buffer {
    const capacity = Math.max(DIRECT_ALIGN, Math.ceil(size / DIRECT_ALIGN) * DIRECT_ALIGN);
    const i = this.free.findIndex((b) => b.byteLength === capacity);
    let buf: Buffer;
    if (i >= 0) {
      buf = this.free.splice(i, 1)[0]!;
      this.reused++;
    } else {
      buf = alignedBuffer(capacity);
      this.mine.set(buf.buffer, buf);
    }
    this.out.add(buf);
    return buf;
  }

  /** Gives back the buffer `bytes` lie in, when it is one of this pool's and out: nothing may use its memory any more. */
  give(bytes: Uint8Array): void {
    const buf = this.mine.get(bytes.buffer);
    if (buf === undefined || !this.out.has(buf)) return;
    this.out.delete(buf);
    if (this.free.length >= this.keep) this.free.shift();
    this.free.push(buf);
    this.dropWhenIdle();
  }

  /** Free buffers held now. */
  get held(): number {
    return this.free.length;
  }

  /** Free buffers go idleMs after the last one came back (a read gives one back per chunk it sends). */
  private dropWhenIdle(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => (this.free = []), this.idleMs);
    this.idleTimer.unref?.();
  }
}
