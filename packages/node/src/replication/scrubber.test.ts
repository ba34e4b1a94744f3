import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { logger } from "../log.ts";
import { testMember } from "../membership/test-member.ts";
import { loadHash64 } from "../ring/index.ts";
import { ChunkStore } from "../store/chunk-store.ts";
import { openDatabase } from "../store/db.ts";
import { MemoryChunkStore } from "../store/memory-chunk-store.ts";
import { TokenBucket } from "../util/token-bucket.ts";
import type { ChunkReader } from "./chunk-reader.ts";
import { Placement } from "./placement.ts";
import { Scrubber } from "./scrubber.ts";

const dir = mkdtempSync(join(tmpdir(), "orrery-scrub-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("stop() during a pass returns at once instead of sleeping through the pause", async () => {
  const store = new ChunkStore({ dir: join(dir, "chunks"), db: openDatabase(":memory:"), maxChunkSize: 1 << 20 });
  for (let i = 0; i < 20; i++) {
    const data = new TextEncoder().encode(`chunk ${i}`.repeat(1000));
    await store.put(new Bun.CryptoHasher("sha256").update(data).digest("hex"), data);
  }
  const placement = new Placement(1, await loadHash64(), 8);
  placement.update([testMember("self")]);
  const scrubber = new Scrubber(
    { pauseMs: 3_600_000, pageSize: 5 },
    {
      selfId: "self",
      store,
      reader: {} as ChunkReader, // never used: no chunk is corrupt
      placement,
      bandwidth: new TokenBucket(20_000, 1000), // ~0.5 s per chunk: the pass is still running at stop()
      log: logger("scrub-test"),
    },
  );
  scrubber.start();
  await Bun.sleep(100);
  const stopped = await Promise.race([scrubber.stop().then(() => "stopped"), Bun.sleep(5000).then(() => "hung")]);
  expect(stopped).toBe("stopped");
  expect(scrubber.stats.checked).toBeGreaterThan(0);
  expect(scrubber.stats.checked).toBeLessThan(20);
});

test("a pass finds a copy gone bad, and restores it from a replica when this node owns it", async () => {
  const store = new MemoryChunkStore({ maxChunkSize: 1 << 20 }, { log: logger("scrub-test") });
  const data = new TextEncoder().encode("scrub me".repeat(100));
  const id = new Bun.CryptoHasher("sha256").update(data).digest("hex");
  await store.put(id, data);
  store.corrupt(id);
  const placement = new Placement(1, await loadHash64(), 8);
  placement.update([testMember("self")]);
  const asked: string[] = [];
  const reader = { read: async (chunkId: string) => (asked.push(chunkId), data) } as unknown as ChunkReader;
  const scrubber = new Scrubber(
    { pauseMs: 3_600_000, pageSize: 5 },
    { selfId: "self", store, reader, placement, bandwidth: new TokenBucket(1 << 30, 1 << 20), log: logger("scrub-test") },
  );
  scrubber.start();
  for (let i = 0; i < 100 && scrubber.stats.passes === 0; i++) await Bun.sleep(10);
  await scrubber.stop();
  expect(scrubber.stats).toMatchObject({ passes: 1, checked: 0, corrupt: 1, repaired: 1 });
  expect(asked).toEqual([id]);
  expect(store.quarantined()).toEqual([id]);
  expect(await store.get(id)).toEqual(data);
});
