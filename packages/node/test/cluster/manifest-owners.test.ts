// Issue 14: a write's manifest goes to its path's manifest owners (RF of them), not to every member. With five
// nodes and RF 3, the writer's pushes for a file are exactly one per owner other than itself (counted by its
// `orrery_peer_calls_total{method="manifests.push"}`); the other members get the row by anti-entropy, and a
// quorum read through a member that is not an owner finds it at once (it asks the owners).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { answer, getAnswer } from "../harness/api.ts";
import { put, TestCluster, waitFor } from "../harness/cluster.ts";

let cluster: TestCluster;
const FOLDERS = 6;

beforeAll(async () => {
  // A ring-settle window of 2 s (SYNC_INTERVAL_MS × 6 is less): the rings of the start stop counting soon after.
  cluster = await TestCluster.start(5, { env: { SYNC_INTERVAL_MS: "300", RING_SETTLE_S: "2", GC_INTERVAL_S: "3600" } });
  const writer = cluster.nodes[0]!;
  // The folders first: a file's write then commits its own row only (its parent is live already).
  for (let i = 0; i < FOLDERS; i++) {
    const res = await fetch(`${writer.url}/api/mkdir`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ path: `/owners-${i}` }) });
    expect(res.status).toBe(201);
  }
  await waitFor(async () => (await getAnswer(`${writer.url}/api/stat/owners-0`, "stat")).manifestOwnersDuringRingChange === undefined, 30_000, "the start's rings settled");
});

afterAll(async () => {
  await cluster?.stop();
});

async function pushesMadeBy(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith('orrery_peer_calls_total{method="manifests.push"}'));
  return line ? Number(line.split(" ").pop()) : 0;
}

describe("manifest pushes go to the manifest owners", () => {
  test("five nodes, RF 3: a file's row is pushed to its owners only, and a quorum read through any other member finds it", async () => {
    const nodes = cluster.nodes;
    const writer = nodes[0]!;
    const before = await pushesMadeBy(writer.url);
    let expected = 0;
    const outsiders: Array<{ node: string; path: string; body: string }> = [];
    for (let i = 0; i < FOLDERS; i++) {
      const path = `owners-${i}/file.txt`;
      await answer(await put(writer.url, path, `content ${i}`), "putFile", 201);
      const stat = await getAnswer(`${writer.url}/api/stat/${path}`, "stat");
      expect(stat.manifestOwners.length).toBe(3);
      // Owners under a ring replaced moments ago (a member flapped) are pushed to as well: joint quorums.
      const owners = new Set([...stat.manifestOwners, ...(stat.manifestOwnersDuringRingChange ?? []).flat()]);
      owners.delete(writer.id);
      expected += owners.size;
      for (const n of nodes) if (n !== writer && !owners.has(n.id)) outsiders.push({ node: n.url, path, body: `content ${i}` });
    }
    // Every member but the writer would be four pushes per file; its owners are two or three.
    expect(expected).toBeLessThan(FOLDERS * (nodes.length - 1));
    await waitFor(async () => (await pushesMadeBy(writer.url)) - before >= expected, 10_000, "the pushes to every owner");
    expect((await pushesMadeBy(writer.url)) - before).toBe(expected);
    expect(outsiders.length).toBeGreaterThan(0);
    for (const o of outsiders) {
      const res = await fetch(`${o.node}/api/files/${o.path}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(o.body);
    }
  });
});
