// What a node must pull before it may announce a ring version synced (Garage's `sync` tracker,
// rpc/layout/history.rs): for every arc it owns under the current ring, the rows a quorum write acknowledged
// under each ring the current one replaced. Such a write reached a majority of the arc's owners then, so
// comparing with |set| − ⌊f/2⌋ of them (this node counts for itself if it was one) meets it. Pure: the plan is
// a list of tasks (a range, the previous owners it may be compared with, how many must be), and the progress
// marks the comparisons that finished.
import { type PositionRange, RING_END } from "../metadata/partition.ts";
import type { Ring } from "../ring/ring.ts";

export interface RingAtFactor {
  ring: Ring;
  factor: number;
}

/** One range to compare with `needed` of `candidates` (its owners under one replaced ring, this node left out). */
export interface SyncTask {
  range: PositionRange;
  candidates: readonly string[];
  needed: number;
  /** Candidates a comparison of the whole range finished with. */
  done: Set<string>;
}

/** Owners of a replaced ring's set a read must reach to meet every majority write under it (placement.ts meetsOld). */
function neededOf(owners: readonly string[], factor: number): number {
  return Math.max(1, owners.length - Math.floor(factor / 2));
}

/**
 * The tasks of `selfId` under `current`, against each ring in `previous` (the rings still counted, and the current
 * ring without this node: a joiner never saw the ring it joined, yet its owners hold what it gained). An arc this
 * node already owned under a previous ring asks one fewer owner of that ring, so an arc it kept with a factor of
 * 3 asks one other owner, and one it gained asks two. Adjacent ranges with the same candidates are one task.
 */
export function syncPlan(selfId: string, current: RingAtFactor, previous: readonly RingAtFactor[]): SyncTask[] {
  const tasks: SyncTask[] = [];
  for (const before of previous) {
    const cuts = boundaries(current.ring, before.ring);
    if (cuts.length === 0) continue;
    let last: { task: SyncTask; key: string } | undefined;
    const add = (from: bigint, to: bigint, at: bigint) => {
      if (from >= to) return;
      if (!current.ring.replicaSetAt(at, current.factor, { includeFull: true }).includes(selfId)) {
        last = undefined;
        return;
      }
      const owners = before.ring.replicaSetAt(at, before.factor, { includeFull: true });
      const held = owners.includes(selfId);
      const needed = neededOf(owners, before.factor) - (held ? 1 : 0);
      const candidates = owners.filter((id) => id !== selfId);
      if (needed <= 0 || candidates.length === 0) {
        last = undefined;
        return;
      }
      const key = `${needed}|${candidates.join(",")}`;
      if (last && last.key === key && last.task.range.to === from) last.task.range.to = to;
      else {
        last = { task: { range: { from, to }, candidates, needed: Math.min(needed, candidates.length), done: new Set() }, key };
        tasks.push(last.task);
      }
    };
    // A position maps to the first virtual node at or after it in each ring, so between two cuts both rings'
    // owners stay the same; past the last cut both wrap to their first virtual node, as the first cut does.
    for (let i = 0; i < cuts.length; i++) add(i === 0 ? 0n : cuts[i - 1]! + 1n, cuts[i]! + 1n, cuts[i]!);
    last = undefined;
    add(cuts[cuts.length - 1]! + 1n, RING_END, cuts[0]!);
  }
  return tasks;
}

/** The positions of both rings' virtual nodes, sorted, without repeats. */
function boundaries(a: Ring, b: Ring): bigint[] {
  const [x, y] = [a.points().positions, b.points().positions];
  const all = new BigUint64Array(x.length + y.length);
  all.set(x);
  all.set(y, x.length);
  all.sort();
  const out: bigint[] = [];
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) out.push(all[i]!);
  return out;
}

/** A task that still needs comparisons. */
function open(t: SyncTask): boolean {
  return t.done.size < t.needed;
}

/** The progress of one node's pass over its plan for one ring version. */
export class RingSyncProgress {
  constructor(
    readonly version: string,
    readonly tasks: readonly SyncTask[],
  ) {}

  /** Every task compared with as many of its previous owners as it needs: the version may be announced synced. */
  get complete(): boolean {
    return this.tasks.every((t) => !open(t));
  }

  /** Tasks not yet done. */
  get remaining(): number {
    return this.tasks.filter(open).length;
  }

  /**
   * The next comparisons to make: a reachable candidate not yet compared with of the first open task that has
   * one, and up to `limit` open tasks that candidate may serve. None when every open task waits for members
   * that cannot be reached now (a dead previous owner: the settle window's valve covers that).
   */
  next(reachable: (id: string) => boolean, limit: number): { peer: string; tasks: SyncTask[] } | undefined {
    let peer: string | undefined;
    for (const t of this.tasks) {
      if (!open(t)) continue;
      peer = t.candidates.find((id) => !t.done.has(id) && reachable(id));
      if (peer) break;
    }
    if (peer === undefined) return undefined;
    const tasks: SyncTask[] = [];
    for (const t of this.tasks) {
      if (tasks.length >= limit) break;
      if (open(t) && t.candidates.includes(peer) && !t.done.has(peer)) tasks.push(t);
    }
    return { peer, tasks };
  }

  /** A comparison of these tasks' whole ranges with `peer` finished (every difference pulled). */
  compared(peer: string, tasks: readonly SyncTask[]): void {
    for (const t of tasks) if (t.candidates.includes(peer)) t.done.add(peer);
  }
}
