// The Health page's charts, as pure functions of the points GET /api/cluster/history answers: the SVG polylines
// of a series on a fixed-size canvas, the scale's top (a round figure above the highest value), and a sentence
// that says what the chart shows (its accessible name, and the text a screen reader reads).
import type { HistoryPoint } from "@orrery/api";
import { formatBytes, formatRate } from "./format.ts";

export const CHART_W = 600;
export const CHART_H = 120;

/** 1, 2 or 5 times a power of ten, at or above `v` (at least 1): a top for the scale that reads well. */
export function niceTop(v: number): number {
  if (!(v > 1)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** "x,y x,y …" of `values` over the time range [from, to] on the chart's canvas, scaled to `top`. */
export function polyline(points: readonly { t: number }[], values: readonly number[], from: number, to: number, top: number): string {
  const span = Math.max(1, to - from);
  return points
    .map((p, i) => {
      const x = ((p.t - from) / span) * CHART_W;
      const y = CHART_H - (Math.min(values[i]!, top) / top) * CHART_H;
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(" ");
}

export interface ThroughputSummary {
  top: number;
  peakWrite: number;
  peakRead: number;
  meanWrite: number;
  meanRead: number;
}

export function throughput(points: readonly HistoryPoint[]): ThroughputSummary {
  const w = points.map((p) => p.writeBps);
  const r = points.map((p) => p.readBps);
  const mean = (a: number[]) => (a.length ? a.reduce((s, x) => s + x, 0) / a.length : 0);
  const peakWrite = Math.max(0, ...w);
  const peakRead = Math.max(0, ...r);
  return { top: niceTop(Math.max(peakWrite, peakRead)), peakWrite, peakRead, meanWrite: mean(w), meanRead: mean(r) };
}

/** What the throughput chart says, in words. */
export function describeThroughput(s: ThroughputSummary, minutes: number): string {
  if (s.peakWrite === 0 && s.peakRead === 0) return `No reads or writes in the last ${minutes} minutes`;
  return (
    `Over the last ${minutes} minutes: writes averaged ${formatRate(s.meanWrite)} (peak ${formatRate(s.peakWrite)}), ` +
    `reads ${formatRate(s.meanRead)} (peak ${formatRate(s.peakRead)})`
  );
}

/** What the storage chart says: the last point's stored bytes of the capacity. */
export function describeStorage(points: readonly HistoryPoint[]): string {
  const last = points[points.length - 1];
  if (!last) return "No storage figures yet";
  return `${formatBytes(last.storedBytes)} stored (every copy) of ${formatBytes(last.capacityBytes)} offered by ${last.nodes} node${last.nodes === 1 ? "" : "s"}`;
}
