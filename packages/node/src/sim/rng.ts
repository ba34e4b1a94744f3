// Seeded random helpers for the simulator. Every stream derives from the run's one seed, each concern
// (network, workload, faults, each node) drawing from its own stream so a trace stays easy to follow.
import { mulberry32 } from "../util/seeded-random.ts";

export type Rng = () => number;

export function rngFrom(seed: number): Rng {
  return mulberry32(seed);
}

/** A child stream: its seed is the next draw of `parent`. */
export function fork(parent: Rng): Rng {
  return mulberry32(Math.floor(parent() * 4294967296));
}

/** Integer in [lo, hi]. */
export function int(rng: Rng, lo: number, hi: number): number {
  return lo + Math.min(hi - lo, Math.floor(rng() * (hi - lo + 1)));
}

export function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + rng() * (hi - lo);
}

export function chance(rng: Rng, p: number): boolean {
  return rng() < p;
}

export function choose<T>(rng: Rng, xs: readonly T[]): T | undefined {
  return xs.length === 0 ? undefined : xs[Math.min(xs.length - 1, Math.floor(rng() * xs.length))];
}

/** 64 lowercase hex digits: a chunk id or a sha256. */
export function hex64(rng: Rng): string {
  let s = "";
  for (let i = 0; i < 8; i++) s += Math.floor(rng() * 4294967296).toString(16).padStart(8, "0");
  return s;
}
