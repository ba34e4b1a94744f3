// Pure arithmetic of the self-healing benchmarks: the uploaded file set, copy counts from chunk-file listings,
// which copies appeared where, the ideal hand-off, detection times, and what the nodes' debug logs say about
// transfers. No I/O, so it is unit-tested (heal.test.ts); heal.ts does the measuring.
import type { LogEntry } from "./cluster.ts";
import { MiB } from "./stats.ts";

/** Sizes (bytes) of the files that make up `totalMiB`: as many `fileMiB` files as fit, then the remainder. */
export function healFileSizes(totalMiB: number, fileMiB: number): number[] {
  if (!(totalMiB > 0) || !(fileMiB > 0)) throw new RangeError(`sizes must be positive, got ${totalMiB} and ${fileMiB}`);
  const total = Math.round(totalMiB * MiB);
  const each = Math.round(fileMiB * MiB);
  const out: number[] = [];
  for (let left = total; left > 0; left -= each) out.push(Math.min(each, left));
  return out;
}

/** Each chunk's size, from the file's size, its chunk size and its chunk list (the last chunk may be short). */
export function chunkSizesOf(fileSize: number, chunkSize: number, chunks: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  chunks.forEach((id, k) => out.set(id, Math.max(0, Math.min(chunkSize, fileSize - k * chunkSize))));
  return out;
}

/** Copies of each of `ids` over the given nodes' chunk-file sets (ids absent everywhere count 0). */
export function copyCounts(sets: Iterable<ReadonlySet<string>>, ids: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, 0);
  for (const set of sets) for (const id of set) if (counts.has(id)) counts.set(id, counts.get(id)! + 1);
  return counts;
}

export interface CopySummary {
  chunks: number;
  min: number;
  max: number;
  /** Chunks with fewer than `n` copies. */
  below: number;
  /** Chunks with more than `n` copies. */
  above: number;
}

export function summarizeCopies(counts: ReadonlyMap<string, number>, n: number): CopySummary {
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  let below = 0;
  let above = 0;
  for (const c of counts.values()) {
    min = Math.min(min, c);
    max = Math.max(max, c);
    if (c < n) below++;
    if (c > n) above++;
  }
  return { chunks: counts.size, min: counts.size ? min : 0, max, below, above };
}

/** Per node: the ids in `after` (or ever seen) that were not in `before`, restricted to `only` when given. */
export function appeared(
  before: ReadonlyMap<string, ReadonlySet<string>>,
  after: ReadonlyMap<string, ReadonlySet<string>>,
  only?: ReadonlySet<string>,
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [node, set] of after) {
    const had = before.get(node) ?? new Set<string>();
    out.set(node, [...set].filter((id) => !had.has(id) && (!only || only.has(id))));
  }
  return out;
}

export const sumSizes = (ids: Iterable<string>, sizeOf: (id: string) => number): number => {
  let s = 0;
  for (const id of ids) s += sizeOf(id);
  return s;
};

export interface HandoffBytes {
  /** Chunk files the newcomer holds (ever held) and their bytes. */
  newcomerCopies: number;
  newcomerBytes: number;
  /** Copies that appeared on the old nodes during the hand-off. */
  oldNodeCopies: number;
  oldNodeBytes: number;
  movedCopies: number;
  movedBytes: number;
}

/**
 * Bytes moved by a join, as chunk files that appeared: everything on the newcomer (it started empty) plus every
 * file that appeared on an old node. `seen` is the union of every listing taken during the hand-off, so a copy
 * that came and went again still counts.
 */
export function handoffBytes(
  before: ReadonlyMap<string, ReadonlySet<string>>,
  seen: ReadonlyMap<string, ReadonlySet<string>>,
  newcomer: string,
  sizeOf: (id: string) => number,
): HandoffBytes {
  const newSets = appeared(before, seen);
  const onNewcomer = [...(seen.get(newcomer) ?? [])];
  const onOld = [...newSets].filter(([node]) => node !== newcomer).flatMap(([, ids]) => ids);
  const newcomerBytes = sumSizes(onNewcomer, sizeOf);
  const oldNodeBytes = sumSizes(onOld, sizeOf);
  return {
    newcomerCopies: onNewcomer.length,
    newcomerBytes,
    oldNodeCopies: onOld.length,
    oldNodeBytes,
    movedCopies: onNewcomer.length + onOld.length,
    movedBytes: newcomerBytes + oldNodeBytes,
  };
}

export interface IdealHandoff {
  /** Chunks whose owner set (the nodes' own placement, from /api/stat) includes the newcomer. */
  copies: number;
  bytes: number;
  /** All copies of all chunks (chunks × RF) ÷ nodes: the expected share of one node. */
  evenShareBytes: number;
}

/** The least a join can move: one copy of every chunk the newcomer owns, and nothing else. */
export function idealHandoff(
  owners: ReadonlyMap<string, readonly string[]>,
  newcomer: string,
  sizeOf: (id: string) => number,
  replicationFactor: number,
  nodes: number,
): IdealHandoff {
  const owned = [...owners].filter(([, o]) => o.includes(newcomer)).map(([id]) => id);
  const all = sumSizes(owners.keys(), sizeOf);
  return { copies: owned.length, bytes: sumSizes(owned, sizeOf), evenShareBytes: (all * replicationFactor) / nodes };
}

