// The fuzzer's only source of choices: a seeded PRNG (mulberry32) with the helpers the generators need,
// so one seed replays every worker's sequence of inputs (up to what the run itself makes random: the
// cluster's ports, the clock, the key exchange's fresh keys). Never Math.random in a generator.
import { mulberry32 } from "../src/util/seeded-random.ts";

export class Rng {
  private readonly next: () => number;

  constructor(readonly seed: number) {
    this.next = mulberry32(seed);
  }

  /** An independent stream for one worker, derived from this seed and a name (stable across runs). */
  fork(name: string): Rng {
    let h = this.seed ^ 0x9e3779b9;
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
    return new Rng(h >>> 0);
  }

  /** [0, 1). */
  float(): number {
    return this.next();
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.min(n - 1, Math.floor(this.next() * n));
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.below(xs.length)]!;
  }

  /** One of the keys, with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as Array<[K, number]>;
    let r = this.next() * entries.reduce((s, [, w]) => s + w, 0);
    for (const [k, w] of entries) {
      r -= w;
      if (r < 0) return k;
    }
    return entries[entries.length - 1]![0];
  }

  /** Sizes skewed small (most inputs are short; a few are near the limit). */
  size(max: number): number {
    const r = this.next();
    if (r < 0.6) return this.below(Math.min(max, 64) + 1);
    if (r < 0.9) return this.below(Math.min(max, 1500) + 1);
    return this.below(max + 1);
  }

  bytes(n: number): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(n);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const v = (this.next() * 4294967296) >>> 0;
      out[i] = v & 0xff;
      out[i + 1] = (v >>> 8) & 0xff;
      out[i + 2] = (v >>> 16) & 0xff;
      out[i + 3] = v >>> 24;
    }
    for (; i < n; i++) out[i] = this.below(256);
    return out;
  }

  hex(bytes: number): string {
    return Buffer.from(this.bytes(bytes)).toString("hex");
  }
}

/** A fresh seed when none was given (printed, so the run can be repeated). */
export function newSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}
