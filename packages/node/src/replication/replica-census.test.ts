import { beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { logger } from "../log.ts";
import { testMember } from "../membership/test-member.ts";
import { type Hash64, loadHash64 } from "../ring/index.ts";
import type { PeerRpc } from "../rpc/peer-rpc.ts";
import { MemoryChunkStore } from "../store/memory-chunk-store.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { MemoryReplicationQueue } from "./memory-queue.ts";
import { Placement } from "./placement.ts";
import { countChunk, emptyCounts, ReplicaCensus } from "./replica-census.ts";

let h: Hash64;
beforeAll(async () => {
  h = await loadHash64();
});

describe("countChunk (truthful under-replication)", () => {
  test("the first owner holding a copy reports the chunk; the others do not", () => {
    const a = emptyCounts(3, 3);
    const b = emptyCounts(3, 3);
    const holds = (o: string) => o !== "x";
    expect(countChunk(a, "a", ["x", "a", "b"], holds)).toEqual(["x"]);
    expect(countChunk(b, "b", ["x", "a", "b"], holds)).toBeUndefined();
    expect(a).toMatchObject({ chunks: 1, underReplicated: 1, missingCopies: 1, repairable: 1, waitingForNodes: 0, byLiveCopies: { "2": 1 } });
    expect(b.chunks).toBe(0);
  });

  test("fewer live nodes than the factor: every live owner holds it, so no copy is possible (waiting for nodes)", () => {
    const c = emptyCounts(3, 2);
    expect(countChunk(c, "a", ["a", "b"], () => true)).toEqual([]);
    expect(c).toMatchObject({ chunks: 1, underReplicated: 1, missingCopies: 1, repairable: 0, waitingForNodes: 1 });
  });

  test("a chunk at the factor is counted but not under-replicated; a single copy is missing two", () => {
    const c = emptyCounts(3, 3);
    countChunk(c, "a", ["a", "b", "c"], () => true);
    countChunk(c, "a", ["a", "b", "c"], (o) => o === "a");
    expect(c).toMatchObject({ chunks: 2, underReplicated: 1, missingCopies: 2, repairable: 1, byLiveCopies: { "1": 1 } });
  });
});

describe("ReplicaCensus passes", () => {
  test("chunks written after a pass are counted within seconds, not at the next interval", async () => {
    // The one live node of three (N = 3): every chunk it holds is short two copies and waits for nodes.
    const clock = new ManualClock();
    const placement = new Placement(3, h, 16);
    placement.update([testMember("a", "alive"), testMember("b", "dead"), testMember("c", "dead")]);
    const store = new MemoryChunkStore({ maxChunkSize: 1024 });
    const rpc = { call: () => Promise.reject(new Error("no peers")) } as unknown as PeerRpc;
    const census = new ReplicaCensus(60_000, { selfId: "a", placement, store, rpc, queue: new MemoryReplicationQueue(), clock, log: logger("census-test") });
    const put = async (i: number) => {
      const data = new TextEncoder().encode(`chunk ${i}`);
      await store.put(createHash("sha256").update(data).digest("hex"), data);
    };
    await put(0);
    census.start();
    await clock.advance(1500);
    expect(census.census()).toMatchObject({ chunks: 1, underReplicated: 1, waitingForNodes: 1, stale: false });

    await put(1);
    await put(2);
    // The counts are known to be off at once, and a recount follows within seconds.
    expect(census.census()!.stale).toBe(true);
    await clock.advance(2500);
    expect(census.census()).toMatchObject({ chunks: 3, underReplicated: 3, waitingForNodes: 3, repairable: 0, stale: false });
    const passes = census.worker.status().passes;
    // Nothing changed: no more passes until the interval, and the store is looked at less and less often.
    const timer = clock.timer.bind(clock);
    let armed = 0;
    clock.timer = (ms, fn) => (armed++, timer(ms, fn));
    await clock.advance(50_000);
    expect(census.worker.status().passes).toBe(passes);
    expect(armed).toBeLessThanOrEqual(9); // 2, 4, 8, 8, ... s (every 2 s was 25)
    // A write after the long quiet is still counted within seconds.
    await put(3);
    await clock.advance(8500);
    expect(census.census()).toMatchObject({ chunks: 4, stale: false });
    await census.stop();
  });
});
