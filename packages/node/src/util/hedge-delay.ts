// How long a call to one peer may go unanswered before another is asked as well: about the p99 of recent
// answers, within bounds (remote chunk reads, quorum reads of manifests).

/** Answers kept; the p99 is taken again after every SAMPLES_PER_UPDATE of them, not at every call. */
const WINDOW = 256;
const SAMPLES_PER_UPDATE = 16;

export class HedgeDelay {
  private readonly samples: number[] = [];
  private recorded = 0;
  private p99: number | undefined;

  constructor(
    readonly minMs: number,
    readonly maxMs: number,
  ) {}

  /** A successful answer's latency. */
  record(ms: number): void {
    if (this.samples.length < WINDOW) this.samples.push(ms);
    else this.samples[this.recorded % WINDOW] = ms;
    if (++this.recorded % SAMPLES_PER_UPDATE === 0) this.p99 = undefined;
  }

  /** minMs until 16 answers are known; then their p99, bounded by minMs and maxMs. */
  delayMs(): number {
    if (this.samples.length < SAMPLES_PER_UPDATE) return this.minMs;
    if (this.p99 === undefined) {
      const sorted = [...this.samples].sort((a, b) => a - b);
      this.p99 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)]!;
    }
    return Math.min(this.maxMs, Math.max(this.minMs, Math.ceil(this.p99)));
  }
}
