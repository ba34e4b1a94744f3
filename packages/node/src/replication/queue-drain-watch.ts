// Tells when a burst of queued copies has been delivered (the node's timeline notes it), looking at the queue's
// depth once a second only while it has rows: an enqueue arms the watch, an empty queue disarms it. A check every
// second of an empty queue was one of an idle node's few wake-ups, a hundred of them on one host.
import type { Clock, Timer } from "../util/clock.ts";
import type { ReplicationQueue } from "./queue.ts";

export function watchQueueDrain(
  queue: Pick<ReplicationQueue, "depth" | "onEnqueue">,
  onDrained: () => void,
  clock: Pick<Clock, "timer">,
  intervalMs = 1000,
): { stop(): void } {
  let timer: Timer | undefined;
  const arm = () => {
    timer ??= clock.timer(intervalMs, check);
  };
  const check = () => {
    timer = undefined;
    if (queue.depth() > 0) return arm();
    onDrained();
  };
  const unsubscribe = queue.onEnqueue(arm);
  // Rows left from before a restart are a burst too.
  if (queue.depth() > 0) arm();
  return {
    stop() {
      unsubscribe();
      timer?.cancel();
      timer = undefined;
    },
  };
}
