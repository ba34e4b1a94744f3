// Gathers what arrives within one turn of the event loop and hands it over as one batch: a push-pull of a
// hundred members is a hundred member changes in one go, and each used to rebuild the ring (~3 ms of CPU
// each at 100 members × 768 virtual nodes), so a node joining a hundred spent its first seconds sorting.

export type Schedule = (fn: () => void) => void;

/**
 * `push(item)` queues an item; the first push of a turn schedules one `flush` of everything queued by
 * then. Errors thrown by `flush` go to `onError` (the batch is gone either way).
 */
export function coalesce<T>(flush: (items: T[]) => void, onError: (err: unknown) => void, schedule: Schedule = setImmediate): (item: T) => void {
  let queued: T[] = [];
  return (item) => {
    queued.push(item);
    if (queued.length > 1) return;
    schedule(() => {
      const batch = queued;
      queued = [];
      try {
        flush(batch);
      } catch (err) {
        onError(err);
      }
    });
  };
}
