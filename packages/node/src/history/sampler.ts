// Feeds a node's TrafficHistory: every SAMPLE_MS, the traffic counters of its FileSystem and what its store
// holds and offers. A BackgroundWorker like the node's other loops (its status in /api/health).
import type { Logger } from "../log.ts";
import { BackgroundWorker } from "../util/background-worker.ts";
import type { Clock } from "../util/clock.ts";
import { SAMPLE_MS, type Sample, TrafficHistory } from "./history.ts";

export interface HistorySources {
  traffic: () => { written: number; read: number };
  storedBytes: () => number;
  capacityBytes: () => number;
  now?: () => number;
}

export class HistorySampler {
  readonly history = new TrafficHistory();
  readonly worker: BackgroundWorker;

  constructor(sources: HistorySources, log: Logger, intervalMs = SAMPLE_MS, clock?: Clock) {
    const now = sources.now ?? Date.now;
    this.worker = new BackgroundWorker({ name: "history", intervalMs, firstDelayMs: 0, log, clock }, async () => {
      const { written, read } = sources.traffic();
      const sample: Sample = { t: now(), written, read, storedBytes: sources.storedBytes(), capacityBytes: sources.capacityBytes() };
      this.history.add(sample);
    });
  }
}
