// The one shape of every background loop of a node (queue delivery, manifest anti-entropy, surplus sweep,
// chunk anti-entropy, scrub, garbage collection), after Garage's workers: a pass runs, then the worker
// waits an interval (or until woken) and runs again; never two passes at once; a pass that says there is
// more to do runs again at once; a failing pass is logged and counted, and the loop goes on; stop() waits
// for the pass in progress. Each reports the same status, which /api/health lists.
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
  clock?: Clock;
  log: Logger;
}

/** A pass; `true` means more work is ready, so the next pass runs at once. */
export type WorkerPass = () => Promise<boolean | void>;

export class BackgroundWorker {
  private readonly clock: Clock;
  private stopped = true;
  private stopRequested = false;
  private loop: Promise<void> | undefined;
  private woken = false;
  private wakeWait: (() => void) | undefined;
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
    this.wakeWait?.();
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
      let again = false;
      try {
        again = (await this.pass()) === true;
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
      delay = again ? 0 : this.init.intervalMs;
    }
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
        this.woken = false;
        resolve();
      };
      const timer = this.clock.timer(ms, done);
      this.wakeWait = done;
    });
  }
}
