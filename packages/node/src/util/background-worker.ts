// The one shape of every background loop of a node (queue delivery, manifest anti-entropy, surplus sweep,
// chunk anti-entropy, scrub, garbage collection), after Garage's workers: a pass runs, then the worker
// waits an interval (or until woken) and runs again; never two passes at once; a pass that says there is
// more to do runs again at once; a failing pass is logged and counted, and the loop goes on; stop() waits
// for the pass in progress. Each reports the same status, which /api/health lists. A pass that found
// nothing to do may say so ("quiet"): the wait then doubles, up to `quietMaxMs`, until a pass finds work
// or the worker is woken, so an idle node is not woken a dozen times a second by loops with nothing to do
// (a hundred nodes on one host spent their CPU that way).
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import { type Clock, systemClock } from "./clock.ts";

export interface WorkerStatus {
  name: string;
  state: "idle" | "busy" | "stopped";
  passes: number;
  errors: number;
  /** Wall-clock ms when the last pass ended. */
  lastPassAt: number | null;
  lastPassMs: number | null;
  lastError: string | null;
}

export interface BackgroundWorkerInit {
  name: string;
  /** Wait between passes. */
  intervalMs: number;
  /** Wait before the first pass (default: one interval). */
  firstDelayMs?: number;
  /** Longest wait after passes that found nothing to do ("quiet"); default `intervalMs` (no stretching). */
  quietMaxMs?: number;
  clock?: Clock;
  log: Logger;
}

/**
 * What a pass says about the next one: `true`, more work is ready (run again at once); a number, run again
 * in that many ms (e.g. when the next queued item is due); "quiet", nothing was to do (wait longer each time,
 * see `quietMaxMs`); anything else, wait one interval.
 */
export type PassOutcome = boolean | number | "quiet" | void;

/**
 * The longest wait of the node's quiet workers: six intervals, at most 30 s (memberlist's push-pull period),
 * e.g. 5 s anti-entropy rounds stretch to 30 s on an idle cluster.
 */
export function quietMaxMs(intervalMs: number): number {
  return Math.max(intervalMs, Math.min(30_000, 6 * intervalMs));
}

/** A pass (see PassOutcome for what it returns). */
export type WorkerPass = () => Promise<PassOutcome>;

export class BackgroundWorker {
  private readonly clock: Clock;
  private stopped = true;
  private stopRequested = false;
  private loop: Promise<void> | undefined;
  private woken = false;
  /** Quiet passes in a row: each doubles the wait, up to quietMaxMs. */
  private quietStreak = 0;
  private wakeWait: (() => void) | undefined;
  /** While waiting between passes: when the wait ends (elapsed ms) and how to shorten it. */
  private waiting: { until: number; shorten: (ms: number) => void } | undefined;
  private readonly pauses = new Set<() => void>();
  private readonly s: WorkerStatus;

  constructor(
    private readonly init: BackgroundWorkerInit,
    private readonly pass: WorkerPass,
  ) {
    this.clock = init.clock ?? systemClock;
    this.s = { name: init.name, state: "stopped", passes: 0, errors: 0, lastPassAt: null, lastPassMs: null, lastError: null };
  }

  get name(): string {
    return this.init.name;
  }

  /** True once stop() was called (and until the next start): long passes check it between steps. */
  get stopping(): boolean {
    return this.stopRequested;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.stopRequested = false;
    this.s.state = "idle";
    this.loop = this.run();
  }

  /** Runs a pass now, or right after the one in progress. */
  wake(): void {
    this.woken = true;
    this.quietStreak = 0;
    this.wakeWait?.();
  }

  /**
   * Something changed that may give a quiet worker work (a member joined or came back): the quiet streak
   * ends, and a wait stretched beyond one interval ends one interval from now. Unlike wake(), no pass is
   * run at once, so a burst of changes (a hundred nodes joining) does not become a burst of passes.
   */
  unquiet(): void {
    this.quietStreak = 0;
    const w = this.waiting;
    if (w && w.until > this.clock.elapsed() + this.init.intervalMs) w.shorten(this.init.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopRequested = true;
    this.wakeWait?.();
    for (const cut of [...this.pauses]) cut();
    await this.loop;
    this.s.state = "stopped";
  }

  status(): WorkerStatus {
    return { ...this.s };
  }

  /** A pause inside a pass (e.g. a bandwidth cap) that stop() cuts short. */
  sleep(ms: number): Promise<void> {
    if (this.stopRequested) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        timer.cancel();
        this.pauses.delete(done);
        resolve();
      };
      const timer = this.clock.timer(ms, done);
      this.pauses.add(done);
    });
  }

  private async run(): Promise<void> {
    let delay = this.init.firstDelayMs ?? this.init.intervalMs;
    while (!this.stopped) {
      await this.idle(delay);
      if (this.stopped) break;
      this.s.state = "busy";
      const started = this.clock.elapsed();
      let outcome: PassOutcome = undefined;
      try {
        outcome = await this.pass();
        this.s.lastError = null;
      } catch (err) {
        this.s.errors++;
        this.s.lastError = errorMessage(err);
        this.init.log.error(`${this.init.name} pass failed`, { worker: this.init.name, err });
      }
      this.s.passes++;
      this.s.lastPassAt = this.clock.now();
      this.s.lastPassMs = Math.round(this.clock.elapsed() - started);
      this.s.state = "idle";
      delay = this.nextDelay(outcome);
    }
  }

  private nextDelay(outcome: PassOutcome): number {
    const interval = this.init.intervalMs;
    if (outcome !== "quiet") this.quietStreak = 0;
    if (outcome === true) return 0;
    if (typeof outcome === "number") return Math.max(0, outcome);
    if (outcome !== "quiet") return interval;
    const delay = Math.min(Math.max(interval, this.init.quietMaxMs ?? interval), interval * 2 ** this.quietStreak);
    this.quietStreak = Math.min(this.quietStreak + 1, 30);
    return delay;
  }

  /** Waits `ms` between passes, or less when woken or stopped. */
  private idle(ms: number): Promise<void> {
    if (this.woken || ms === 0) {
      this.woken = false;
      return this.clock.sleep(0);
    }
    return new Promise<void>((resolve) => {
      const done = () => {
        timer.cancel();
        this.wakeWait = undefined;
        this.waiting = undefined;
        this.woken = false;
        resolve();
      };
      let timer = this.clock.timer(ms, done);
      this.wakeWait = done;
      this.waiting = {
        until: this.clock.elapsed() + ms,
        shorten: (shorter) => {
          timer.cancel();
          timer = this.clock.timer(shorter, done);
          this.waiting!.until = this.clock.elapsed() + shorter;
        },
      };
    });
  }
}
