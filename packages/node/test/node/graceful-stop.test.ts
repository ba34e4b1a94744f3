// SIGTERM (systemd stop, a rolling upgrade) lets the uploads in flight finish: the node stops taking new
// connections, answers what it was answering, then exits 0. Before, every upload in flight was reset.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { getBytes, randomBytes, sha256, TestCluster, waitFor } from "../harness/cluster.ts";

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await TestCluster.start(3);
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
});

/** A request body that arrives slowly: `pieces` pieces of `size` bytes, `gapMs` apart. */
function slowBody(data: Uint8Array, pieces: number, gapMs: number, onPiece: (i: number) => void): ReadableStream<Uint8Array> {
  const size = Math.ceil(data.byteLength / pieces);
  let i = 0;
  return new ReadableStream({
    async pull(controller) {
      if (i >= pieces) return controller.close();
      await Bun.sleep(gapMs);
      controller.enqueue(data.subarray(i * size, Math.min(data.byteLength, (i + 1) * size)));
      onPiece(i++);
    },
  });
}

test("/api/health lists every background worker with the same status shape", async () => {
  const n3 = cluster.nodes[2]!;
  await waitFor(async () => {
    const h = (await (await fetch(`${n3.url}/api/health`)).json()) as { workers: Array<{ name: string; passes: number }> };
    return h.workers.find((w) => w.name === "manifest-sync")!.passes > 0;
  }, 15_000, "a manifest-sync pass");
  const health = (await (await fetch(`${n3.url}/api/health`)).json()) as { workers: Array<Record<string, unknown>> };
  expect(health.workers.map((w) => w.name).sort()).toEqual(
    ["accounts", "audit", "chunk-anti-entropy", "garbage-collector", "history", "manifest-range-sync", "manifest-sync", "replica-census", "replication-queue", "scrubber", "settings", "store fullness", "surplus-sweeper"].sort(),
  );
  for (const w of health.workers) {
    expect(Object.keys(w).sort()).toEqual(["errors", "lastError", "lastPassAt", "lastPassMs", "name", "passes", "state"]);
    expect(["idle", "busy"]).toContain(w.state as string);
  }
});

test("an upload in flight when SIGTERM arrives completes with 201, then the node exits 0", async () => {
  const [n1, n2] = cluster.nodes as [NonNullable<(typeof cluster.nodes)[0]>, NonNullable<(typeof cluster.nodes)[0]>];
  const data = randomBytes(6 * 1024 * 1024);
  let signalled = false;
  const body = slowBody(data, 30, 60, (i) => {
    if (i === 5 && !signalled) {
      signalled = true;
      n1.proc!.kill("SIGTERM");
    }
  });
  const res = await fetch(`${n1.url}/api/files/graceful/big.bin`, { method: "PUT", body, duplex: "half" } as RequestInit);
  expect(signalled).toBe(true);
  const text = await res.text();
  expect(res.status, text).toBe(201);
  expect(JSON.parse(text).sha256).toBe(sha256(data));
  const code = await Promise.race([n1.proc!.exited, Bun.sleep(30_000).then(() => "still running")]);
  expect(code, n1.logTail()).toBe(0);
  // Nothing was lost: the file reads back whole through another node.
  await waitFor(async () => (await fetch(`${n2.url}/api/files/graceful/big.bin`, { method: "HEAD" })).status === 200, 15_000, "file visible on n2");
  expect(sha256(await getBytes(n2.url, "graceful/big.bin"))).toBe(sha256(data));
  // A stopped node takes no new request.
  await expect(fetch(`${n1.url}/api/health`)).rejects.toThrow();
}, 120_000);

test("SIGUSR2 logs the memory left after a full collection, and the node goes on serving", async () => {
  const n3 = cluster.nodes[2]!;
  n3.proc!.kill("SIGUSR2");
  let line: Record<string, unknown> | undefined;
  await waitFor(async () => {
    const found = n3.logTail(400).split("\n").find((l) => l.includes("memory after a full collection"));
    line = found === undefined ? undefined : (JSON.parse(found.slice(found.indexOf("{"))) as Record<string, unknown>);
    return line !== undefined;
  }, 10_000, "the memory line in n3's log");
  expect(line!.heapMiB).toBeGreaterThan(0);
  expect(line!.rssMiB as number).toBeGreaterThan(line!.heapMiB as number);
  expect(n3.running).toBe(true);
  expect((await fetch(`${n3.url}/status`)).status).toBe(200);
});
