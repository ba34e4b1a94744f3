// One scheduler for a node's timers: a timer of a second or more (a background loop's wait, a debounce) may run
// up to a quarter of its wait (at most a second) late, so the loops and the gossip probe share wake-ups instead
// of each waking an idle node on its own. Timers are never run early; short ones run on time.
import type { Clock, Timer } from "./clock.ts";

export interface CoalescingInit {
  /** Timers shorter than this run on time (default 1000 ms). */
  minMs?: number;
  /** The most any timer may run late (default 1000 ms: the gossip probe's period, so a loop rides on a probe). */
  maxSlackMs?: number;
}

interface Entry {
  /** Due (elapsed ms): never run before. */
  at: number;
  /** Run by then at the latest. */
  latest: number;
  fn: () => void;
}

/**
 * A Clock over `base` whose long timers wait for a wake-up that happens anyway: they run when any timer of
 * this clock fires at or after their time (an `exact` one, like the gossip timer, included), or at their
 * latest on one underlying timer shared by all of them.
 */
export class CoalescingClock implements Clock {
  private readonly minMs: number;
  private readonly maxSlackMs: number;
  private readonly pending = new Set<Entry>();
  /** The one underlying timer for the long timers, at the earliest `latest` among them. */
  private armed: { at: number; timer: Timer } | undefined;
  /** Times the long timers' underlying timer fired (a wake-up of their own), for tests and /metrics. */
  ownWakeups = 0;

  constructor(
    private readonly base: Clock,
    init: CoalescingInit = {},
  ) {
    this.minMs = init.minMs ?? 1000;
    this.maxSlackMs = init.maxSlackMs ?? 1000;
  }

  now(): number {
    return this.base.now();
  }

  elapsed(): number {
    return this.base.elapsed();
  }

  /** How late a timer of `ms` may run. */
  slackFor(ms: number): number {
    return ms < this.minMs ? 0 : Math.min(this.maxSlackMs, Math.floor(ms / 4));
  }

  timer(ms: number, fn: () => void): Timer {
    const slack = this.slackFor(ms);
    if (slack === 0) return this.exact(ms, fn);
    const at = this.base.elapsed() + ms;
    const entry: Entry = { at, latest: at + slack, fn };
    this.pending.add(entry);
    this.arm();
    return {
      cancel: () => {
        if (this.pending.delete(entry)) this.arm();
      },
    };
  }

  /** A timer that runs on time whatever its length; when it fires, the long timers already due run with it. */
  exact(ms: number, fn: () => void): Timer {
    return this.base.timer(ms, () => {
      try {
        fn();
      } finally {
        this.runDue();
      }
    });
  }

  sleep(ms: number): Promise<void> {
    if (this.slackFor(ms) === 0) return this.base.sleep(ms);
    return new Promise((resolve) => this.timer(ms, resolve));
  }

  /** Runs every long timer that is due (in the order they fall due), then re-arms for the rest. */
  private runDue(): void {
    const now = this.base.elapsed();
    const due = [...this.pending].filter((e) => e.at <= now).sort((a, b) => a.at - b.at);
    for (const e of due) this.pending.delete(e);
    // One timer's error must not cost the others their turn; it is thrown afterwards, as its own timer would have.
    let failed: { err: unknown } | undefined;
    for (const e of due) {
      try {
        e.fn();
      } catch (err) {
        failed ??= { err };
      }
    }
    this.arm();
    if (failed) throw failed.err;
  }

  /** Keeps the underlying timer at the earliest `latest`, moved later as well as earlier (a cancel can leave it early). */
  private arm(): void {
    let latest = Number.POSITIVE_INFINITY;
    for (const e of this.pending) latest = Math.min(latest, e.latest);
    if (this.armed?.at === latest) return;
    this.armed?.timer.cancel();
    this.armed = undefined;
    if (!Number.isFinite(latest)) return;
    const timer = this.base.timer(Math.max(0, latest - this.base.elapsed()), () => {
      this.armed = undefined;
      this.ownWakeups++;
      this.runDue();
    });
    this.armed = { at: latest, timer };
  }
}
