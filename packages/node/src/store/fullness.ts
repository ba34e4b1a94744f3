// Whether this node's chunk store takes new chunks, as the cluster is told (the `full` flag in its gossiped
// record). Full when less than one chunk of room is left; room again only past a margin, so a disk hovering
// at MIN_FREE_MB does not flip the cluster's placement (and a placement check on every node) back and forth.
import type { Logger } from "../log.ts";
import { BackgroundWorker, type PassOutcome, quietMaxMs } from "../util/background-worker.ts";
import type { Clock } from "../util/clock.ts";

export interface FullnessThresholds {
  /** Full when the store's headroom drops below this many bytes. */
  fullBelow: number;
  /** A full store has room again once its headroom reaches this many bytes. */
  roomAbove: number;
}

const GiB = 1024 ** 3;

/** Room beyond the thresholds above which the checks may space out (see FullnessMonitor.pass). */
const QUIET_ROOM = 16 * GiB;

/**
 * Full below one chunk of room (the next chunk may not fit); room again at four chunks or 1% of the
 * capacity (at most 1 GiB), whichever is more.
 */
export function fullnessThresholds(chunkSize: number, capacityBytes: number): FullnessThresholds {
  return { fullBelow: chunkSize, roomAbove: Math.max(4 * chunkSize, Math.min(GiB, capacityBytes / 100)) };
}

/** Pure: is the store full now, given whether it was and how much room it has. */
export function decideFull(wasFull: boolean, headroom: number, t: FullnessThresholds): boolean {
  return wasFull ? headroom < t.roomAbove : headroom < t.fullBelow;
}

export interface FullnessMonitorComponents {
  /** Bytes of new chunks the store can still take (ChunkStore.headroom). */
  headroom: () => number;
  /** Called when the store becomes full or has room again; membership announces it. */
  onChange: (full: boolean) => void;
  log: Logger;
  clock?: Clock;
}

/** Checks the store's headroom every `intervalMs` (and on demand) and reports changes of fullness. */
export class FullnessMonitor {
  readonly worker: BackgroundWorker;
  private fullValue: boolean;

  /** `thresholds` is asked at every check: they follow the chunk size in force, a live setting. */
  constructor(
    private readonly init: { intervalMs: number; thresholds: () => FullnessThresholds },
    private readonly c: FullnessMonitorComponents,
  ) {
    // The first reading has no history: only the "full" threshold applies.
    this.fullValue = decideFull(false, c.headroom(), init.thresholds());
    this.worker = new BackgroundWorker(
      { name: "store fullness", intervalMs: init.intervalMs, quietMaxMs: quietMaxMs(init.intervalMs), clock: c.clock, log: c.log },
      async () => this.pass(),
    );
  }

  /**
   * One check; "quiet" while the store has so much room that no write could use it up before the next check at
   * the longest wait (QUIET_ROOM: 16 GiB in at most 6 s is 2.8 GB/s, beyond what a node's disk takes), so an
   * idle node is not woken every second for it. (The store refuses chunks below MIN_FREE_MB in any case.)
   */
  private pass(): PassOutcome {
    const headroom = this.c.headroom();
    const thresholds = this.init.thresholds();
    this.update(headroom, thresholds);
    return !this.fullValue && headroom > thresholds.roomAbove + QUIET_ROOM ? "quiet" : undefined;
  }

  get full(): boolean {
    return this.fullValue;
  }

  start(): void {
    this.worker.start();
  }

  stop(): Promise<void> {
    return this.worker.stop();
  }

  /** Re-reads the headroom; returns whether the store is full. */
  check(): boolean {
    return this.update(this.c.headroom(), this.init.thresholds());
  }

  private update(headroom: number, thresholds: FullnessThresholds): boolean {
    const full = decideFull(this.fullValue, headroom, thresholds);
    if (full !== this.fullValue) {
      this.fullValue = full;
      if (full) this.c.log.warn("store full: this node takes no new chunks; the next nodes on the ring take its share", { headroomBytes: headroom });
      else this.c.log.info("store has room again: this node takes new chunks", { headroomBytes: headroom });
      this.c.onChange(full);
    }
    return full;
  }
}