/** Whether the chunk files on disk are exactly the owner sets: every owner holds a copy, nobody else does. */
export function placementMatches(owners: ReadonlyMap<string, readonly string[]>, sets: ReadonlyMap<string, ReadonlySet<string>>): boolean {
  for (const [id, o] of owners) {
    for (const [node, set] of sets) if (set.has(id) !== o.includes(node)) return false;
  }
  return true;
}

export interface DetectionTimes {
  /** ms from the kill until the first observer reported the state, and until the last did (null: not all did). */
  firstMs: number | null;
  allMs: number | null;
}

export function detectionTimes(observedMs: readonly (number | null)[]): DetectionTimes {
  const seen = observedMs.filter((x): x is number => x != null);
  return {
    firstMs: seen.length ? Math.min(...seen) : null,
    allMs: seen.length === observedMs.length && seen.length > 0 ? Math.max(...seen) : null,
  };
}

/** First sample (ms) at which `value` reached `target` and stayed there through the last sample; null if never. */
export function settledAt(samples: readonly { ms: number; value: number }[], target: number): number | null {
  let at: number | null = null;
  for (const s of samples) {
    if (s.value === target) at ??= s.ms;
    else at = null;
  }
  return at;
}

export interface TransferLog {
  /** Queue-worker copies delivered ("queue: copy delivered"), and their bytes. */
  delivered: number;
  deliveredBytes: number;
  /** Deliveries of a (chunk, target) pair that had been delivered before in the same window. */
  repeatedDeliveries: number;
  /** Chunks PUT to a node over the transfer port ("chunk received"), and how many it already had (created=false). */
  received: number;
  receivedBytes: number;
  receivedExisting: number;
  /** Placement checks that queued copies: the number of checks, and copies queued in all. */
  placementChecks: number;
  placementQueued: number;
  /** Copies queued by other paths that log at info (surplus sweep feeds, anti-entropy), by message. */
  otherQueued: Record<string, number>;
  /** Surplus copies deleted after the grace period ("surplus copy deleted after hand-off"). */
  surplusDeleted: number;
  /** Queue rows dropped, by reason. */
  dropped: Record<string, number>;
  /** Earliest log time (ms since the epoch) of a placement check that queued copies; null if none. */
  firstPlacementCheckAt: number | null;
  /** Per node: log time (ms since the epoch) when it logged that `watch` became dead. */
  deadAt: Record<string, number>;
}

/**
 * What the nodes' own logs (LOG_LEVEL=debug) say about one window of transfers. `logs` maps a node id to the
 * lines it wrote in the window; `watch` is a member whose death is being timed.
 */
export function transferLog(logs: ReadonlyMap<string, readonly LogEntry[]>, sizeOf: (id: string) => number, watch?: string): TransferLog {
  const r: TransferLog = {
    delivered: 0,
    deliveredBytes: 0,
    repeatedDeliveries: 0,
    received: 0,
    receivedBytes: 0,
    receivedExisting: 0,
    placementChecks: 0,
    placementQueued: 0,
    otherQueued: {},
    surplusDeleted: 0,
    dropped: {},
    firstPlacementCheckAt: null,
    deadAt: {},
  };
  const pairs = new Set<string>();
  const time = (e: LogEntry) => (typeof e.t === "string" ? Date.parse(e.t) : Number.NaN);
  for (const [node, lines] of logs) {
    for (const e of lines) {
      const chunk = typeof e.chunk === "string" ? e.chunk : undefined;
      switch (e.msg) {
        case "queue: copy delivered": {
          r.delivered++;
          if (chunk) r.deliveredBytes += sizeOf(chunk);
          const key = `${chunk}→${String(e.peer)}`;
          if (pairs.has(key)) r.repeatedDeliveries++;
          pairs.add(key);
          break;
        }
        case "chunk received":
          r.received++;
          if (chunk) r.receivedBytes += sizeOf(chunk);
          if (e.created === false) r.receivedExisting++;
          break;
        case "placement check queued copies for new owners": {
          r.placementChecks++;
          r.placementQueued += typeof e.copies === "number" ? e.copies : 0;
          const t = time(e);
          if (Number.isFinite(t) && (r.firstPlacementCheckAt === null || t < r.firstPlacementCheckAt)) r.firstPlacementCheckAt = t;
          break;
        }
        case "surplus copy deleted after hand-off":
          r.surplusDeleted++;
          break;
        case "queue row dropped": {
          const reason = String(e.reason ?? "?");
          r.dropped[reason] = (r.dropped[reason] ?? 0) + 1;
          break;
        }
        case "member changed": {
          const t = time(e);
          if (watch && e.member === watch && e.to === "dead" && Number.isFinite(t) && r.deadAt[node] === undefined) r.deadAt[node] = t;
          break;
        }
        default:
          if (typeof e.msg === "string" && /queued cop/.test(e.msg) && typeof e.copies === "number") {
            r.otherQueued[e.msg] = (r.otherQueued[e.msg] ?? 0) + e.copies;
          }
      }
    }
  }
  return r;
}
