import { expect, test } from "bun:test";
import { CHART_H, CHART_W, describeStorage, describeThroughput, niceTop, polyline, throughput } from "./history-chart.ts";

const point = (t: number, writeBps: number, readBps = 0) => ({ t, writeBps, readBps, storedBytes: 2e9, capacityBytes: 8e9, nodes: 3 });

test("the scale's top is a round figure at or above the highest value", () => {
  expect([0, 1, 3, 10, 11, 180, 4_999_999, 7e6].map(niceTop)).toEqual([1, 1, 5, 10, 20, 200, 5e6, 1e7]);
});

test("a series spans the canvas: the window's start at the left, its end at the right, zero at the bottom", () => {
  const pts = [point(0, 0), point(50, 50), point(100, 100)];
  expect(polyline(pts, [0, 50, 100], 0, 100, 100)).toBe(`0.0,${CHART_H}.0 ${CHART_W / 2}.0,${CHART_H / 2}.0 ${CHART_W}.0,0.0`);
  expect(polyline(pts, [0, 500, 0], 0, 100, 100).split(" ")[1]).toBe(`${CHART_W / 2}.0,0.0`); // clipped at the top
});

test("the charts say what they show", () => {
  const s = throughput([point(0, 1_000_000, 0), point(10, 3_000_000, 2_000_000)]);
  expect(s).toMatchObject({ peakWrite: 3_000_000, peakRead: 2_000_000, meanWrite: 2_000_000, top: 5_000_000 });
  expect(describeThroughput(s, 60)).toContain("writes averaged");
  expect(describeThroughput(throughput([]), 60)).toBe("No reads or writes in the last 60 minutes");
  expect(describeStorage([point(0, 0)])).toMatch(/stored \(every copy\) of .* offered by 3 nodes/);
  expect(describeStorage([])).toBe("No storage figures yet");
});
