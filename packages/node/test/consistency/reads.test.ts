// Reads that fail fast and honestly (the consistency issue, cases 4, 5 and 7), against real nodes: a hung
// owner does not stall a read for the transfer timeout, a file with no readable copy is a 503 before any
// byte rather than a 200 that breaks off, and dot-segments in a URL are refused instead of resolved.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as net from "node:net";
import { rmSync } from "node:fs";
import { getBytes, put, randomBytes, sha256, TestCluster, waitFor } from "../harness/cluster.ts";

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await TestCluster.start(3, { chunkSizeMb: 1 });
});
afterAll(async () => {
  await cluster?.stop();
});

/** One raw HTTP/1.1 request, so the request target reaches the node exactly as written. */
function raw(port: number, method: string, target: string, body = ""): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, "127.0.0.1", () =>
      c.write(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`),
    );
    let data = "";
    c.on("data", (d) => (data += d));
    c.on("error", reject);
    c.on("end", () => resolve({ status: Number(data.split(" ")[1]), text: data.split("\r\n\r\n").slice(1).join("\r\n\r\n") }));
  });
}

describe("reads", () => {
  test("a hung owner does not stall a read: the next holder is asked after a short hedge", async () => {
    const [a, b, c] = cluster.nodes;
    const data = randomBytes(3 * 1024 * 1024 + 77);
    expect((await put(a!.url, "hedge/file.bin", data)).status).toBe(201);
    await waitFor(async () => (await fetch(`${c!.url}/api/files/hedge/file.bin`, { method: "HEAD" })).status === 200, 10_000, "c to know the file");
    // c has no copy of its own to read: drop its chunk files, so every chunk comes from a and b.
    for (const id of c!.chunkFiles()) rmSync(c!.chunkPath(id));
    expect(c!.chunkFiles()).toEqual([]);
    b!.proc!.kill("SIGSTOP");
    try {
      const started = Date.now();
      const got = await getBytes(c!.url, "hedge/file.bin");
      const ms = Date.now() - started;
      expect(sha256(got)).toBe(sha256(data));
      // Before hedging this took the 30 s transfer timeout per chunk b was asked for first.
      expect(ms).toBeLessThan(10_000);
    } finally {
      b!.proc!.kill("SIGCONT");
    }
  });

  test("a file with no readable copy is a 503 with {error, code}, before any byte", async () => {
    const [a, b] = cluster.nodes;
    const data = randomBytes(2 * 1024 * 1024 + 5);
    const body = (await (await put(a!.url, "gone/lost.bin", data)).json()) as { chunks: string[] };
    await waitFor(async () => (await fetch(`${b!.url}/api/files/gone/lost.bin`, { method: "HEAD" })).status === 200, 10_000, "b to know the file");
    await waitFor(() => body.chunks.every((id) => cluster.copies().get(id) === 3), 10_000, "three copies of every chunk");
    // Every copy of the second chunk disappears from every disk.
    const lost = body.chunks[1]!;
    for (const n of cluster.nodes) rmSync(n.chunkPath(lost));
    for (const n of cluster.nodes) {
      const res = await fetch(`${n.url}/api/files/gone/lost.bin`);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { code: string }).code).toBe("chunk_unavailable");
      const dav = await fetch(`${n.url}/dav/gone/lost.bin`);
      expect(dav.status).toBe(503);
      await dav.arrayBuffer();
    }
    // A range that does not need the lost chunk still reads.
    const first = await fetch(`${a!.url}/api/files/gone/lost.bin`, { headers: { range: "bytes=0-99" } });
    expect(first.status).toBe(206);
    expect(new Uint8Array(await first.arrayBuffer())).toEqual(data.subarray(0, 100));
  });

  test("dot-segments in a URL are refused (400), not resolved; JSON paths follow one rule", async () => {
    const [a] = cluster.nodes;
    expect((await put(a!.url, "dots/b", "b")).status).toBe(201);
    for (const target of ["/api/files/dots/a/../b", "/api/files/dots/a/%2e%2e/b", "/api/files/dots/./b", "/api/files/dots/.%2E/b", "/api/files/dots/x/.."]) {
      for (const method of ["GET", "PUT", "DELETE"]) {
        const res = await raw(a!.httpPort, method, target, method === "PUT" ? "evil" : "");
        expect({ target, method, status: res.status }).toEqual({ target, method, status: 400 });
        expect(res.text).toContain("invalid_path");
      }
    }
    expect((await raw(a!.httpPort, "PROPFIND", "/dav/dots/a/../b")).status).toBe(400);
    expect(await (await fetch(`${a!.url}/api/files/dots/b`)).text()).toBe("b");
    const mk = (path: string) =>
      fetch(`${a!.url}/api/mkdir`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ path }) });
    for (const bad of ["//dots/x", "/dots/../x", "dots/./x", "dots//x", "\\dots\\x"]) expect({ bad, status: (await mk(bad)).status }).toEqual({ bad, status: 400 });
    expect((await mk("/dots/made")).status).toBe(201);
    expect((await mk("dots/made2/")).status).toBe(201);
  });
});
