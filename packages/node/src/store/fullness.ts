// Whether this node's chunk store takes new chunks, as the cluster is told (the `full` flag in its gossiped
// record). Full when less than one chunk of room is left; room again only past a margin, so a disk hovering
// at MIN_FREE_MB does not flip the cluster's placement (and a placement check on every node) back and forth.
import type { Logger } from "../log.ts";
import { BackgroundWorker } from "../util/background-worker.ts";
import type { Clock } from "../util/clock.ts";

export interface FullnessThresholds {
  /** Full when the store's headroom drops below this many bytes. */
  fullBelow: number;
  /** A full store has room again once its headroom reaches this many bytes. */
  roomAbove: number;
}

const GiB = 1024 ** 3;

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
    this.worker = new BackgroundWorker({ name: "store fullness", intervalMs: init.intervalMs, clock: c.clock, log: c.log }, async () => {
      this.check();
    });
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
    const headroom = this.c.headroom();
    const full = decideFull(this.fullValue, headroom, this.init.thresholds());
    if (full !== this.fullValue) {
      this.fullValue = full;
      if (full) this.c.log.warn("store full: this node takes no new chunks; the next nodes on the ring take its share", { headroomBytes: headroom });
      else this.c.log.info("store has room again: this node takes new chunks", { headroomBytes: headroom });
      this.c.onChange(full);
    }
    return full;
  }
}
