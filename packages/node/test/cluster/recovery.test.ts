// Issue 2, scenarios 4-6: the queue survives a crash, failure detection and rejoin, and deletes
// that stay deleted when a node that missed them returns.
import type { ResponseOf } from "@orrery/api";
import { answer, getAnswer } from "../harness/api.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { getBytes, put, randomBytes, sha256, TestCluster, waitFor } from "../harness/cluster.ts";

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await TestCluster.start(3, { chunkSizeMb: 1 });
});

afterAll(async () => {
  await cluster?.stop();
});

const stateAt = async (observer: { members(): Promise<Array<{ id: string; state: string }>> }, id: string) =>
  (await observer.members()).find((m) => m.id === id)?.state;

describe("recovery", () => {
  test("a node SIGKILLed while its queue holds rows delivers them after restart", async () => {
    const [a, b, c] = cluster.nodes;
    b!.proc!.kill("SIGSTOP");
    c!.proc!.kill("SIGSTOP");
    const data = randomBytes(3 * 1024 * 1024);
    let body: ResponseOf<"putFile", 201>;
    let depth = 0;
    try {
      body = await answer(await put(a!.url, "queued.bin", data, "fast"), "putFile", 201);
      // Only A holds the data; its queue holds the copies for B and C.
      for (const id of body.chunks) expect(cluster.copies().get(id)).toBe(1);
      depth = (await a!.status()).queue.depth;
      expect(depth).toBeGreaterThanOrEqual(2 * body.chunks.length);
      await a!.kill();
      // The rows survived the crash: the restarted node reports them before delivering any
      // (B and C are still frozen, so nothing can have been delivered).
      await cluster.restart(a!);
      expect((await a!.status()).queue.depth).toBeGreaterThanOrEqual(2 * body.chunks.length);
    } finally {
      b!.proc!.kill("SIGCONT");
      c!.proc!.kill("SIGCONT");
    }
    await waitFor(() => body.chunks.every((id: string) => cluster.copies().get(id) === 3), 40_000, "restarted A to deliver its queue");
    await waitFor(async () => (await a!.status()).queue.depth === 0, 20_000, "A's queue to drain");
    // B and C were frozen when A pushed the manifest, so it reaches them by anti-entropy (every second here).
    for (const n of [b!, c!]) {
      await waitFor(async () => (await fetch(`${n.url}/api/files/queued.bin`, { method: "HEAD" })).status === 200, 15_000, `${n.id} to learn the file`);
      expect(sha256(await getBytes(n.url, "queued.bin"))).toBe(sha256(data));
    }
  });

  test("a killed member is marked suspect, then dead, by the others; restarted, it rejoins", async () => {
    const [a, b, c] = cluster.nodes;
    await cluster.waitForMembers(3, 30_000);
    await c!.kill();
    const seen = new Set<string>();
    await waitFor(
      async () => {
        const s = await stateAt(a!, "n3");
        if (s) seen.add(s);
        return s === "dead";
      },
      20_000,
      "A to declare C dead",
      20,
    );
    expect(seen.has("suspect")).toBe(true);
    await waitFor(async () => (await stateAt(b!, "n3")) === "dead", 20_000, "B to declare C dead");

    await cluster.restart(c!);
    await waitFor(
      async () => (await stateAt(a!, "n3")) === "alive" && (await stateAt(b!, "n3")) === "alive",
      20_000,
      "C alive again at A and B",
    );
    const atC = await c!.members();
    expect(atC.filter((m) => m.state === "alive").map((m) => m.id).sort()).toEqual(["n1", "n2", "n3"]);
  });

  test("a delete on A is not resurrected by a node that was offline during it", async () => {
    const [a, b, c] = cluster.nodes;
    await cluster.waitForMembers(3, 30_000);
    const data = randomBytes(100_000);
    expect((await put(a!.url, "doomed/file.txt", data)).status).toBe(201);
    await waitFor(async () => (await fetch(`${c!.url}/api/files/doomed/file.txt`)).status === 200, 10_000, "C to see the file");

    await c!.kill();
    const del = await fetch(`${a!.url}/api/files/doomed/file.txt`, { method: "DELETE" });
    expect(del.status).toBe(200);
    expect((await fetch(`${b!.url}/api/files/doomed/file.txt`)).status).toBe(404);

    await cluster.restart(c!);
    await cluster.waitForMembers(3, 30_000);
    // C catches up: the tombstone wins there too, and C's old row does not come back anywhere.
    await waitFor(async () => (await fetch(`${c!.url}/api/files/doomed/file.txt`)).status === 404, 15_000, "C to learn the delete");
    await Bun.sleep(2500); // several anti-entropy rounds (SYNC_INTERVAL_MS=1000)
    for (const n of cluster.nodes) {
      expect((await fetch(`${n.url}/api/files/doomed/file.txt`)).status).toBe(404);
      const listing = await getAnswer(`${n.url}/api/files/doomed/`, "getFile");
      expect(listing.entries).toEqual([]);
    }
  });
});
