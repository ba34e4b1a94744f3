// Time as every component sees it: the wall clock (timestamps, versions), a monotonic clock (durations) and
// timers. Injected everywhere so that the simulator runs the real components on virtual time, and a node
// process's timers die with it there. `systemClock` is the real thing.

export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Wall-clock milliseconds since the Unix epoch (may jump; may be skewed from other nodes'). */
  now(): number;
  /** Monotonic milliseconds, for measuring durations. */
  elapsed(): number;
  /** Runs `fn` once after `ms` unless cancelled first. */
  timer(ms: number, fn: () => void): Timer;
  /** Resolves after `ms` (0: after other ready work has had a turn). */
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  elapsed: () => performance.now(),
  timer(ms, fn) {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  },
  sleep: (ms) => Bun.sleep(ms),
};

/** Rejects with `onTimeout()` unless `p` settles within `ms` on `clock`. */
export function withTimeout<T>(clock: Clock, ms: number, p: Promise<T>, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = clock.timer(ms, () => reject(onTimeout()));
    p.then(
      (v) => {
        t.cancel();
        resolve(v);
      },
      (err) => {
        t.cancel();
        reject(err);
      },
    );
  });
}
