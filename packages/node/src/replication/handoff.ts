// Graceful leave: before a node announces it is gone, it queues every local chunk to the owners the
// chunk has without it, and waits until the queue has delivered them (the worker skips owners that
// already hold a copy). Only then is it safe to leave: nothing it held is lost.
import type { Logger } from "../log.ts";
import type { ChunkStorage } from "../store/chunk-storage.ts";
import type { Placement } from "./placement.ts";
import type { ReplicationQueue } from "./queue.ts";
import { type Clock, systemClock } from "../util/clock.ts";

export async function handOffAndDrain(
  c: { selfId: string; placement: Placement; store: ChunkStorage; queue: ReplicationQueue; log: Logger; clock?: Clock },
  timeoutMs: number,
): Promise<{ queued: number; drained: boolean }> {
  const { selfId, placement, store, queue, log } = c;
  const clock = c.clock ?? systemClock;
  placement.exclude(selfId);
  let queued = 0;
  let after: string | undefined;
  for (;;) {
    const ids = store.ids(after, 1000);
    if (ids.length === 0) break;
    const copies = ids.flatMap((chunkId) => placement.owners(chunkId).map((target) => ({ chunkId, target })));
    queue.enqueue(copies, clock.now());
    queued += copies.length;
    after = ids[ids.length - 1];
  }
  log.info("leaving: handing chunks off to their remaining owners", { copies: queued });
  const deadline = clock.elapsed() + timeoutMs;
  while (queue.depth() > 0 && clock.elapsed() < deadline) await clock.sleep(200);
  const drained = queue.depth() === 0;
  if (!drained) log.error("leaving before the hand-off finished", { pending: queue.depth() });
  return { queued, drained };
}
