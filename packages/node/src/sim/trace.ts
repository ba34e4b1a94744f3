// The run's event log: every significant step (membership change, client op, fault, copy, sync) as one
// line. Lines are folded into a digest (the replay check) and kept or printed only when tracing.

export class Trace {
  /** Two 32-bit lanes folding each line's CRC-32: a cheap fingerprint of the whole run. */
  private h1 = 0x811c9dc5;
  private h2 = 0x01000193;
  lines = 0;
  private prefixAt = Number.NaN;
  private prefix = "";
  readonly kept: string[] = [];

  constructor(
    private readonly opts: { print?: (line: string) => void; keep?: boolean } = {},
  ) {}

  get enabled(): boolean {
    return this.opts.print !== undefined || this.opts.keep === true;
  }

  log(now: number, who: string, text: string): void {
    if (now !== this.prefixAt) {
      this.prefixAt = now;
      this.prefix = `${(now / 1000).toFixed(3).padStart(9)} `;
    }
    const line = `${this.prefix}${who.length < 5 ? (who + "     ").slice(0, 5) : who} ${text}`;
    this.lines++;
    const c = Bun.hash.crc32(line);
    this.h1 = Math.imul(this.h1 ^ c, 0x01000193) >>> 0;
    this.h2 = (Math.imul(this.h2 + c, 0x85ebca6b) ^ (this.h1 >>> 13)) >>> 0;
    if (this.opts.keep) this.kept.push(line);
    this.opts.print?.(line);
  }

  digest(): string {
    return `${this.h1.toString(16).padStart(8, "0")}${this.h2.toString(16).padStart(8, "0")}:${this.lines}`;
  }
}
