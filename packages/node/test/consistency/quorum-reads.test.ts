// Quorum reads (consistency issue, case 3): a node that comes back after missing a delete never serves the
// deleted file, not even in its first milliseconds (before its first manifest sync); reads through any node
// see the latest acknowledged write; ?consistency=local reads the node's own copy once it has synced.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { put, TestCluster, waitFor } from "../harness/cluster.ts";

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await TestCluster.start(3);
});
afterAll(async () => {
  await cluster?.stop();
});

describe("quorum reads", () => {
  test("a restarted node never serves a file deleted while it was down, from its first answer on", async () => {
    const [n1, , n3] = cluster.nodes;
    for (let round = 0; round < 3; round++) {
      const path = `r/gone${round}.txt`;
      expect((await put(n1!.url, path, "soon deleted")).status).toBe(201);
      await waitFor(async () => (await fetch(`${n3!.url}/api/files/${path}?consistency=local`)).status === 200, 10_000, "n3 to hold the file");
      await n3!.kill();
      expect((await fetch(`${n1!.url}/api/files/${path}`, { method: "DELETE" })).status).toBe(200);
      n3!.start(cluster.nodes.filter((n) => n !== n3).map((n) => n.gossipAddr));
      // Ask as fast as the node answers, for two seconds from its first answer on and at least 20 answers (a
      // loaded machine answers slowly; the first answers are the ones that matter).
      const statuses: number[] = [];
      let firstAt = 0;
      const deadline = Date.now() + 60_000;
      while ((firstAt === 0 || Date.now() - firstAt < 2000 || statuses.length < 20) && Date.now() < deadline) {
        for (const q of ["", "?consistency=local"]) {
          try {
            const res = await fetch(`${n3!.url}/api/files/${path}${q}`);
            await res.arrayBuffer();
            statuses.push(res.status);
            if (firstAt === 0) firstAt = Date.now();
          } catch {
            await Bun.sleep(2); // not listening yet
          }
        }
      }
      expect(statuses.length).toBeGreaterThan(10);
      expect(statuses.filter((s) => s === 200)).toEqual([]);
      await n3!.waitReady();
      await cluster.waitForMembers(3);
    }
  });

  test("a write through one node reads back through every other at once", async () => {
    for (let i = 0; i < 10; i++) {
      const writer = cluster.nodes[i % 3]!;
      const body = `version ${i}`;
      expect((await put(writer.url, "r/same.txt", body)).status).toBe(201);
      for (const n of cluster.nodes) expect(await (await fetch(`${n.url}/api/files/r/same.txt`)).text()).toBe(body);
    }
    expect((await fetch(`${cluster.nodes[0]!.url}/api/files/r/same.txt?consistency=sometimes`)).status).toBe(400);
  });
});
