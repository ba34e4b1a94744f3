import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { logger } from "../log.ts";
import { testMember } from "../membership/test-member.ts";
import { loadHash64 } from "../ring/index.ts";
import { ChunkStore } from "../store/chunk-store.ts";
import { openDatabase } from "../store/db.ts";
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
