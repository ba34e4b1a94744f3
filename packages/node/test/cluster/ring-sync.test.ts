// Issue 14, step 3: a replaced ring is retired once every owner of the new ring has pulled its arcs, not when a
// timer runs out. A fourth node joins three that hold rows, with delta sync off (range sync alone moves rows) and
// a settle window of ten minutes: every node lets the ring the join replaced go as soon as all four announce the
// new ring synced (their member records' ringSynced), by the trackers and not by age, while reads at quorum
// through every node keep finding every file.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { getAnswer } from "../harness/api.ts";
import { put, TestCluster, waitFor } from "../harness/cluster.ts";

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await TestCluster.start(3, { env: { MANIFEST_DELTA_SYNC: "off", RANGE_SYNC_INTERVAL_MS: "300", RING_SETTLE_S: "600", SYNC_INTERVAL_MS: "100" } });
});

afterAll(async () => {
  await cluster?.stop();
});

type Node = (typeof cluster.nodes)[0];

async function ringSync(node: Node) {
  const health = await getAnswer(`${node.url}/api/health`, "health");
  if (!health.ringSync) throw new Error(`${node.url} reports no ringSync`);
  return health.ringSync;
}

/** Every file read at quorum through every node, with its body. */
async function readAll(nodes: Node[], files: Array<{ path: string; body: string }>): Promise<void> {
  for (const node of nodes) {
    for (const f of files) {
      const res = await fetch(`${node.url}/api/files/${f.path}`);
      expect({ via: node.url, path: f.path, status: res.status, body: await res.text() }).toEqual({ via: node.url, path: f.path, status: 200, body: f.body });
    }
  }
}

describe("ring versions retired by sync", () => {
  test("after a join, the replaced ring stops counting once every owner synced, long before the settle window, and reads stay whole", async () => {
    await cluster.explain(async () => {
      const files = Array.from({ length: 30 }, (_, i) => ({ path: `d${i % 10}/f${i}.txt`, body: `file ${i}` }));
      for (const f of files) expect((await put(cluster.nodes[0]!.url, f.path, f.body)).status).toBe(201);
      // The boot's rings are retired by the trackers too, before anything joins.
      await waitFor(async () => (await Promise.all(cluster.nodes.map(ringSync))).every((r) => r.replacedRings === 0), 60_000, "the boot's rings to be retired");

      const version = (await ringSync(cluster.nodes[0]!)).version;
      const joiner = await cluster.add();
      await cluster.waitForMembers(4);
      const nodes = [...cluster.nodes];
      let reads = 0;
      await waitFor(
        async () => {
          await readAll(nodes, files);
          reads++;
          const all = await Promise.all(nodes.map(ringSync));
          return all.every((r) => r.version === all[0]!.version && r.synced === r.version && r.replacedRings === 0);
        },
        120_000,
        "every node to announce the new ring synced and retire the ring the join replaced",
      );
      const after = await Promise.all(nodes.map(ringSync));
      expect(after[0]!.version).not.toBe(version);
      for (const r of after) {
        expect(r.byAge).toBe(0);
        expect(r.bySync).toBeGreaterThan(0);
      }
      expect((await ringSync(joiner)).compared).toBeGreaterThan(0);
      expect(reads).toBeGreaterThan(0);
      await readAll(nodes, files);
      const metrics = await (await fetch(`${joiner.url}/metrics`)).text();
      expect(metrics).toContain('orrery_rings_retired_total{by="age"} 0');
    });
  }, 240_000);
});
