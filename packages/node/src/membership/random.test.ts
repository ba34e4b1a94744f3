// The SWIM core's random choices: sample picks k distinct members uniformly, with k draws (not one per member).
import { expect, test } from "bun:test";
import { sample } from "./random.ts";

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test("sample: k distinct elements of the list, all when k is larger, none for k ≤ 0; the list is left alone", () => {
  const xs = Array.from({ length: 50 }, (_, i) => i);
  const r = seeded(1);
  for (let k = 0; k <= 60; k += 3) {
    const got = sample(r, xs, k);
    expect(got.length).toBe(Math.min(k, xs.length));
    expect(new Set(got).size).toBe(got.length);
    for (const x of got) expect(xs).toContain(x);
  }
  expect(sample(r, xs, -1)).toEqual([]);
  expect(xs).toEqual(Array.from({ length: 50 }, (_, i) => i));
});

test("sample: draws k random numbers, not one per element (gossip picks 3 of 1,000 members five times a second)", () => {
  let draws = 0;
  const r = seeded(2);
  const counting = () => {
    draws++;
    return r();
  };
  sample(counting, Array.from({ length: 1000 }, (_, i) => i), 3);
  expect(draws).toBe(3);
});

test("sample: every element equally likely in every place", () => {
  const r = seeded(3);
  const n = 10;
  const trials = 40_000;
  const first = new Array<number>(n).fill(0);
  const second = new Array<number>(n).fill(0);
  for (let t = 0; t < trials; t++) {
    const [a, b] = sample(r, Array.from({ length: n }, (_, i) => i), 2);
    first[a!]!++;
    second[b!]!++;
  }
  for (const c of [...first, ...second]) expect(Math.abs(c - trials / n)).toBeLessThan(0.08 * (trials / n));
});
