// Issue 3, fault tests 1 and 2: a node that dies for good has its chunks re-replicated; a node that
// joins receives its share, and the old owners delete their surplus copies after the grace period.
import { answer, getAnswer } from "../harness/api.ts";
import { afterAll, describe, expect, test } from "bun:test";
import { getBytes, put, randomBytes, sha256, TestCluster, type TestNode, waitFor } from "../harness/cluster.ts";

const clusters: TestCluster[] = [];
afterAll(async () => {
  await Promise.all(clusters.map((c) => c.stop()));
});

interface Stored {
  path: string;
  sha: string;
  chunks: string[];
}

async function uploadMany(nodes: TestNode[], count: number, prefix: string): Promise<Stored[]> {
  const out: Stored[] = [];
  for (let i = 0; i < count; i++) {
    const data = randomBytes(1000 + ((i * 7919) % 180_000));
    const path = `${prefix}/f${i}.bin`;
    const written = await answer(await put(nodes[i % nodes.length]!.url, path, data), "putFile", 201);
    out.push({ path, sha: sha256(data), chunks: written.chunks });
  }
  return out;
}

/** Copies of each chunk on the given (live) nodes. */
function liveCopies(nodes: TestNode[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const n of nodes) for (const id of n.chunkFiles()) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

describe("self-healing", () => {
  test("5 nodes, 200 files: a node killed for good is re-replicated to 3 live copies of every chunk", async () => {
    const cluster = await TestCluster.start(5, { chunkSizeMb: 0.0625 });
    clusters.push(cluster);
    const files = await uploadMany(cluster.nodes, 200, "death");
    const chunks = new Set(files.flatMap((f) => f.chunks));
    const victim = cluster.nodes[2]!;
    const lost = victim.chunkFiles().filter((id) => chunks.has(id)).length;
    expect(lost).toBeGreaterThan(0);
    await victim.kill();
    const live = cluster.nodes.filter((n) => n !== victim);

    const started = Date.now();
    await waitFor(
      () => {
        const copies = liveCopies(live);
        return [...chunks].every((id) => (copies.get(id) ?? 0) >= 3);
      },
      60_000,
      "every chunk back at 3 live copies",
      250,
    );
    console.log(`re-replicated ${lost} chunk copies of ${victim.id} in ${Date.now() - started} ms`);
    for (const [i, f] of files.entries()) {
      const from = live[i % live.length]!;
      expect(sha256(await getBytes(from.url, f.path))).toBe(f.sha);
    }
  });

  test("a 4th node receives its share; old owners drop surplus copies after the grace period", async () => {
    const cluster = await TestCluster.start(3, { chunkSizeMb: 0.0625 });
    clusters.push(cluster);
    const files = await uploadMany(cluster.nodes, 120, "join");
    const chunks = [...new Set(files.flatMap((f) => f.chunks))];
    for (const n of cluster.nodes) expect(n.chunkFiles().length).toBe(chunks.length);

    const d = await cluster.add();
    await cluster.waitForMembers(4);
    // With N = 3 of 4 nodes, the newcomer owns about 3/4 of the chunks: a quarter of all copies.
    await waitFor(
      async () => {
        const copies = cluster.copies();
        if (!chunks.every((id) => copies.get(id) === 3)) return false;
        // ...and the hand-off is over: the newcomer got copies and no node has copies left to send.
        if (d.chunkFiles().length === 0) return false;
        for (const n of cluster.nodes) if ((await n.status()).queue.depth > 0) return false;
        return true;
      },
      60_000,
      "exactly 3 copies of every chunk after the hand-off",
      250,
    );
    const share = d.chunkFiles().length / (3 * chunks.length);
    console.log(`newcomer holds ${d.chunkFiles().length} of ${3 * chunks.length} copies (${(share * 100).toFixed(1)}%)`);
    expect(share).toBeGreaterThan(0.18);
    expect(share).toBeLessThan(0.32);
    for (const [i, f] of files.entries()) {
      expect(sha256(await getBytes(cluster.nodes[i % 4]!.url, f.path))).toBe(f.sha);
    }
    const health = await getAnswer(`${cluster.nodes[0]!.url}/api/health`, "health");
    expect(health.handoff.graceSeconds).toBe(2);
  });
});

describe("graceful leave", () => {
  test("a leaving node hands its chunks off first: every chunk keeps 3 copies on the others", async () => {
    // Background copies at 1 MB/s: the hand-off outlasts REBALANCE_GRACE_S (2 s), so a new owner that took a
    // handed-off copy while the leaver still looked like an owner would sweep it as surplus before the leave.
    const cluster = await TestCluster.start(4, { chunkSizeMb: 0.0625, env: { REBALANCE_BANDWIDTH_MBPS: "1" } });
    clusters.push(cluster);
    const files = await uploadMany(cluster.nodes, 60, "leave");
    const chunks = [...new Set(files.flatMap((f) => f.chunks))];
    // The uploads' third copies (queued after each 201) land first: what follows is the leave's doing alone.
    await waitFor(() => chunks.every((id) => (liveCopies(cluster.nodes).get(id) ?? 0) >= 3), 60_000, "every chunk at 3 copies before the leave");
    const leaver = cluster.nodes[3]!;
    expect(leaver.chunkFiles().length).toBeGreaterThan(0);
    const cli = Bun.spawn([process.execPath, "src/main.ts", "leave", "--node", leaver.url], {
      cwd: `${import.meta.dir}/../..`,
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(await cli.exited).toBe(0);
    expect(await new Response(cli.stdout).text()).toContain("handing chunks off");
    // The node stops by itself once the hand-off is done.
    expect(await leaver.proc!.exited).toBe(0);
    const rest = cluster.nodes.slice(0, 3);
    const copies = liveCopies(rest);
    for (const id of chunks) expect(copies.get(id) ?? 0).toBeGreaterThanOrEqual(3);
    await waitFor(async () => (await rest[0]!.members()).find((m) => m.id === leaver.id)?.state === "left", 10_000, "left state");
    const status = await rest[0]!.status();
    expect(status.effectiveReplicationFactor).toBe(3);
    for (const [i, f] of files.entries()) expect(sha256(await getBytes(rest[i % 3]!.url, f.path))).toBe(f.sha);
  });
});
