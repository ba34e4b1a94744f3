// Pure arithmetic of the benchmark: throughput, ratios and latency percentiles. No I/O, so it is unit-tested.
// Units: MB = 10^6 bytes (like disk vendors and the targets), MiB = 2^20 bytes (file and chunk sizes).

export const MB = 1_000_000;
export const MiB = 1024 * 1024;

/** Megabytes (10^6 bytes) per second; null when nothing was timed. */
export function mbps(bytes: number, ms: number): number | null {
  if (!(ms > 0) || !Number.isFinite(bytes)) return null;
  return bytes / MB / (ms / 1000);
}

/** Operations per second; null when nothing was timed. */
export function opsPerSec(ops: number, ms: number): number | null {
  if (!(ms > 0)) return null;
  return ops / (ms / 1000);
}

/** a / b, or null when either side is missing or b is not positive. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a == null || b == null || !(b > 0) || !Number.isFinite(a)) return null;
  return a / b;
}

/**
 * Nearest-rank percentile (p in 0..100) of an ascending array: the smallest value with at least p % of the
 * samples at or below it. No interpolation, so the answer is always a latency that was really observed.
 */
export function percentile(sortedAsc: readonly number[], p: number): number | null {
  if (sortedAsc.length === 0) return null;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be in 0..100, got ${p}`);
  const rank = Math.max(1, Math.ceil((p / 100) * sortedAsc.length));
  return sortedAsc[rank - 1]!;
}

/** The middle value (the lower middle of an even count, a value really observed); null for none. */
export function median(values: readonly number[]): number | null {
  return percentile([...values].sort((a, b) => a - b), 50);
}

export interface LatencySummary {
  count: number;
  p50Ms: number | null;
  p99Ms: number | null;
  meanMs: number | null;
  maxMs: number | null;
}

export function latencySummary(samplesMs: readonly number[]): LatencySummary {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const sum = sorted.reduce((s, x) => s + x, 0);
  return {
    count: sorted.length,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    meanMs: sorted.length ? sum / sorted.length : null,
    maxMs: sorted.length ? sorted[sorted.length - 1]! : null,
  };
}
