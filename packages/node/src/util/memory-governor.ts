// Keeps a node's resident memory near a soft limit while uploads stream through it. Every request body
// piece and socket read is a fresh buffer that lives for microseconds, but the engine collects
// them only when its heap heuristics say so, and those count the small JS heap, not the megabytes of buffers
// hanging off it: measured, four parallel 128 MiB uploads took a coordinator from 84 to 232 MiB, 60 MiB of
// it garbage. Like Go's GOMEMLIMIT, the governor asks for a full collection when the process is above its
// limit, checked once per `checkEveryBytes` streamed, and leaves at least 25 times the last collection's
// time (and `minGapMs`) before the next: at most 4 % of a core, and only under pressure (a full collection of
// a node's heap takes 8-17 ms here).

export interface MemoryGovernorInit {
  /** Resident bytes above which a collection is asked for. */
  softLimitBytes: number;
  /** Streamed bytes between two looks at the resident size, hence between two collections (default 32 MiB). */
  checkEveryBytes?: number;
  /** Least time between two collections (default 250 ms; longer when collections are slow, see above). */
  minGapMs?: number;
  /** The process's resident bytes now. */
  rss?: () => number;
  /** A full, synchronous collection. */
  collect?: () => void;
  now?: () => number;
}

/**
 * The garbage a collection can free is the buffers streamed since the last one; a node whose live memory sits
 * near the limit was collected every 8 MiB (128 full collections per GiB, 9 % of an S3 node's and 16 % of a
 * replica's JS samples under a loaded machine, where the 4 % cap of wall time is a larger share of a slow upload's
 * CPU). Spaced by bytes, the cost is per GiB, not per second.
 */
export const DEFAULT_CHECK_EVERY_BYTES = 32 << 20;

/** A collection is followed by at least this many times its own duration without one (≤ 4 % of a core). */
const COST_FACTOR = 25;

export class MemoryGovernor {
  private sinceCheck = 0;
  /** When the next collection may be asked for. */
  private nextAllowed = Number.NEGATIVE_INFINITY;
  private readonly checkEvery: number;
  private readonly minGapMs: number;
  private readonly rss: () => number;
  private readonly collect: () => void;
  private readonly now: () => number;
  /** Collections asked for so far (for /metrics and tests). */
  collections = 0;

  constructor(readonly init: MemoryGovernorInit) {
    this.checkEvery = init.checkEveryBytes ?? DEFAULT_CHECK_EVERY_BYTES;
    this.minGapMs = init.minGapMs ?? 250;
    this.rss = init.rss ?? (() => process.memoryUsage.rss());
    this.collect = init.collect ?? (() => Bun.gc(true));
    this.now = init.now ?? (() => performance.now());
  }

  /** `bytes` more went through the process in fresh buffers. */
  note(bytes: number): void {
    this.sinceCheck += bytes;
    if (this.sinceCheck < this.checkEvery) return;
    this.sinceCheck = 0;
    const now = this.now();
    if (now < this.nextAllowed) return;
    if (this.rss() <= this.init.softLimitBytes) return;
    this.collections++;
    this.collect();
    const took = this.now() - now;
    this.nextAllowed = now + Math.max(this.minGapMs, COST_FACTOR * took);
  }
}

/** The node's governor: one per process, since the engine's heap is. Unset (tests, the CLI): nothing is done. */
let active: MemoryGovernor | undefined;

export function governMemory(governor: MemoryGovernor | undefined): void {
  active = governor;
}

export function activeMemoryGovernor(): MemoryGovernor | undefined {
  return active;
}

/**
 * Called where uploaded bytes arrive in fresh buffers: request bodies and incoming chunk frames. Not on
 * downloads: there, forced collections cost a third of a cold read's speed (255 against 365 MB/s via another
 * node, `bun`-measured on 512 MiB): the freed pages go back to the kernel and are faulted in again.
 */
export function noteStreamedBytes(bytes: number): void {
  active?.note(bytes);
}

export interface MemoryAfterCollection {
  /** Bytes the engine's heap holds after the collection: what is live, not garbage. */
  heapBytes: number;
  /** The process's resident bytes right after it (freed pages may take up to MIMALLOC_PURGE_DELAY to leave). */
  rssBytes: number;
  tookMs: number;
}

/**
 * A full collection now, and what is left: the figure that tells a leak from garbage not yet collected
 * (resident memory alone saws by a third with the engine's timing). `orrery node` runs it on SIGUSR2.
 */
export function collectAndMeasure(): MemoryAfterCollection {
  const t0 = performance.now();
  Bun.gc(true);
  const tookMs = performance.now() - t0;
  const usage = process.memoryUsage();
  return { heapBytes: usage.heapUsed, rssBytes: usage.rss, tookMs };
}
