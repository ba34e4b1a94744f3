// Issue 3: chunk anti-entropy. A copy lost on one owner's disk, with no ring change and no read to
// reveal it, is found by comparing range digests with a co-owner and restored.
import { answer, getAnswer } from "../harness/api.ts";
import { afterAll, beforeAll, expect, test } from "bun:test";
import { unlinkSync } from "node:fs";
import { join } from "node:path";
import { put, randomBytes, TestCluster, waitFor } from "../harness/cluster.ts";

const health = (url: string) => getAnswer(`${url}/api/health`, "health");

let cluster: TestCluster;
beforeAll(async () => {
  // The replica census would find the lost copies too (it runs as often as anti-entropy by default, and the
  // two raced in CI): it runs after the write below, as the test waits for, and then not for an hour.
  cluster = await TestCluster.start(3, { chunkSizeMb: 0.0625, env: { CHUNK_SYNC_INTERVAL_S: "0.5", CENSUS_INTERVAL_S: "3600" } });
  // Let the placement checks that follow the cluster's formation (1 s debounce) finish, so that
  // nothing but anti-entropy can restore the copy below.
  await Bun.sleep(2500);
});
afterAll(async () => {
  await cluster?.stop();
});

test("a chunk file deleted behind an owner's back is restored by anti-entropy", async () => {
  const [a, b] = cluster.nodes;
  const body = await answer(await put(a!.url, "quiet.bin", randomBytes(500_000)), "putFile", 201);
  const lost = body.chunks.slice(0, 3);
  // The write changed every node's store, which sets off a replica census pass (replica-census.ts); one that
  // ran after the delete below would find the gap itself and leave anti-entropy nothing to do. So the
  // files go only once every node has counted the write.
  const written = Date.now();
  await waitFor(
    async () => {
      const counted = await Promise.all(cluster.nodes.map(async (n) => (await health(n.url)).replication?.checkedAt ?? 0));
      return counted.every((t) => t > written);
    },
    20_000,
    "every node's census to count the write",
  );
  for (const id of lost) unlinkSync(join(b!.dataDir, "chunks", id.slice(0, 2), id.slice(2, 4), id));
  for (const id of lost) expect(b!.chunkFiles()).not.toContain(id);
  await waitFor(() => lost.every((id) => b!.chunkFiles().includes(id)), 20_000, "anti-entropy to restore B's copies");
  const onA = await health(a!.url);
  // Either co-owner may have found the gap first; between them they queued every lost copy.
  const stats = await Promise.all(cluster.nodes.map(async (n) => (await health(n.url)).antiEntropy));
  expect(stats.reduce((s, x) => s + x.copiesQueued, 0)).toBeGreaterThanOrEqual(lost.length);
  expect(onA.antiEntropy.rounds).toBeGreaterThan(0);
});
