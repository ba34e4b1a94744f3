import { expect, test } from "bun:test";
import type { Logger } from "../log.ts";
import type { Member } from "../membership/types.ts";
import type { PeerRpc } from "../rpc/peer-rpc.ts";
import type { ChunkStorage } from "../store/chunk-storage.ts";
import { ManualClock } from "../util/manual-clock.ts";
import type { TokenBucket } from "../util/token-bucket.ts";
import type { ChunkReader } from "./chunk-reader.ts";
import { MemoryReplicationQueue } from "./memory-queue.ts";
import type { Placement } from "./placement.ts";
import { QueueWorker } from "./queue-worker.ts";

const log: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const CHUNK = "a".repeat(64);

/** A queue worker on a virtual clock whose one target answers as `answer` says; counts the queue's polls. */
function setup(answer: { fail: boolean }) {
  const clock = new ManualClock();
  const queue = new MemoryReplicationQueue();
  let polls = 0;
  const due = queue.due.bind(queue);
  queue.due = (now, limit) => {
    polls++;
    return due(now, limit);
  };
  const puts: number[] = [];
  const target = { id: "n2", state: "alive" } as Member;
  const rpc = {
    call: async (_id: string, method: string) => {
      if (answer.fail) throw new Error("connection refused");
      if (method === "chunk.has") return [false];
      puts.push(clock.now());
      return undefined;
    },
  } as unknown as PeerRpc;
  const worker = new QueueWorker(
    { batchSize: 64, retryBaseMs: 1000, retryMaxMs: 1000, pollMs: 500 },
    {
      selfId: "n1",
      queue,
      placement: { member: () => target, owners: () => ["n1", "n2"] } as unknown as Placement,
      store: { has: () => true, get: async () => new Uint8Array(8) } as unknown as ChunkStorage,
      reader: {} as ChunkReader,
      rpc,
      bandwidth: { take: () => 0 } as unknown as TokenBucket,
      log,
      clock,
      random: () => 0.5,
    },
  );
  return { clock, queue, worker, puts, polls: () => polls };
}

test("an empty queue is not polled: the worker sleeps until an enqueue wakes it, then delivers at once", async () => {
  const { clock, queue, worker, puts, polls } = setup({ fail: false });
  worker.start();
  await clock.advance(0);
  for (let i = 0; i < 20; i++) await clock.advance(1000);
  // One look at start; then nothing for 20 s (it used to look every 500 ms: 40 times).
  expect(polls()).toBe(1);
  queue.enqueue([{ chunkId: CHUNK, target: "n2" }], clock.now());
  await clock.advance(0);
  await clock.advance(0);
  expect(puts).toEqual([clock.now()]);
  expect(queue.depth()).toBe(0);
  await worker.stop();
});

test("a row waiting for its retry is tried when it is due, not before and not much later", async () => {
  const answer = { fail: true };
  const { clock, queue, worker, puts, polls } = setup(answer);
  worker.start();
  await clock.advance(0);
  const t0 = clock.now();
  queue.enqueue([{ chunkId: CHUNK, target: "n2" }], t0);
  await clock.advance(0);
  await clock.advance(0);
  const retryAt = queue.nextDueAt()!;
  expect(retryAt).toBeGreaterThan(t0); // the failed attempt was rescheduled
  answer.fail = false;
  const before = polls();
  await clock.advance(retryAt - clock.now() - 1);
  expect(puts).toEqual([]);
  expect(polls() - before).toBeLessThanOrEqual(1);
  for (let i = 0; i < 10 && puts.length === 0; i++) await clock.advance(100);
  expect(puts.length).toBe(1);
  expect(puts[0]! - retryAt).toBeLessThan(500);
  await worker.stop();
});
