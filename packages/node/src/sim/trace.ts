// The run's event log: every significant step (membership change, client op, fault, copy, sync) as one
// line. Lines are folded into a digest (the replay check) and kept or printed only when tracing.

export class Trace {
  /** Two FNV-1a lanes (64 bits together): a cheap fingerprint of the whole run. */
  private h1 = 0x811c9dc5;
  private h2 = 0x01000193;
  lines = 0;
  readonly kept: string[] = [];

  constructor(
    private readonly opts: { print?: (line: string) => void; keep?: boolean } = {},
  ) {}

  get enabled(): boolean {
    return this.opts.print !== undefined || this.opts.keep === true;
  }

  log(now: number, who: string, text: string): void {
    const line = `${(now / 1000).toFixed(3).padStart(9)} ${who.padEnd(5)} ${text}`;
    this.lines++;
    let a = this.h1;
    let b = this.h2;
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x0100019d) ^ (a >>> 13);
    }
    this.h1 = a >>> 0;
    this.h2 = b >>> 0;
    if (this.opts.keep) this.kept.push(line);
    this.opts.print?.(line);
  }

  digest(): string {
    return `${this.h1.toString(16).padStart(8, "0")}${this.h2.toString(16).padStart(8, "0")}:${this.lines}`;
  }
}
