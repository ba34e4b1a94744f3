// Issue 10, case 2: health counts missing copies, not queue rows. With one of three nodes dead (N = 3), every
// chunk has 2 live copies of 3, and no copy can be made: /api/health and /metrics must say so (the old code
// said underReplicatedChunks: 0, because nothing was queued).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { answer, getAnswer } from "../harness/api.ts";
import { put, randomBytes, TestCluster, type TestNode, waitFor } from "../harness/cluster.ts";

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await TestCluster.start(3, { chunkSizeMb: 0.0625 });
}, 90_000);
afterAll(async () => {
  await cluster?.stop();
});

const health = (url: string) => getAnswer(`${url}/api/health`, "health");
const metric = async (url: string, name: string) => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(" ")[1]);
};

test("a dead node: every chunk is counted under-replicated (2 of 3 live copies), none repairable, in health and metrics", async () => {
  await cluster.explain(async () => {
    const chunks = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const body = await answer(await put(cluster.nodes[i % 3]!.url, `h/f${i}.bin`, randomBytes(20_000 + i * 30_000)), "putFile", 201);
      for (const id of body.chunks) chunks.add(id);
    }
    // Healthy first: every chunk at 3 copies and the census agrees (0 everywhere, a fresh count).
    await waitFor(async () => {
      const copies = cluster.copies();
      if (![...chunks].every((id) => copies.get(id) === 3)) return false;
      const hs = await Promise.all(cluster.nodes.map((n) => health(n.url)));
      return hs.every((h) => h.underReplicatedChunks === 0 && h.replication && !h.replication.stale) &&
        hs.reduce((s, h) => s + (h.replication?.chunks ?? 0), 0) === chunks.size;
    }, 30_000, "a healthy census of every chunk");

    const [n1, n2, n3] = cluster.nodes as [TestNode, TestNode, TestNode];
    await n3.kill();
    await waitFor(async () => {
      for (const n of [n1, n2]) if ((await n.members()).find((m) => m.id === "n3")?.state !== "dead") return false;
      return true;
    }, 20_000, "n3 dead on both survivors");

    await waitFor(async () => {
      const hs = await Promise.all([n1, n2].map((n) => health(n.url)));
      if (hs.some((h) => !h.replication || h.replication.stale)) return false;
      return hs.reduce((s, h) => s + (h.underReplicatedChunks ?? 0), 0) === chunks.size;
    }, 30_000, "the survivors to count every chunk under-replicated");
    const hs = await Promise.all([n1, n2].map((n) => health(n.url)));
    for (const h of hs) {
      const census = h.replication!;
      expect(census.factor).toBe(3);
      expect(census.liveNodes).toBe(2);
      // Fewer live nodes than N: no copy is possible, so nothing is "being re-replicated".
      expect(census.waitingForNodes).toBe(h.underReplicatedChunks!);
      expect(census.repairable).toBe(0);
      expect(census.missingCopies).toBe(h.underReplicatedChunks!);
      expect(h.queue.chunksWithQueuedCopies).toBeGreaterThanOrEqual(0);
    }
    const fromMetrics = await Promise.all([n1, n2].map((n) => metric(n.url, "orrery_under_replicated_chunks")));
    expect(fromMetrics.reduce((s: number, v) => s + (v ?? Number.NaN), 0)).toBe(chunks.size);
    const waiting = await Promise.all([n1, n2].map((n) => metric(n.url, "orrery_under_replicated_chunks_waiting_for_nodes")));
    expect(waiting.reduce((s: number, v) => s + (v ?? Number.NaN), 0)).toBe(chunks.size);

    // n3 returns: the count goes back to 0.
    await cluster.restart(n3);
    await waitFor(async () => {
      const all = await Promise.all(cluster.nodes.map((n) => health(n.url)));
      return all.every((h) => h.replication && !h.replication.stale && h.underReplicatedChunks === 0);
    }, 40_000, "0 under-replicated chunks once n3 is back");
  });
}, 180_000);
