// TrafficHistory: rates per step read off cumulative counters at the steps' edges, a bounded ring, steps that
// fit a chart, and the cluster's points as the sum of its nodes'.
import { expect, test } from "bun:test";
import { MAX_POINTS, mergePoints, SAMPLE_MS, stepFor, TrafficHistory } from "./history.ts";

const sample = (t: number, written: number, read = 0, storedBytes = 0) => ({ t, written, read, storedBytes, capacityBytes: 1000 });

test("each whole step's rate is what the counters grew across it, read between the samples around its edges", () => {
  const h = new TrafficHistory();
  // Sampled at 5 s past each step: 1 MB written between 5 s and 15 s, 2 MB between 15 s and 25 s.
  h.add(sample(5_000, 0));
  h.add(sample(15_000, 1_000_000, 400_000, 7));
  h.add(sample(25_000, 3_000_000, 400_000, 9));
  const points = h.points(0, 10_000);
  // Steps [0,10) and [10,20); [20,30) is not over at the newest sample.
  expect(points.map((p) => p.t)).toEqual([0, 10_000]);
  expect(points.map((p) => p.writeBps)).toEqual([50_000, 150_000]); // 0.5 MB, then 0.5 + 1 MB
  expect(points.map((p) => p.storedBytes)).toEqual([0, 7]);
  expect(points[0]!.readBps + points[1]!.readBps).toBe(40_000); // 400 kB over the two steps
  // Every byte counted lands in some step: what the steps add up to is what the counters grew to the last edge.
  const total = points.reduce((s, p) => s + p.writeBps * 10, 0);
  expect(total).toBe(2_000_000);
});

test("a counter that went down (the node restarted) counts from zero, never negative", () => {
  const h = new TrafficHistory();
  h.add(sample(0, 0, 0));
  h.add(sample(10_000, 5_000, 900));
  h.add(sample(20_000, 1_000, 100)); // restarted in between: 1,000 written since
  h.add(sample(30_000, 1_000, 100));
  expect(h.points(0, 10_000).map((p) => [p.writeBps, p.readBps])).toEqual([
    [500, 90],
    [100, 10],
    [0, 0],
  ]);
});

test("the ring keeps a bounded number of samples, oldest dropped; time going back is ignored", () => {
  const h = new TrafficHistory(3);
  for (let i = 0; i < 5; i++) h.add(sample(i * SAMPLE_MS, i));
  h.add(sample(SAMPLE_MS, 99));
  expect(h.size).toBe(3);
  expect(h.points(0, SAMPLE_MS).map((p) => p.t)).toEqual([2, 3].map((i) => i * SAMPLE_MS));
  expect(new TrafficHistory().points(0, SAMPLE_MS)).toEqual([]);
});

test("a window's step gives at most MAX_POINTS points, in whole samples", () => {
  for (const minutes of [5, 60, 24 * 60]) {
    const step = stepFor(minutes * 60_000);
    expect(step % SAMPLE_MS).toBe(0);
    expect(Math.ceil((minutes * 60_000) / step)).toBeLessThanOrEqual(MAX_POINTS);
  }
  expect(stepFor(5 * 60_000)).toBe(SAMPLE_MS);
});

test("the cluster's points add up its nodes' step by step; a newest step not every node has finished is left out", () => {
  const p = (t: number, v: number) => ({ t, writeBps: v, readBps: 2 * v, storedBytes: 3 * v, capacityBytes: 4 * v, nodes: 1 });
  expect(mergePoints([[p(0, 10), p(10_000, 5)], [p(0, 1)]])).toEqual([{ t: 0, writeBps: 11, readBps: 22, storedBytes: 33, capacityBytes: 44, nodes: 2 }]);
  expect(mergePoints([[p(0, 10), p(10_000, 5)], [p(0, 1), p(10_000, 1)]]).map((x) => x.nodes)).toEqual([2, 2]);
  expect(mergePoints([[p(10_000, 1)]])).toEqual([p(10_000, 1)]);
});

test("an answer holds at most the newest MAX_POINTS + 2 points, whatever window a peer asks for", () => {
  const h = new TrafficHistory();
  for (let i = 0; i <= 1000; i++) h.add(sample(i * SAMPLE_MS, i * 100));
  const all = h.points(0, SAMPLE_MS);
  expect(all.length).toBeLessThanOrEqual(MAX_POINTS + 2);
  expect(all[all.length - 1]!.t).toBe(999 * SAMPLE_MS); // the newest whole step
  expect(all.every((p) => p.writeBps === 10)).toBe(true);
});
