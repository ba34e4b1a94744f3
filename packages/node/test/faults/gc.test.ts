// Issue 3: garbage collection. Chunks of deleted files are removed once every member has seen the
// delete; tombstones go only after that, never while a member that may hold the old file is down.
import { answer, getAnswer } from "../harness/api.ts";
import { afterAll, beforeAll, expect, test } from "bun:test";
import { put, randomBytes, TestCluster, waitFor } from "../harness/cluster.ts";

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await TestCluster.start(3, {
    chunkSizeMb: 0.25,
    env: { GC_INTERVAL_S: "0.5", GC_MIN_CHUNK_AGE_S: "1", GC_MIN_TOMBSTONE_AGE_S: "1" },
  });
});
afterAll(async () => {
  await cluster?.stop();
});

const tombstones = async (url: string) => (await getAnswer(`${url}/status`, "status")).files.tombstones;
const gcOf = async (url: string) => (await getAnswer(`${url}/api/health`, "health")).gc;

test("a deleted file's chunks and tombstone are collected on every node; a kept file's are not", async () => {
  const [a, b] = cluster.nodes;
  const gone = await answer(await put(a!.url, "gone.bin", randomBytes(700_000)), "putFile", 201);
  const kept = await answer(await put(a!.url, "kept.bin", randomBytes(300_000)), "putFile", 201);
  expect((await fetch(`${b!.url}/api/files/gone.bin`, { method: "DELETE" })).status).toBe(200);
  await waitFor(
    async () => {
      const copies = cluster.copies();
      if (gone.chunks.some((id: string) => copies.has(id))) return false;
      for (const n of cluster.nodes) if ((await tombstones(n.url)) !== 0) return false;
      return true;
    },
    20_000,
    "chunks and tombstone of gone.bin to be collected everywhere",
  );
  const copies = cluster.copies();
  for (const id of kept.chunks) expect(copies.get(id)).toBe(3);
  for (const n of cluster.nodes) expect((await fetch(`${n.url}/api/files/gone.bin`)).status).toBe(404);
});

test("while a member is down nothing is collected; after it returns the delete holds and GC proceeds", async () => {
  const [a, , c] = cluster.nodes;
  const body = await answer(await put(a!.url, "old.bin", randomBytes(300_000)), "putFile", 201);
  await waitFor(async () => (await fetch(`${c!.url}/api/files/old.bin`)).status === 200, 10_000, "C to have old.bin");
  await c!.kill();
  await waitFor(async () => (await a!.members()).find((m) => m.id === "n3")?.state === "dead", 20_000, "n3 dead");
  expect((await fetch(`${a!.url}/api/files/old.bin`, { method: "DELETE" })).status).toBe(200);
  await Bun.sleep(3000); // several GC intervals and more than the minimum ages
  const health = await gcOf(a!.url);
  expect(health.skipped).toContain("n3");
  // What the deleted file still takes is said, and why it waits (issue 15: deleted data explained).
  expect(health.pendingChunks).toBeGreaterThanOrEqual(body.chunks.length);
  expect(health.minChunkAgeSeconds).toBe(1);
  expect(await tombstones(a!.url)).toBe(1);
  for (const id of body.chunks) expect(a!.chunkFiles()).toContain(id);

  await cluster.restart(c!);
  await waitFor(
    async () => {
      for (const n of cluster.nodes) if ((await tombstones(n.url)) !== 0) return false;
      return !body.chunks.some((id: string) => cluster.copies().has(id));
    },
    30_000,
    "GC after n3 returned",
  );
  await waitFor(async () => (await gcOf(a!.url)).pendingChunks === 0, 10_000, "nothing pending on n1");
  for (const n of cluster.nodes) expect((await fetch(`${n.url}/api/files/old.bin`)).status).toBe(404);
});
