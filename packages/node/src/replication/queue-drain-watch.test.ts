import { expect, test } from "bun:test";
import { ManualClock } from "../util/manual-clock.ts";
import { MemoryReplicationQueue } from "./memory-queue.ts";
import { watchQueueDrain } from "./queue-drain-watch.ts";

const CHUNK = "a".repeat(64);

function setup(queue = new MemoryReplicationQueue()) {
  const clock = new ManualClock();
  let timers = 0;
  const counting = { timer: (ms: number, fn: () => void) => (timers++, clock.timer(ms, fn)) };
  const drained: number[] = [];
  const watch = watchQueueDrain(queue, () => drained.push(clock.elapsed()), counting);
  return { clock, queue, drained, watch, timers: () => timers };
}

test("an empty queue is not looked at: no timer until something is queued", async () => {
  const { clock, drained, timers } = setup();
  await clock.advance(60_000);
  expect(timers()).toBe(0);
  expect(drained).toEqual([]);
});

test("a burst is reported once, when its last row is delivered; then the watch sleeps again", async () => {
  const { clock, queue, drained, timers } = setup();
  queue.enqueue([{ chunkId: CHUNK, target: "n2" }, { chunkId: CHUNK, target: "n3" }], clock.now());
  await clock.advance(2500);
  expect(drained).toEqual([]);
  queue.remove(CHUNK, "n2");
  await clock.advance(1000);
  expect(drained).toEqual([]);
  queue.remove(CHUNK, "n3");
  await clock.advance(1000);
  expect(drained).toHaveLength(1);
  const armed = timers();
  await clock.advance(60_000);
  expect(timers()).toBe(armed);
  expect(drained).toHaveLength(1);
});

test("rows left from before a restart arm the watch; stop() disarms it", async () => {
  const queue = new MemoryReplicationQueue();
  queue.enqueue([{ chunkId: CHUNK, target: "n2" }], 0);
  const { clock, drained, watch } = setup(queue);
  queue.remove(CHUNK, "n2");
  await clock.advance(1000);
  expect(drained).toHaveLength(1);
  queue.enqueue([{ chunkId: CHUNK, target: "n2" }], 0);
  watch.stop();
  queue.remove(CHUNK, "n2");
  await clock.advance(5000);
  expect(drained).toHaveLength(1);
});
