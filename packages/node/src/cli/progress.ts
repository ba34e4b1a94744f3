// A transfer's progress bar on stderr: redrawn in place at most ten times a second when stderr is a
// terminal, silent otherwise (the command prints one plain summary line when the transfer ends).
import { progressLine } from "./format.ts";
import { stderrColumns } from "./io.ts";

const REDRAW_MS = 100;
/** Rate over the last few seconds: follows a changing link speed without jumping on every chunk. */
const RATE_WINDOW_MS = 3000;

export interface ProgressOptions {
  label: string;
  total?: number;
  /** Draw at all: stderr is a TTY and the output is not --json. */
  enabled: boolean;
  write?: (text: string) => void;
  columns?: () => number;
  now?: () => number;
}

export class Progress {
  readonly startedAt: number;
  private done = 0;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private drawn = false;
  private samples: { t: number; bytes: number }[] = [];
  private readonly write: (text: string) => void;
  private readonly columns: () => number;
  private readonly now: () => number;

  constructor(private readonly opts: ProgressOptions) {
    this.write = opts.write ?? ((t) => void process.stderr.write(t));
    this.columns = opts.columns ?? stderrColumns;
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
    this.samples.push({ t: this.startedAt, bytes: 0 });
  }

  get bytes(): number {
    return this.done;
  }

  /** Bytes per second over the recent window. */
  rate(at = this.now()): number {
    // Keep two samples at least, so a pause longer than the window still yields a rate.
    while (this.samples.length > 2 && at - this.samples[0]!.t > RATE_WINDOW_MS) this.samples.shift();
    const first = this.samples[0]!;
    const elapsed = at - first.t;
    return elapsed > 0 ? ((this.done - first.bytes) * 1000) / elapsed : 0;
  }

  update(done: number): void {
    this.done = done;
    const t = this.now();
    if (!this.opts.enabled || t - this.lastDraw < REDRAW_MS) return;
    this.samples.push({ t, bytes: done });
    this.lastDraw = t;
    this.draw(t);
  }

  /** Erases the bar; returns the elapsed milliseconds for the summary line. */
  end(): number {
    if (this.drawn) this.write("\r\x1b[2K");
    this.drawn = false;
    return this.now() - this.startedAt;
  }

  private draw(t: number): void {
    const line = progressLine({ label: this.opts.label, done: this.done, total: this.opts.total, rate: this.rate(t), columns: this.columns() });
    // \r plus erase-line: the new line may be shorter than the last one.
    this.write(`\r\x1b[2K${line}`);
    this.drawn = true;
  }
}
