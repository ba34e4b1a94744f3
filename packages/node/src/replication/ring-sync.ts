// The pass that earns a node its `ringSynced` tracker: after a ring change, range sync (manifest-range-sync.ts)
// first compares the arcs this node owns with their owners under the rings the current one replaced
// (ring-sync-plan.ts), then announces the version in its member record, so the replaced rings can stop counting
// for manifest quorums everywhere (ring-history.ts). Paced by range sync's passes and budget.
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { PositionRange } from "../metadata/partition.ts";
import type { Placement } from "./placement.ts";
import { type RingAtFactor, RingSyncProgress, syncPlan } from "./ring-sync-plan.ts";

export interface RingSyncComponents {
  selfId: string;
  placement: Placement;
  log: Logger;
  reachable: (id: string) => boolean;
  /** Puts a version (or none) in this node's member record. Without it (the simulator) nothing is announced. */
  announce?: (version: string | undefined) => void;
}

/** Compares the ranges with a peer and pulls what differs; true when it finished (the pass's budget did not cut it). */
export type CompareRanges = (peer: string, ranges: PositionRange[]) => Promise<boolean>;

export interface RingSyncStats {
  /** Plans made (one per ring version this node's passes saw). */
  plans: number;
  /** Tasks of the current plan, and those still open. */
  tasks: number;
  open: number;
  /** Comparisons with one previous owner that finished, and that failed or were cut short. */
  compared: number;
  unfinished: number;
  /** Versions announced synced. */
  announced: number;
}

export class RingSync {
  readonly stats: RingSyncStats = { plans: 0, tasks: 0, open: 0, compared: 0, unfinished: 0, announced: 0 };
  private progress: RingSyncProgress | undefined;
  /** The version the last step saw: a plan is made only for a version that held for a whole pass interval. */
  private seen: string | undefined;

  constructor(private readonly c: RingSyncComponents) {}

  /** The version this node's record announces (its own member record, as placement holds it). */
  private announced(): string | undefined {
    return this.c.placement.member(this.c.selfId)?.ringSynced;
  }

  /**
   * Compares up to `maxRanges` ranges of the current plan while `spendable`; announces the version once the plan
   * is done. True while work remains that can be done now (so range sync's pass is not counted quiet).
   */
  async step(maxRanges: number, spendable: () => boolean, compare: CompareRanges): Promise<boolean> {
    const { placement } = this.c;
    const version = placement.ringVersion();
    if (this.progress?.version !== version) {
      // A join wave replaces the ring dozens of times, and a plan of a hundred members costs ~0.1 s per ring
      // it is made against: plan only once the ring held still from one pass to the next.
      const stable = this.seen === version;
      this.seen = version;
      if (!stable) return true;
      await this.plan(version);
      if (placement.ringVersion() !== version) return true;
    }
    const progress = this.progress!;
    let spent = 0;
    while (!progress.complete && spent < maxRanges && spendable()) {
      const next = progress.next(this.c.reachable, maxRanges - spent);
      if (!next) break;
      spent += next.tasks.length;
      let finished = false;
      try {
        finished = await compare(next.peer, next.tasks.map((t) => ({ ...t.range })));
      } catch (err) {
        this.c.log.warn("comparing gained arcs with a previous owner failed", { peer: next.peer, err: errorMessage(err) });
      }
      if (finished) progress.compared(next.peer, next.tasks);
      this.stats[finished ? "compared" : "unfinished"]++;
      if (!finished) break;
    }
    this.stats.open = progress.remaining;
    if (progress.complete && this.announced() !== version && placement.ringVersion() === version) {
      this.c.announce?.(version);
      this.stats.announced++;
      this.c.log.info("pulled every owned arc from its previous owners: ring synced", { version, tasks: progress.tasks.length });
    }
    return !progress.complete && progress.next(this.c.reachable, 1) !== undefined;
  }

  /** A new plan for `version`; the record stops naming an older version (it no longer describes what this node holds). */
  private async plan(version: string): Promise<void> {
    const { placement, selfId } = this.c;
    const current: RingAtFactor = { ring: placement.ring, factor: placement.effectiveReplicationFactor() };
    const previous: RingAtFactor[] = [...placement.replacedRings()];
    const without = placement.ringWithout(selfId);
    if (without) previous.push(without);
    const tasks = [];
    for (const before of previous) {
      tasks.push(...syncPlan(selfId, current, [before]));
      // One ring at a time, the event loop served between them.
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.progress = new RingSyncProgress(version, tasks);
    this.stats.plans++;
    this.stats.tasks = this.progress.tasks.length;
    const announced = this.announced();
    if (announced !== undefined && announced !== version) this.c.announce?.(undefined);
  }
}
