// Repeated failed logins, counted per key (a client address, an account) in fixed windows: past the limit
// the key is refused until its window ends, whatever the credential, so guessing runs at a few tries per
// minute. Bounded: at most `maxKeys` keys are tracked (the oldest window is dropped first).
export interface FailureLimiterInit {
  /** Failures allowed per window. */
  limit: number;
  windowMs: number;
  maxKeys?: number;
  now?: () => number;
}

interface Window {
  start: number;
  failures: number;
}

export class FailureLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly now: () => number;
  private readonly maxKeys: number;

  constructor(private readonly init: FailureLimiterInit) {
    this.now = init.now ?? Date.now;
    this.maxKeys = init.maxKeys ?? 10_000;
  }

  /** Milliseconds until `key` may try again; 0 when it may now. */
  blockedFor(key: string): number {
    const w = this.current(key);
    return w && w.failures >= this.init.limit ? w.start + this.init.windowMs - this.now() : 0;
  }

  fail(key: string): void {
    const w = this.current(key);
    if (w) {
      w.failures++;
      return;
    }
    if (this.windows.size >= this.maxKeys) this.windows.delete(this.windows.keys().next().value!);
    this.windows.set(key, { start: this.now(), failures: 1 });
  }

  private current(key: string): Window | undefined {
    const w = this.windows.get(key);
    if (w && this.now() - w.start >= this.init.windowMs) {
      this.windows.delete(key);
      return undefined;
    }
    return w;
  }
}
