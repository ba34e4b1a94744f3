// What a node remembers of its own traffic and storage over the last day, for the UI's charts: a sample every
// SAMPLE_MS of the bytes clients wrote and read through it (cumulative) and of its storage, in a fixed ring
// (memory bounded; lost on restart, like a chart's window). Pure: the sampler (sampler.ts) feeds it, and
// the node that draws a cluster chart asks every member for its points (rates per step) and adds them up.

export const SAMPLE_MS = 10_000;
export const KEEP_MS = 24 * 60 * 60 * 1000;
/** Points per answer at most, whatever the window: a chart is a few hundred pixels wide. */
export const MAX_POINTS = 360;

export interface Sample {
  t: number;
  /** Client bytes written and read through this node since it started (cumulative). */
  written: number;
  read: number;
  /** Chunk bytes this node stores, and what it offers (STORE_QUOTA_MB, else its disk: the ring's weight). */
  storedBytes: number;
  capacityBytes: number;
}

/** One step of a chart: rates over the step, storage at its end. */
export interface HistoryPoint {
  t: number;
  writeBps: number;
  readBps: number;
  storedBytes: number;
  capacityBytes: number;
  /** Nodes whose samples made the point (1 for a node's own). */
  nodes: number;
}

export class TrafficHistory {
  private readonly ring: Sample[] = [];

  constructor(private readonly keep = Math.ceil(KEEP_MS / SAMPLE_MS)) {}

  add(sample: Sample): void {
    const last = this.ring[this.ring.length - 1];
    if (last && sample.t <= last.t) return; // a clock step back: keep the series increasing
    this.ring.push(sample);
    if (this.ring.length > this.keep) this.ring.shift();
  }

  get size(): number {
    return this.ring.length;
  }

  /**
   * The points of the whole steps of `stepMs` from `sinceMs` up to the newest sample (the step in progress is
   * left out). The counters are read at each step's edges, between the samples around them (linearly), so
   * every node's steps line up and add up whatever the phase of its sampling; a counter that went down (a
   * restart) counts from zero. Storage is the last sample's at or before the step's end.
   */
  points(sinceMs: number, stepMs: number, max = MAX_POINTS + 2): HistoryPoint[] {
    const ring = this.ring;
    if (ring.length < 2) return [];
    // Counters made monotonic: each sample adds what grew since the one before (all of it after a reset).
    const written = [0];
    const read = [0];
    for (let i = 1; i < ring.length; i++) {
      const grew = (a: number, b: number) => (b >= a ? b - a : b);
      written.push(written[i - 1]! + grew(ring[i - 1]!.written, ring[i]!.written));
      read.push(read[i - 1]! + grew(ring[i - 1]!.read, ring[i]!.read));
    }
    const newest = ring[ring.length - 1]!.t;
    let j = 0; // the sample at or before the edge being read
    const at = (edge: number): { written: number; read: number; last: Sample } => {
      while (j + 1 < ring.length && ring[j + 1]!.t <= edge) j++;
      const a = ring[j]!;
      const b = ring[j + 1];
      // Before the first sample nothing was counted; between two, the straight line.
      const f = !b || edge <= a.t ? 0 : (edge - a.t) / (b.t - a.t);
      return { written: written[j]! + f * (b ? written[j + 1]! - written[j]! : 0), read: read[j]! + f * (b ? read[j + 1]! - read[j]! : 0), last: a };
    };
    const out: HistoryPoint[] = [];
    // At most `max` points, the newest: a peer asking for a day in 10 s steps gets the end of it.
    let edge = Math.floor(Math.max(sinceMs, ring[0]!.t, newest - max * stepMs) / stepMs) * stepMs;
    let before = at(edge);
    for (; edge + stepMs <= newest; edge += stepMs) {
      const after = at(edge + stepMs);
      const seconds = stepMs / 1000;
      out.push({
        t: edge,
        writeBps: (after.written - before.written) / seconds,
        readBps: (after.read - before.read) / seconds,
        storedBytes: after.last.storedBytes,
        capacityBytes: after.last.capacityBytes,
        nodes: 1,
      });
      before = after;
    }
    return out;
  }
}

/** The step for a window: whole multiples of SAMPLE_MS, at most MAX_POINTS of them. */
export function stepFor(windowMs: number): number {
  return Math.max(1, Math.ceil(windowMs / SAMPLE_MS / MAX_POINTS)) * SAMPLE_MS;
}

/**
 * Several nodes' points added up step by step (rates and bytes summed; the count of nodes in each step). A newest
 * step that fewer nodes have finished than the one before is left out.
 */
export function mergePoints(perNode: HistoryPoint[][]): HistoryPoint[] {
  const byStep = new Map<number, HistoryPoint>();
  for (const points of perNode) {
    for (const p of points) {
      const into = byStep.get(p.t);
      if (!into) {
        byStep.set(p.t, { ...p });
        continue;
      }
      into.writeBps += p.writeBps;
      into.readBps += p.readBps;
      into.storedBytes += p.storedBytes;
      into.capacityBytes += p.capacityBytes;
      into.nodes += p.nodes;
    }
  }
  const out = [...byStep.values()].sort((a, b) => a.t - b.t);
  // The newest step, when some node has not finished it yet, would show a dip that is not there.
  while (out.length > 1 && out[out.length - 1]!.nodes < out[out.length - 2]!.nodes) out.pop();
  return out;
}
