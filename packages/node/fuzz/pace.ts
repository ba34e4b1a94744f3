// A rate the campaign can change while it runs: a worker asks how many inputs it may send now, and the
// credit it has not used is capped at a tenth of a second, so a stalled worker cannot burst afterwards.
export class Pace {
  private credit = 0;
  private last = performance.now();

  constructor(public rate: number) {}

  /** Inputs that may go now (at most `max`); each one granted is spent. */
  allowance(max: number): number {
    const now = performance.now();
    this.credit = Math.min(Math.max(1, this.rate * 0.1), this.credit + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    const n = Math.max(0, Math.min(max, Math.floor(this.credit)));
    this.credit -= n;
    return n;
  }

  /** Waits until at least one input may go. */
  async one(): Promise<void> {
    while (this.allowance(1) === 0) await Bun.sleep(Math.max(1, Math.min(50, 1000 / Math.max(this.rate, 1))));
  }
}
