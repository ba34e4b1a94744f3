// Logs at most `perWindow` lines per window and then one line saying how many were suppressed, so a
// flood of bad datagrams or connections cannot flood the log as well.
import type { Logger } from "../log.ts";

export class RateLimitedLog {
  private windowStart = Number.NEGATIVE_INFINITY;
  private inWindow = 0;

  constructor(
    private readonly log: Logger,
    private readonly windowMs: number,
    private readonly perWindow: number,
    private readonly now: () => number = Date.now,
  ) {}

  warn(msg: string, ctx?: Record<string, unknown>): void {
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      const suppressed = this.inWindow - this.perWindow;
      if (suppressed > 0) this.log.warn(`${suppressed} similar lines not logged`, { last: msg });
      this.windowStart = now;
      this.inWindow = 0;
    }
    if (++this.inWindow <= this.perWindow) this.log.warn(msg, ctx);
  }
}
