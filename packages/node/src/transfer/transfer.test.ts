// TransferServer + TransferClient over real sockets on 127.0.0.1, against real chunk stores in temp dirs.
import type { Database } from "bun:sqlite";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "../log.ts";
import { ChunkStore } from "../store/chunk-store.ts";
import { openDatabase } from "../store/db.ts";
import { TransferClient, TransferError } from "./client.ts";
import { encodeChunkDataHead, encodeHasResult, encodeHead, encodePutChunkHead, FrameType, ID_SIZE } from "./frames.ts";
import { TransferServer } from "./server.ts";

import { logger } from "../log.ts";
const quiet: Logger = process.env.ORRERY_TEST_LOG ? logger("transfer-test") : { debug() {}, info() {}, warn() {}, error() {} };
const MAX_CHUNK = 4 * 1024 * 1024;
const sha256 = (b: Uint8Array) => Bun.CryptoHasher.hash("sha256", b, "hex") as string;
const randomBytes = (n: number) => {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(b.subarray(i, Math.min(n, i + 65536)));
  return b;
};
const randomChunk = (n: number) => {
  const data = randomBytes(n);
  return { id: sha256(data), data };
};

async function until(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}

function expectTransferError(promise: Promise<unknown>, code: TransferError["code"]) {
  return expect(promise).rejects.toMatchObject({ name: "TransferError", code });
}

/** A node's store and transfer server on an ephemeral port. */
async function startNode(opts: { quotaBytes?: number } = {}) {
  const root = mkdtempSync(join(tmpdir(), "orrery-transfer-"));
  const db: Database = openDatabase(join(root, "node.db"));
  const store = new ChunkStore({ dir: join(root, "chunks"), db, maxChunkSize: MAX_CHUNK, ...opts }, { log: quiet });
  const server = new TransferServer({ store, host: "127.0.0.1", port: 0, maxChunkSize: MAX_CHUNK }, { log: quiet });
  await server.start();
  return {
    store,
    server,
    peer: { host: "127.0.0.1", port: server.port },
    async stop() {
      await server.stop();
      db.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
type Node = Awaited<ReturnType<typeof startNode>>;

/** A raw socket for speaking broken protocol at the server. */
async function rawSocket(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: "127.0.0.1", port });
  await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  socket.on("error", () => {});
  socket.resume(); // read (and drop) whatever the server says, so its hang-up is noticed
  return socket;
}
const closed = (socket: net.Socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once("close", () => resolve())));

let a: Node;
let b: Node;
let client: TransferClient;

beforeAll(async () => {
  [a, b] = await Promise.all([startNode(), startNode()]);
});
afterAll(async () => {
  await Promise.all([a.stop(), b.stop()]);
});
beforeEach(() => {
  client = new TransferClient({ connectTimeoutMs: 1000, requestTimeoutMs: 5000, maxChunkSize: MAX_CHUNK }, { log: quiet });
});
afterEach(async () => {
  await client.close();
});

