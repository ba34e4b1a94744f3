// Issue 2, scenarios 1-3: replicated writes and reads across three real node processes.
import type { ResponseOf } from "@orrery/api";
import { answer, errorAnswer } from "../harness/api.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { getBytes, put, randomBytes, sha256, TestCluster, waitFor } from "../harness/cluster.ts";

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await TestCluster.start(3, { chunkSizeMb: 1 });
});

afterAll(async () => {
  await cluster?.stop();
});

describe("three nodes joined by SEEDS", () => {
  test("a 20 MiB file uploaded to A reads back identical from B and C, with exactly 3 copies of each chunk", async () => {
    const [a, b, c] = cluster.nodes;
    const data = randomBytes(20 * 1024 * 1024);
    const body = await answer(await put(a!.url, "big/file.bin", data), "putFile", 201);
    expect(body.size).toBe(data.length);
    expect(body.sha256).toBe(sha256(data));
    expect(body.chunks.length).toBe(20);
    expect(body.copies).toBe(3);
    expect(body.underReplicated).toBe(false);

    for (const n of [b!, c!, a!]) {
      const got = await getBytes(n.url, "big/file.bin");
      expect(got.length).toBe(data.length);
      expect(sha256(got)).toBe(sha256(data));
    }
    const copies = cluster.copies();
    for (const id of body.chunks) expect(copies.get(id)).toBe(3);
    expect([...copies.values()].every((n) => n === 3)).toBe(true);
  });

  test("Range, ETag and HEAD are served by any node", async () => {
    const [a, , c] = cluster.nodes;
    const data = randomBytes(3 * 1024 * 1024 + 17);
    expect((await put(a!.url, "range.bin", data)).status).toBe(201);
    const head = await fetch(`${c!.url}/api/files/range.bin`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(data.length));
    const etag = head.headers.get("etag")!;
    expect(etag).toBe(`"${sha256(data)}"`);
    // A range that crosses a chunk boundary.
    const start = 1024 * 1024 - 10;
    const r = await fetch(`${c!.url}/api/files/range.bin`, { headers: { range: `bytes=${start}-${start + 99}` } });
    expect(r.status).toBe(206);
    expect(r.headers.get("content-range")).toBe(`bytes ${start}-${start + 99}/${data.length}`);
    expect(new Uint8Array(await r.arrayBuffer())).toEqual(data.subarray(start, start + 100));
    const suffix = await fetch(`${c!.url}/api/files/range.bin`, { headers: { range: "bytes=-5" } });
    expect(new Uint8Array(await suffix.arrayBuffer())).toEqual(data.subarray(data.length - 5));
    const notModified = await fetch(`${c!.url}/api/files/range.bin`, { headers: { "if-none-match": etag } });
    expect(notModified.status).toBe(304);
    const bad = await fetch(`${c!.url}/api/files/range.bin`, { headers: { range: `bytes=${data.length}-` } });
    expect(bad.status).toBe(416);
  });

  test("fast returns with one durable copy before the others exist, and the queue completes them", async () => {
    const [a, b, c] = cluster.nodes;
    // Freeze B and C: they cannot take a copy, so any copy beyond A's must come from A's queue later.
    b!.proc!.kill("SIGSTOP");
    c!.proc!.kill("SIGSTOP");
    let body: ResponseOf<"putFile", 201>;
    const data = randomBytes(2 * 1024 * 1024 + 5);
    try {
      body = await answer(await put(a!.url, "fast.bin", data, "fast"), "putFile", 201);
      expect(body.copies).toBe(1);
      expect(body.queued).toBe(2 * body.chunks.length);
      const copies = cluster.copies();
      for (const id of body.chunks) expect(copies.get(id)).toBe(1);
      expect(a!.chunkFiles()).toEqual(expect.arrayContaining(body.chunks));
      const status = await a!.status();
      expect(status.queue.depth).toBeGreaterThanOrEqual(2 * body.chunks.length);
    } finally {
      b!.proc!.kill("SIGCONT");
      c!.proc!.kill("SIGCONT");
    }
    await waitFor(() => body.chunks.every((id: string) => cluster.copies().get(id) === 3), 30_000, "queue to complete fast copies");
    for (const n of cluster.nodes) expect(sha256(await getBytes(n.url, "fast.bin"))).toBe(sha256(data));
  });

  test("quorum with one node killed succeeds; the returning node receives its copies", async () => {
    const [a, b, c] = cluster.nodes;
    await c!.kill();
    const data = randomBytes(5 * 1024 * 1024);
    const body = await answer(await put(a!.url, "while-c-down.bin", data, "quorum"), "putFile", 201);
    expect(body.copies).toBeGreaterThanOrEqual(2);
    expect(sha256(await getBytes(b!.url, "while-c-down.bin"))).toBe(sha256(data));
    for (const id of body.chunks) expect(c!.chunkFiles()).not.toContain(id);

    await cluster.restart(c!);
    await waitFor(() => body.chunks.every((id) => c!.chunkFiles().includes(id)), 30_000, "C to receive its copies");
    const copies = cluster.copies();
    for (const id of body.chunks) expect(copies.get(id)).toBe(3);
    // C also catches up on the manifest it missed (anti-entropy on rejoin).
    await waitFor(async () => (await fetch(`${c!.url}/api/files/while-c-down.bin`, { method: "HEAD" })).ok, 10_000, "C to learn the manifest");
    expect(sha256(await getBytes(c!.url, "while-c-down.bin"))).toBe(sha256(data));
  });

  test("all needs every copy: with a node dead it fails with 503 and says what was stored", async () => {
    const [a, , c] = cluster.nodes;
    await cluster.waitForMembers(3);
    await c!.kill();
    // Wait until A has declared C dead: then 'all' cannot be met up front.
    await waitFor(async () => (await a!.members()).find((m) => m.id === "n3")?.state === "dead", 20_000, "C dead at A");
    const body = await errorAnswer(await put(a!.url, "all.bin", randomBytes(1000), "all"), 503);
    expect(body.code).toBe("durability_unreachable");
    expect(body.error).toContain("nothing was stored");
    expect((await fetch(`${a!.url}/api/files/all.bin`)).status).toBe(404);
    await cluster.restart(c!);
    await cluster.waitForMembers(3);
  });
});
