// A clock that moves only when told (unit tests): timers run in time order as `advance` passes them, with
// promise continuations settled between timers, so code under test runs as it would on the system clock.
import type { Clock, Timer } from "./clock.ts";

interface Pending {
  at: number;
  order: number;
  fn: () => void;
  live: boolean;
}

export class ManualClock implements Clock {
  private t = 0;
  private order = 0;
  private readonly pending: Pending[] = [];

  constructor(private readonly epochMs = 1_700_000_000_000) {}

  now(): number {
    return this.epochMs + this.t;
  }

  elapsed(): number {
    return this.t;
  }

  timer(ms: number, fn: () => void): Timer {
    const p: Pending = { at: this.t + Math.max(0, ms), order: this.order++, fn, live: true };
    this.pending.push(p);
    return { cancel: () => (p.live = false) };
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.timer(ms, resolve));
  }

  /** Moves time forward by `ms`, running every timer due on the way. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await settle();
    for (;;) {
      const next = this.nextDue(end);
      if (!next) break;
      this.t = next.at;
      next.live = false;
      next.fn();
      await settle();
    }
    this.t = end;
  }

  private nextDue(end: number): Pending | undefined {
    let best: Pending | undefined;
    for (const p of this.pending) {
      if (!p.live || p.at > end) continue;
      if (!best || p.at < best.at || (p.at === best.at && p.order < best.order)) best = p;
    }
    if (best) this.pending.splice(this.pending.indexOf(best), 1);
    for (let i = this.pending.length - 1; i >= 0; i--) if (!this.pending[i]!.live) this.pending.splice(i, 1);
    return best;
  }
}

/** Lets every ready promise continuation run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
