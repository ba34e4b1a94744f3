// When the ring changes, each node walks its local chunks and queues a copy to every owner that is
// new in the chunk's owner set (a node that returned, a node that joined, a chunk written while the
// cluster had fewer than N nodes up). One old owner per chunk is responsible, so copies are not sent
// twice; the queue worker asks the target what it already holds before sending bytes.
import type { Logger } from "../log.ts";
import type { Ring } from "../ring/index.ts";
import type { ChunkStorage } from "../store/chunk-storage.ts";
import type { Placement } from "./placement.ts";
import type { ReplicationQueue } from "./queue.ts";
import { type Clock, systemClock, type Timer } from "../util/clock.ts";

/**
 * New owners that `selfId` must send a chunk to, given its owner sets under every ring in force since
 * the last check (`before`, oldest first; writes may have happened under any of them) and now (`after`).
 * Pure. An owner missing from any earlier set may lack the chunk; the first owner present in all of
 * them sends, or, if there is none, every holder does.
 */
export function newOwnersToFeed(selfId: string, before: readonly (readonly string[])[], after: readonly string[]): string[] {
  const added = after.filter((id) => id !== selfId && before.some((set) => !set.includes(id)));
  if (added.length === 0) return [];
  const stayed = after.filter((id) => before.every((set) => set.includes(id)));
  const responsible = stayed.length > 0 ? stayed[0] : selfId;
  return responsible === selfId ? added : [];
}

export interface PlacementCheckComponents {
  selfId: string;
  placement: Placement;
  store: ChunkStorage;
  queue: ReplicationQueue;
  log: Logger;
  clock?: Clock;
}

export class PlacementCheck {
  private timer: Timer | undefined;
  /** Every ring in force since the last check, oldest first. */
  private baselines: Ring[] = [];
  private running: Promise<void> | undefined;
  private readonly clock: Clock;

  constructor(
    private readonly debounceMs: number,
    private readonly c: PlacementCheckComponents,
  ) {
    this.clock = c.clock ?? systemClock;
  }

  /** Called with the ring that was in force before a change; checks run debounced, against every ring seen. */
  ringChanged(previous: Ring): void {
    this.baselines.push(previous);
    this.timer?.cancel();
    this.timer = this.clock.timer(this.debounceMs, () => {
      this.timer = undefined;
      const before = this.baselines;
      this.baselines = [];
      this.running = (this.running ?? Promise.resolve())
        .then(() => this.run(before))
        .then(
          () => undefined,
          (err) => this.c.log.error("placement check failed", { err }),
        );
    });
  }

  async stop(): Promise<void> {
    this.timer?.cancel();
    await this.running;
  }

  /** Walks local chunks in pages, yielding between pages so the node keeps serving. */
  async run(before: readonly Ring[]): Promise<number> {
    const { placement, store, queue, selfId, log } = this.c;
    const n = placement.effectiveReplicationFactor();
    let after: string | undefined;
    let queued = 0;
    for (;;) {
      const ids = store.ids(after, 1000);
      if (ids.length === 0) break;
      const copies: Array<{ chunkId: string; target: string }> = [];
      for (const id of ids) {
        const earlier = before.map((ring) => ring.replicaSet(id, n));
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