describe("transfer", () => {
  test("put then get round trip between two stores", async () => {
    const chunk = randomChunk(200_000);
    await a.store.put(chunk.id, chunk.data);
    await client.putChunk(b.peer, chunk.id, await a.store.get(chunk.id));
    expect(b.store.has(chunk.id)).toBe(true);
    expect(await b.store.get(chunk.id)).toEqual(chunk.data);
    expect(await client.getChunk(b.peer, chunk.id)).toEqual(chunk.data);
    // Putting it again is a cheap duplicate.
    await client.putChunk(b.peer, chunk.id, chunk.data);
  });

  test("a 4 MiB chunk", async () => {
    const chunk = randomChunk(MAX_CHUNK);
    await client.putChunk(b.peer, chunk.id, chunk.data);
    expect(b.store.has(chunk.id)).toBe(true);
    expect(await client.getChunk(b.peer, chunk.id)).toEqual(chunk.data);
  });

  test("concurrent puts share a bounded pool", async () => {
    const chunks = Array.from({ length: 24 }, (_, i) => randomChunk(50_000 + i * 1000));
    await Promise.all(chunks.map((c) => client.putChunk(b.peer, c.id, c.data)));
    for (const c of chunks) expect(b.store.has(c.id)).toBe(true);
    const back = await Promise.all(chunks.map((c) => client.getChunk(b.peer, c.id)));
    back.forEach((data, i) => expect(data).toEqual(chunks[i]!.data));
  });

  test("has answers with a bitmap in request order, across batches", async () => {
    const stored = randomChunk(100);
    await client.putChunk(b.peer, stored.id, stored.data);
    const absent = randomChunk(100).id;
    expect(await client.hasChunks(b.peer, [absent, stored.id, absent])).toEqual([false, true, false]);
    expect(await client.hasChunks(b.peer, [])).toEqual([]);
    const many = Array.from({ length: 5000 }, (_, i) => (i === 4321 ? stored.id : absent));
    const bits = await client.hasChunks(b.peer, many);
    expect(bits.length).toBe(5000);
    expect(bits.filter(Boolean).length).toBe(1);
    expect(bits[4321]).toBe(true);
  });

  test("bytes that do not match the id are rejected with hash_mismatch and nothing is stored", async () => {
    const data = randomBytes(300_000);
    const wrongId = sha256(randomBytes(8));
    await expectTransferError(client.putChunk(b.peer, wrongId, data), "hash_mismatch");
    expect(b.store.has(wrongId)).toBe(false);
    expect(readdirSync(b.store.tmpDir)).toEqual([]);
    // The connection stays usable after a rejected put.
    const ok = randomChunk(10);
    await client.putChunk(b.peer, ok.id, ok.data);
  });

  test("a remote store that is full answers store_full", async () => {
    const full = await startNode({ quotaBytes: 100_000 });
    try {
      const first = randomChunk(80_000);
      await client.putChunk(full.peer, first.id, first.data);
      const second = randomChunk(80_000);
      await expectTransferError(client.putChunk(full.peer, second.id, second.data), "store_full");
      expect(full.store.has(second.id)).toBe(false);
      expect(readdirSync(full.store.tmpDir)).toEqual([]);
    } finally {
      await full.stop();
    }
  });

  test("get of a missing chunk is not_found", async () => {
    await expectTransferError(client.getChunk(b.peer, randomChunk(10).id), "not_found");
  });

  test("a corrupt copy on the server is reported as corrupt and quarantined there", async () => {
    const chunk = randomChunk(5000);
    await client.putChunk(b.peer, chunk.id, chunk.data);
    const path = b.store.pathOf(chunk.id);
    const bytes = readFileSync(path);
    bytes[17]! ^= 0xff;
    writeFileSync(path, bytes);
    await expectTransferError(client.getChunk(b.peer, chunk.id), "corrupt");
    expect(b.store.has(chunk.id)).toBe(false);
  });

  test("the client verifies what it receives", async () => {
    // A lying peer: answers every GET with bytes that are not the chunk.
    const liar = net.createServer((socket) =>
      socket.on("data", (d: Buffer) => {
        const requestId = d.readUInt32BE(4);
        socket.write(Buffer.concat([encodeChunkDataHead(requestId, 4), Buffer.from("evil")]));
      }),
    );
    await new Promise<void>((resolve) => liar.listen(0, "127.0.0.1", resolve));
    try {
      const port = (liar.address() as net.AddressInfo).port;
      await expectTransferError(client.getChunk({ host: "127.0.0.1", port }, randomChunk(10).id), "corrupt");
    } finally {
      liar.close();
    }
  });

  test("garbage closes only that connection; another client's transfer still works", async () => {
    const big = randomChunk(MAX_CHUNK);
    const transfer = client.putChunk(b.peer, big.id, big.data);
    const raw = await rawSocket(b.server.port);
    raw.write(randomBytes(4096));
    await closed(raw);
    await transfer;
    expect(b.store.has(big.id)).toBe(true);

    // A hostile length is refused at the header, without waiting for (or buffering) the announced bytes.
    const liar = await rawSocket(b.server.port);
    liar.write(encodeHead(FrameType.PUT_CHUNK, 1, 0xffff_fff0));
    await closed(liar);
    const small = randomChunk(1000);
    await client.putChunk(b.peer, small.id, small.data);
  });

  test("a connection dropped mid-body leaves nothing in the store", async () => {
    const chunk = randomChunk(1024 * 1024);
    const raw = await rawSocket(b.server.port);
    raw.write(encodePutChunkHead(1, chunk.id, chunk.data.byteLength));
    raw.write(chunk.data.subarray(0, 300_000));
    await until(() => readdirSync(b.store.tmpDir).length === 1, "the partial chunk to reach tmp/");
    raw.destroy();
    await until(() => readdirSync(b.store.tmpDir).length === 0, "the partial chunk to be dropped");
    expect(b.store.has(chunk.id)).toBe(false);
    // The server keeps serving.
    expect(await client.hasChunks(b.peer, [chunk.id])).toEqual([false]);
  });

  test("a slow disk back-pressures the sender and the chunk still arrives intact", async () => {
    // Every disk write takes a few ms, so the server pauses the socket many times during one chunk.
    const slow = Object.create(b.store) as ChunkStore;
    let writes = 0;
    slow.writer = (id: string, size?: number) => {
      const inner = b.store.writer(id, size);
      return {
        write: async (bytes: Uint8Array) => {
          writes++;
          await Bun.sleep(3);
          return inner.write(bytes);
        },
        commit: () => inner.commit(),
        abort: () => inner.abort(),
      };
    };
    const server = new TransferServer({ store: slow, host: "127.0.0.1", port: 0, maxChunkSize: MAX_CHUNK }, { log: quiet });
    await server.start();
    try {
      const chunks = [randomChunk(MAX_CHUNK), randomChunk(MAX_CHUNK - 1)];
      const peer = { host: "127.0.0.1", port: server.port };
      await Promise.all(chunks.map((c) => client.putChunk(peer, c.id, c.data)));
      expect(writes).toBeGreaterThan(2);
      for (const c of chunks) expect(await b.store.get(c.id)).toEqual(c.data);
    } finally {
      await server.stop();
    }
  });

  test("a half-sent frame header is harmless too", async () => {
    const raw = await rawSocket(b.server.port);
    raw.write(encodeHead(FrameType.GET_CHUNK, 1, ID_SIZE).subarray(0, 7));
    await Bun.sleep(20);
    raw.destroy();
    const chunk = randomChunk(100);
    await client.putChunk(b.peer, chunk.id, chunk.data);
  });

  test("typed failures: connect and timeout", async () => {
    const unused = net.createServer();
    await new Promise<void>((resolve) => unused.listen(0, "127.0.0.1", resolve));
    const port = (unused.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => unused.close(() => resolve()));
    await expectTransferError(client.getChunk({ host: "127.0.0.1", port }, randomChunk(1).id), "connect");

    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const impatient = new TransferClient({ requestTimeoutMs: 150 }, { log: quiet });
    try {
      const silentPort = (silent.address() as net.AddressInfo).port;
      await expectTransferError(impatient.getChunk({ host: "127.0.0.1", port: silentPort }, randomChunk(1).id), "timeout");
    } finally {
      await impatient.close();
      silent.close();
    }
  });

  test("a pooled connection the server closed is replaced transparently", async () => {
    const chunk = randomChunk(1000);
    await client.putChunk(b.peer, chunk.id, chunk.data);
    // Restart the server on the same port: every pooled connection is now dead.
    const port = b.server.port;
    await b.server.stop();
    b.server = new TransferServer({ store: b.store, host: "127.0.0.1", port, maxChunkSize: MAX_CHUNK }, { log: quiet });
    await b.server.start();
    expect(await client.getChunk(b.peer, chunk.id)).toEqual(chunk.data);
  });

  test("a request on a pooled connection that the peer dropped is retried once on a fresh one", async () => {
    // A peer that answers the first request on its first connection and then hangs up on the next one.
    let connections = 0;
    const flaky = net.createServer((socket) => {
      const n = ++connections;
      let requests = 0;
      socket.on("data", (d: Buffer) => {
        if (n === 1 && ++requests === 2) return socket.destroy();
        socket.write(encodeHasResult(d.readUInt32BE(4), [true]));
      });
    });
    await new Promise<void>((resolve) => flaky.listen(0, "127.0.0.1", resolve));
    try {
      const peer = { host: "127.0.0.1", port: (flaky.address() as net.AddressInfo).port };
      const id = randomChunk(1).id;
      expect(await client.hasChunks(peer, [id])).toEqual([true]);
      expect(await client.hasChunks(peer, [id])).toEqual([true]);
      expect(connections).toBe(2);
    } finally {
      flaky.close();
    }
  });

  test("start() names the port when it is already in use", async () => {
    const clash = new TransferServer({ store: b.store, host: "127.0.0.1", port: b.server.port, maxChunkSize: MAX_CHUNK }, { log: quiet });
    await expect(clash.start()).rejects.toThrow(`transfer port ${b.server.port} is already in use`);
  });
});
