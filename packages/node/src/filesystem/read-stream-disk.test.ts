// A file streamed over HTTP from chunk copies on disk, as a node serves it: chunks read around the page cache into
// reused buffers that the server gives back once sent, each verified before any of its bytes leave.
import { afterEach, beforeAll, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { type FetchServer, serveFetch } from "../gateway/http-server.ts";
import { testMember } from "../membership/test-member.ts";
import type { Manifest } from "../metadata/manifest.ts";
import { ChunkReader } from "../replication/chunk-reader.ts";
import { Placement } from "../replication/placement.ts";
import { loadHash64, type Hash64 } from "../ring/index.ts";
import { MemoryNetwork } from "../rpc/memory-rpc.ts";
import { MEMBERS, quiet, tempStores } from "../rpc/peer-rpc.case.ts";
import { sha256Hex } from "../store/chunk-storage.ts";
import { readFile } from "./file-read.ts";

let h: Hash64;
beforeAll(async () => {
  h = await loadHash64();
});
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const CHUNK = 300_000; // above the size read around the page cache (DIRECT_MIN_BYTES)
const SIZE = 3 * CHUNK + 100_000;

/** A node's reader over disk stores, the file's chunks on this node only, and an HTTP server answering GET with it. */
async function setup() {
  const temp = tempStores();
  cleanups.push(temp.cleanup);
  const net = new MemoryNetwork({ connectMs: 100, dataMs: 1000, controlMs: 1000 });
  for (const id of MEMBERS) net.register(id, { store: temp.stores[id], handlers: {} });
  const rpc = net.register("a", { store: temp.stores.a, handlers: {} });
  const placement = new Placement(3, h, 16);
  placement.update(MEMBERS.map((id) => testMember(id, "alive")));
  const reader = new ChunkReader({ selfId: "a", placement, store: temp.stores.a, rpc, log: quiet });
  const data = new Uint8Array(SIZE);
  for (let o = 0; o < SIZE; o += 65_536) crypto.getRandomValues(data.subarray(o, Math.min(SIZE, o + 65_536)));
  const chunks: string[] = [];
  for (let o = 0; o < SIZE; o += CHUNK) {
    const piece = data.slice(o, Math.min(SIZE, o + CHUNK));
    chunks.push(sha256Hex(piece));
    await temp.stores.a.put(chunks.at(-1)!, piece);
  }
  const file = { path: "big.bin", kind: "file", size: SIZE, chunkSize: CHUNK, chunks } as Manifest;
  const server: FetchServer = await serveFetch({
    hostname: "127.0.0.1",
    port: 0,
    fetch: async (req) => {
      const read = await readFile(file, { range: req.headers.get("range") }, reader, quiet);
      return new Response(read.body, { status: read.status, headers: read.headers });
    },
  });
  cleanups.push(() => server.stop(true));
  const url = `http://127.0.0.1:${server.port}/big.bin`;
  return { reader, data, file, url, store: temp.stores.a };
}

/** The body's bytes as far as they came, and whether it ended cleanly. */
async function body(res: Response): Promise<{ bytes: Buffer; complete: boolean }> {
  const parts: Uint8Array[] = [];
  try {
    for await (const part of res.body!) parts.push(part);
    return { bytes: Buffer.concat(parts), complete: true };
  } catch {
    return { bytes: Buffer.concat(parts), complete: false };
  }
}

test("a file arrives whole with its Content-Length, again and in ranges; the buffers the server gave back serve later chunks", async () => {
  const { reader, data, url } = await setup();
  for (let round = 0; round < 2; round++) {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(SIZE));
    const got = await body(res);
    expect(got.complete).toBe(true);
    expect(got.bytes.equals(Buffer.from(data))).toBe(true);
  }
  const ranged = await fetch(url, { headers: { range: "bytes=250000-650000" } });
  expect([ranged.status, ranged.headers.get("content-length"), ranged.headers.get("content-range")]).toEqual([
    206,
    "400001",
    `bytes 250000-650000/${SIZE}`,
  ]);
  expect((await body(ranged)).bytes.equals(Buffer.from(data.subarray(250_000, 650_001)))).toBe(true);
  // Nine large chunks read; with every one given back after its write, most came from the pool.
  expect(reader.buffers.reused).toBeGreaterThanOrEqual(5);
});

test("a chunk found corrupt mid-stream is never sent: the client gets the chunks before it and a cut-off body", async () => {
  const { data, file, url, store } = await setup();
  const path = store.pathOf(file.chunks[2]!);
  const onDisk = readFileSync(path);
  onDisk[CHUNK >> 1]! ^= 0x01;
  writeFileSync(path, onDisk);
  const res = await fetch(url);
  expect(res.status).toBe(200); // the first chunk was good, and every other had a holder: the answer had begun
  const got = await body(res);
  expect(got.complete).toBe(false);
  expect(got.bytes.byteLength).toBeLessThanOrEqual(2 * CHUNK);
  expect(got.bytes.equals(Buffer.from(data.subarray(0, got.bytes.byteLength)))).toBe(true);
  expect(store.has(file.chunks[2]!)).toBe(false); // quarantined
});
