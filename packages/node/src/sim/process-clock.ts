// A simulated process's clock: virtual time from the event queue, its machine's wall-clock skew, and its
// fate. Timers of a dead process never fire (whatever it was doing dies with it); timers that come due
// while it is paused (SIGSTOP) fire when it resumes, as do messages that reach it meanwhile.
import type { Clock, Timer } from "../util/clock.ts";
import type { EventQueue } from "./event-queue.ts";

export class ProcessClock implements Clock {
  alive = true;
  private paused = false;
  private deferred: Array<() => void> = [];

  constructor(
    private readonly events: EventQueue,
    /** Wall-clock ms at virtual time 0 on this machine (the cluster's epoch plus this machine's skew). */
    private readonly wall: () => number,
  ) {}

  now(): number {
    return Math.floor(this.wall() + this.events.now);
  }

  elapsed(): number {
    return this.events.now;
  }

  timer(ms: number, fn: () => void): Timer {
    let live = true;
    this.events.after(Math.max(0, ms), () => {
      if (live) this.run(fn);
    });
    return { cancel: () => (live = false) };
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.timer(ms, resolve));
  }

  /**
   * How far this process's event loop runs behind (an overloaded host): everything it is handed (a message,
   * an answer, a timer that came due) runs this much later. 0: at once.
   */
  lagMs = 0;

  /** Runs `fn` now if the process runs (after its loop's lag), later if it is paused, never if it died. */
  run(fn: () => void): void {
    if (!this.alive) return;
    if (this.paused) this.deferred.push(fn);
    else if (this.lagMs > 0) this.events.after(this.lagMs, () => this.runDue(fn));
    else fn();
  }

  /** A lagged `fn` comes due: the process may have died or been paused meanwhile. */
  private runDue(fn: () => void): void {
    if (!this.alive) return;
    if (this.paused) this.deferred.push(fn);
    else fn();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  pause(): void {
    this.paused = true;
  }

  /** Everything that waited runs, in the order it came due. */
  resume(): void {
    this.paused = false;
    const waiting = this.deferred;
    this.deferred = [];
    for (const fn of waiting) this.run(fn);
  }

  kill(): void {
    this.alive = false;
    this.deferred = [];
  }
}
