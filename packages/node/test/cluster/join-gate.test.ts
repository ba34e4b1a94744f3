// Who may count peers toward a quorum (membership/join-gate.ts), with real node processes: newcomers that
// reach only each other wait for their cluster; nodes that list each other found one together; a cluster
// whose founding seed is gone for good comes back from a restart without it.
import { afterAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { errorAnswer } from "../harness/api.ts";
import { put, TestCluster, TestNode, waitFor } from "../harness/cluster.ts";
import { freePort } from "../harness/ports.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Nodes of one cluster (one key), not started; each node's ports reserved. */
async function nodes(ids: string[]): Promise<TestNode[]> {
  const dir = mkdtempSync(join(tmpdir(), "orrery-join-"));
  dirs.push(dir);
  const env = { CLUSTER_KEY: randomBytes(32).toString("base64url"), REPLICATION_FACTOR: "3", GOSSIP_INTERVAL_MS: "200", SYNC_INTERVAL_MS: "1000", S3_PORT: "0", LOG_LEVEL: "info" };
  const out: TestNode[] = [];
  for (const id of ids) out.push(new TestNode(id, join(dir, id), await freePort(), await freePort(), await freePort(), env));
  return out;
}

async function aliveSeen(node: TestNode): Promise<string[]> {
  return (await node.members()).filter((m) => m.state === "alive").map((m) => m.id).sort();
}

/** Writes through `node` until one is acknowledged (a node still joining answers 503 not_joined). */
async function writeOnceJoined(node: TestNode, path: string): Promise<void> {
  await waitFor(async () => (await put(node.url, path, "hello")).status === 201, 20_000, `a write through ${node.id}`, 200);
}

describe("joining a cluster", () => {
  test("two newcomers that reach only each other refuse writes until they reach a member, then join it", async () => {
    const [founder, a, b] = await nodes(["f", "a", "b"]);
    try {
      // f is not running yet: a is seeded with it alone, b with it and a (a cluster being grown, its first
      // node out of reach).
      a!.start([founder!.gossipAddr]);
      b!.start([founder!.gossipAddr, a!.gossipAddr]);
      await Promise.all([a!.waitReady(), b!.waitReady()]);
      await waitFor(async () => (await aliveSeen(b!)).join() === "a,b" && (await aliveSeen(a!)).join() === "a,b", 15_000, "a and b to see each other");
      // Before the join gate, the two counted each other as a cluster and acknowledged this write.
      for (const n of [a!, b!]) expect((await errorAnswer(await put(n.url, `x-${n.id}.txt`, "island"), 503)).code).toBe("not_joined");
      const status = await (await fetch(`${b!.url}/api/files/x-a.txt`)).json();
      expect(status).toMatchObject({ code: "not_joined" });

      founder!.start([]);
      await founder!.waitReady();
      await waitFor(async () => (await aliveSeen(b!)).join() === "a,b,f" && (await aliveSeen(founder!)).join() === "a,b,f", 20_000, "the three to meet");
      for (const n of [a!, b!, founder!]) await writeOnceJoined(n, `y-${n.id}.txt`);
    } finally {
      await Promise.all([founder, a, b].map((n) => n!.kill()));
    }
  });

  test("nodes started together that list each other as seeds found their cluster", async () => {
    const three = await nodes(["p", "q", "r"]);
    try {
      for (const n of three) n.start(three.filter((o) => o !== n).map((o) => o.gossipAddr));
      await Promise.all(three.map((n) => n.waitReady()));
      await waitFor(async () => (await Promise.all(three.map(aliveSeen))).every((ids) => ids.join() === "p,q,r"), 20_000, "p, q and r to meet");
      for (const n of three) await writeOnceJoined(n, `z-${n.id}.txt`);
    } finally {
      await Promise.all(three.map((n) => n.kill()));
    }
  });

  test("a cluster restarted without the node it was founded on serves again (its members joined before)", async () => {
    const cluster = await TestCluster.start(3);
    try {
      const [n1, n2, n3] = cluster.nodes;
      await Promise.all(cluster.nodes.map((n) => n.kill()));
      // n2 is seeded with n1 alone and n3 with n1 and n2: as newcomers, their founding sets would differ and
      // neither would ever join; having joined before, they count each other again.
      n2!.start([n1!.gossipAddr]);
      n3!.start([n1!.gossipAddr, n2!.gossipAddr]);
      await Promise.all([n2!.waitReady(), n3!.waitReady()]);
      await waitFor(async () => (await aliveSeen(n2!)).join() === "n2,n3", 20_000, "n2 and n3 to meet");
      expect(n1!.running).toBe(false);
      for (const n of [n2!, n3!]) await writeOnceJoined(n, `after-${n.id}.txt`);
    } finally {
      await cluster.stop();
    }
  });
});
