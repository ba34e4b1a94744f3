// When the ring changes, each node walks its local chunks and queues a copy to every owner that is
// new in the chunk's owner set (a node that returned, a node that joined, a chunk written while the
// cluster had fewer than N nodes up). Every old owner that holds the chunk offers it; the queue worker asks
// the target what it already holds before sending bytes, so a copy's bytes go once. Rings replaced
// recently are remembered across checks: an owner added by one change is not yet known to hold the chunk,
// so it must not be the one made responsible for feeding the owners a second change adds.
import type { Logger } from "../log.ts";
import type { Ring } from "../ring/index.ts";
import type { ChunkStorage } from "../store/chunk-storage.ts";
import type { Placement } from "./placement.ts";
import type { ReplicationQueue } from "./queue.ts";
import { type Clock, systemClock, type Timer } from "../util/clock.ts";

/**
 * New owners that `selfId` must send a chunk to, given its owner sets under every ring in force since
 * the last check (`before`, oldest first; writes may have happened under any of them) and now (`after`).
 * Pure. An owner missing from any earlier set may lack the chunk; every holder that is an owner under all
 * of them sends, or, if there is none, every holder does. One sender would be cheaper, but no node knows
 * whether the one it would pick holds the chunk yet (its copy may still be in a writer's queue, or it may
 * itself be an owner an earlier change added: simulator seeds 214, 871), and the target's HAS answer
 * keeps a second offer down to a few bytes.
 */
export function newOwnersToFeed(selfId: string, before: readonly (readonly string[])[], after: readonly string[]): string[] {
  const added = after.filter((id) => id !== selfId && before.some((set) => !set.includes(id)));
  if (added.length === 0) return [];
  const stayed = after.filter((id) => before.every((set) => set.includes(id)));
  return stayed.length === 0 || stayed.includes(selfId) ? added : [];
}

/** A chunk's effective replication factor under some past settings and members (Placement.factorView). */
export type ChunkFactorOf = (chunkId: string) => number;

export interface PlacementCheckComponents {
  selfId: string;
  placement: Placement;
  store: ChunkStorage;
  queue: ReplicationQueue;
  log: Logger;
  clock?: Clock;
}

export interface PlacementCheckInit {
  /** How long after a ring change the check runs (changes within it are checked together). */
  debounceMs: number;
  /**
   * How long a replaced ring keeps counting as "earlier" for later checks (Placement's ring settle window):
   * when n23 returns (ring 1 → 2, n22 responsible) and n22 then dies (ring 2 → 3), the check against ring 2
   * alone would make n23 — which never received the chunk — responsible for feeding; with ring 1 still
   * remembered, an owner that held its place through both changes is.
   */
  rememberMs: number;
}

export class PlacementCheck {
  private timer: Timer | undefined;
  /** Fires once the newest replaced ring has been remembered rememberMs: forgets every ring (see forgetSettled). */
  private forgetTimer: Timer | undefined;
  /** Every ring replaced within rememberMs or since the last check, oldest first. */
  private baselines: Array<{ ring: Ring; factor: ChunkFactorOf; replacedAt: number; checked: boolean }> = [];
  private running: Promise<void> | undefined;
  private readonly clock: Clock;

  constructor(
    private readonly init: PlacementCheckInit,
    private readonly c: PlacementCheckComponents,
  ) {
    this.clock = c.clock ?? systemClock;
  }

  /**
   * Called with the ring (and each chunk's effective replication factor, Placement.factorView) in force before
   * a change of the ring or of the factors (cluster-wide or a folder's); checks run debounced, against every
   * ring seen.
   */
  ringChanged(previous: Ring, factor: ChunkFactorOf = this.c.placement.factorView()): void {
    this.baselines.push({ ring: previous, factor, replacedAt: this.clock.elapsed(), checked: false });
    this.forgetTimer?.cancel();
    this.forgetTimer = this.clock.timer(this.init.rememberMs + 1, () => this.forgetSettled());
    this.timer?.cancel();
    this.timer = this.clock.timer(this.init.debounceMs, () => {
      this.timer = undefined;
      // Rings replaced since the last check always count; those already checked, only while remembered.
      const since = this.clock.elapsed() - this.init.rememberMs;
      const baselines = this.baselines.filter((b) => !b.checked || b.replacedAt >= since);
      for (const b of baselines) b.checked = true;
      const before = baselines.map(({ ring, factor }) => ({ ring, factor }));
      this.baselines = baselines.filter((b) => b.replacedAt >= since);
      this.running = (this.running ?? Promise.resolve())
        .then(() => this.run(before))
        .then(
          () => undefined,
          (err) => this.c.log.error("placement check failed", { err }),
        );
    });
  }

  /**
   * Once ring changes stop, the rings replaced before them are no longer needed here, nor by the placement's
   * settle window (the same length: NodeCore gives both ringSettleMs). Without this an idle node kept the last
   * burst's rings until the next change: after a hundred nodes joined, tens of MiB of virtual nodes.
   */
  private forgetSettled(): void {
    this.forgetTimer = undefined;
    const since = this.clock.elapsed() - this.init.rememberMs;
    this.baselines = this.baselines.filter((b) => !b.checked || b.replacedAt >= since);
    this.c.placement.forgetSettled();
  }

  /** Replaced rings kept for later checks (see forgetSettled). */
  get rememberedRings(): number {
    return this.baselines.length;
  }

  async stop(): Promise<void> {
    this.timer?.cancel();
    this.forgetTimer?.cancel();
    await this.running;
  }

  /** Walks local chunks in pages, yielding between pages so the node keeps serving. */
  async run(before: ReadonlyArray<{ ring: Ring; factor: ChunkFactorOf }>): Promise<number> {
    const { placement, store, queue, selfId, log } = this.c;
    let after: string | undefined;
    let queued = 0;
    for (;;) {
      const ids = store.ids(after, 1000);
      if (ids.length === 0) break;
      const copies: Array<{ chunkId: string; target: string }> = [];
      for (const id of ids) {
        const earlier = before.map(({ ring, factor }) => ring.replicaSet(id, factor(id)));
        for (const target of newOwnersToFeed(selfId, earlier, placement.owners(id))) {
          copies.push({ chunkId: id, target });
        }
      }
      queue.enqueue(copies, this.clock.now());
      queued += copies.length;
      after = ids[ids.length - 1];
      await this.clock.sleep(0);
    }
    if (queued > 0) log.info("placement check queued copies for new owners", { copies: queued });
    return queued;
  }
}
