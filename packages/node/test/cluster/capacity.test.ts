// Issue 10, cases 1 and 3, with real node processes: a full node is passed over for new chunks and no
// copy waits on it forever; a storage-less gateway forwards reads and writes and holds no chunk file.
import { answer, getAnswer } from "../harness/api.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { getBytes, put, randomBytes, sha256, TestCluster, type TestNode, waitFor } from "../harness/cluster.ts";

const KiB = 1024;
const chunkIdsOf = async (node: TestNode, path: string): Promise<string[]> => (await getAnswer(`${node.url}/api/stat/${path}`, "stat")).chunks.map((c) => c.id);
const member = async (observer: TestNode, id: string) => (await observer.members()).find((m) => m.id === id);
const health = (node: TestNode) => getAnswer(`${node.url}/api/health`, "health");

/** Three nodes (`env` for all) and a fourth with settings of its own, every member seen. */
async function threePlusOne(env: Record<string, string>, fourthEnv: Record<string, string>): Promise<[TestCluster, TestNode]> {
  const cluster = await TestCluster.start(3, { chunkSizeMb: 0.25, env });
  const fourth = await cluster.add([], fourthEnv);
  await cluster.waitForMembers(4);
  return [cluster, fourth];
}

describe("a node at its quota (case 1)", () => {
  let cluster: TestCluster;
  let full: TestNode;

  beforeAll(async () => {
    // Equal capacities, so only the full flag can keep chunks off n4 (by default a 1 MiB quota would also
    // be its capacity, and its tiny weight alone would give it almost nothing).
    [cluster, full] = await threePlusOne({ CAPACITY_GB: "1" }, { STORE_QUOTA_MB: "1" });
  }, 60_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  test("40 new files all reach 3 copies on the nodes with room; no queue row waits on the full node; what it holds stays", () =>
    cluster.explain(async () => {
      const others = cluster.nodes.filter((n) => n !== full);
      const files: Array<{ path: string; data: Uint8Array<ArrayBuffer> }> = [];
      for (let i = 0; i < 40; i++) {
        const data = randomBytes(150 * KiB + i);
        const path = `quota/f${i}.bin`;
        // Through every node, the full one too: it forwards what it cannot hold.
        const res = await put(cluster.nodes[i % 4]!.url, path, data);
        expect(res.status).toBe(201);
        files.push({ path, data });
      }
      const chunks = (await Promise.all(files.map((f) => chunkIdsOf(others[0]!, f.path)))).flat();
      expect(chunks.length).toBe(40);

      const held = (n: TestNode) => new Set(n.chunkFiles());
      await waitFor(
        () => {
          const sets = others.map(held);
          return chunks.every((id) => sets.every((s) => s.has(id)));
        },
        60_000,
        "every new chunk on each of the three nodes with room",
      );
      // n4 filled up early (1 MiB holds six of these chunks) and told the cluster.
      for (const n of others) expect(await member(n, full.id)).toMatchObject({ state: "alive", full: true });
      expect((await full.status()).storage).toMatchObject({ role: "storage", full: true });
      // Nothing stays queued for the full node (rows that hit its quota were redirected), nor anywhere else.
      await waitFor(
        async () => {
          for (const n of cluster.nodes) {
            const q = (await n.status()).queue;
            if (q.depth !== 0 || (q.byTarget[full.id] ?? 0) !== 0) return false;
          }
          return true;
        },
        60_000,
        "every replication queue to drain",
      );
      // What n4 stored before it filled up stays there: it is not surplus (no sweep is pending or done).
      const kept = held(full);
      expect(kept.size).toBeGreaterThan(0);
      const h = await health(full);
      expect(h.handoff).toMatchObject({ surplusCopiesWaiting: 0, surplusCopiesDeleted: 0 });
      for (const id of kept) expect(held(full).has(id)).toBe(true);
      // Reads work everywhere, the full node's own included.
      for (const [i, f] of files.entries()) expect(sha256(await getBytes(cluster.nodes[(i + 1) % 4]!.url, f.path))).toBe(sha256(f.data));
    }),
  240_000);
});

describe("a storage-less gateway (case 3)", () => {
  let cluster: TestCluster;
  let gateway: TestNode;

  beforeAll(async () => {
    [cluster, gateway] = await threePlusOne({}, { STORAGE: "off" });
  }, 60_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  test("writes and reads through it work at quorum, it holds no chunk file, and every file has 3 copies on the storage nodes", () =>
    cluster.explain(async () => {
      const storage = cluster.nodes.filter((n) => n !== gateway);
      const files: Array<{ path: string; data: Uint8Array<ArrayBuffer>; via: TestNode }> = [];
      for (let i = 0; i < 12; i++) {
        // Mostly through the gateway (one file of several chunks), some through storage nodes to read back there.
        const via = i % 3 === 2 ? storage[i % 3]! : gateway;
        const data = randomBytes(i === 0 ? 1024 * KiB + 7 : 40 * KiB + i);
        const path = `gw/f${i}.bin`;
        const body = await answer(await put(via.url, path, data, i === 1 ? "all" : "quorum"), "putFile", 201);
        expect(body.copies).toBeGreaterThanOrEqual(i === 1 ? 3 : 2);
        files.push({ path, data, via });
      }
      for (const f of files) {
        expect(sha256(await getBytes(gateway.url, f.path))).toBe(sha256(f.data));
        expect(sha256(await getBytes(storage[0]!.url, f.path))).toBe(sha256(f.data));
      }
      const listing = (await (await fetch(`${gateway.url}/api/files/gw`)).json()) as { entries: unknown[] };
      expect(listing.entries.length).toBe(files.length);

      const chunks = (await Promise.all(files.map((f) => chunkIdsOf(gateway, f.path)))).flat();
      await waitFor(() => chunks.every((id) => cluster.copies().get(id) === 3), 60_000, "3 copies of every chunk");
      expect(gateway.chunkFiles()).toEqual([]);
      expect(existsSync(join(gateway.dataDir, "chunks"))).toBe(false);

      // Every member sees it as a gateway that owns nothing; it still counts as a full gossip member.
      for (const n of cluster.nodes) {
        const view = await getAnswer(`${n.url}/api/cluster`, "cluster");
        expect(view.members.find((m) => m.id === gateway.id)).toMatchObject({ state: "alive", role: "gateway", weight: 0 });
        expect(view.ring.members.some((m) => m.id === gateway.id)).toBe(false);
      }
      const status = await gateway.status();
      expect(status.storage).toMatchObject({ role: "gateway", capacityGB: 0 });
      expect(status.effectiveReplicationFactor).toBe(3);
      expect(status.chunks.count).toBe(0);
    }),
  240_000);
});
