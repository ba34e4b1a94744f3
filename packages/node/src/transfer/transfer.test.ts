// TransferServer + TransferClient over real sockets on 127.0.0.1, against real chunk stores in temp dirs:
// chunks and RPC frames, hostile and broken peers, and the cluster-key handshake in front of all of it.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "../log.ts";
import { ChunkStore } from "../store/chunk-store.ts";
import { openDatabase } from "../store/db.ts";
import { ClusterKey } from "../security/cluster-key.ts";
import { ClientHandshake } from "../security/handshake.ts";
import { Keyring } from "../security/keyring.ts";
import type { TransferClient } from "./client.ts";
import { encodeChunkDataHead, encodeGetChunk, encodeHasResult, encodeHead, encodePutChunkHead, FrameType, ID_SIZE } from "./frames.ts";
import { PeerChannel } from "./peer-channel.ts";
import { TransferServer } from "./server.ts";
import {
  authedSocket,
  closed,
  expectTransferError,
  fakePeer,
  keyring,
  MAX_CHUNK,
  newClient,
  type Node,
  quiet,
  randomBytes,
  randomChunk,
  rawSocket,
  serverInit,
  sha256,
  startNode,
  until,
} from "./test-fixtures.ts";

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
  client = newClient();
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

  test("a member flooding chunks that do not match their ids is logged a few times, not once per chunk", async () => {
    const lines: string[] = [];
    const counting: Logger = { ...quiet, warn: (msg) => void lines.push(msg) };
    const root = mkdtempSync(join(tmpdir(), "orrery-transfer-"));
    const store = new ChunkStore({ dir: join(root, "chunks"), db: openDatabase(join(root, "node.db")), maxChunkSize: MAX_CHUNK }, { log: quiet });
    const server = new TransferServer(serverInit(store, 0), { log: counting });
    await server.start();
    try {
      const peer = { id: "b", host: "127.0.0.1", port: server.port };
      for (let i = 0; i < 20; i++) await expectTransferError(client.putChunk(peer, sha256(randomBytes(8)), randomBytes(100)), "hash_mismatch");
      const mismatches = lines.filter((l) => l === "incoming chunk does not match its id");
      expect(mismatches.length).toBe(5);
    } finally {
      await server.stop();
      rmSync(root, { recursive: true, force: true });
    }
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
    // A lying member: answers every GET with bytes that are not the chunk.
    const liar = await fakePeer((channel) =>
      channel.onData((d) => {
        const requestId = Buffer.from(d).readUInt32BE(4);
        channel.write(Buffer.concat([encodeChunkDataHead(requestId, 4), Buffer.from("evil")]));
      }),
    );
    try {
      await expectTransferError(client.getChunk(liar.peer, randomChunk(10).id), "corrupt");
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
    // Garbage after a valid handshake (a buggy member) closes that connection too.
    const buggy = await authedSocket(b.server.port);
    buggy.channel.write(randomBytes(4096));
    await closed(buggy.socket);
    await transfer;
    expect(b.store.has(big.id)).toBe(true);

    // A hostile length is refused at the header, without waiting for (or buffering) the announced bytes.
    const liar = await authedSocket(b.server.port);
    liar.channel.write(encodeHead(FrameType.PUT_CHUNK, 1, 0xffff_fff0));
    await closed(liar.socket);
    const small = randomChunk(1000);
    await client.putChunk(b.peer, small.id, small.data);
  });

  test("a connection dropped mid-body leaves nothing in the store", async () => {
    const chunk = randomChunk(1024 * 1024);
    const raw = await authedSocket(b.server.port);
    raw.channel.write(encodePutChunkHead(1, chunk.id, chunk.data.byteLength));
    raw.channel.write(chunk.data.subarray(0, 300_000));
    await until(() => readdirSync(b.store.tmpDir).length === 1, "the partial chunk to reach tmp/");
    raw.socket.destroy();
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
    const server = new TransferServer(serverInit(slow), { log: quiet });
    await server.start();
    try {
      const chunks = [randomChunk(MAX_CHUNK), randomChunk(MAX_CHUNK - 1)];
      const peer = { id: "b", host: "127.0.0.1", port: server.port };
      await Promise.all(chunks.map((c) => client.putChunk(peer, c.id, c.data)));
      expect(writes).toBeGreaterThan(2);
      for (const c of chunks) expect(await b.store.get(c.id)).toEqual(c.data);
    } finally {
      await server.stop();
    }
  });

  test("a half-sent frame header is harmless too", async () => {
    const raw = await authedSocket(b.server.port);
    raw.channel.write(encodeHead(FrameType.GET_CHUNK, 1, ID_SIZE).subarray(0, 7));
    await Bun.sleep(20);
    raw.socket.destroy();
    const chunk = randomChunk(100);
    await client.putChunk(b.peer, chunk.id, chunk.data);
  });

  test("typed failures: connect, a silent listener, and a member that never answers", async () => {
    const unused = net.createServer();
    await new Promise<void>((resolve) => unused.listen(0, "127.0.0.1", resolve));
    const port = (unused.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => unused.close(() => resolve()));
    await expectTransferError(client.getChunk({ id: "b", host: "127.0.0.1", port }, randomChunk(1).id), "connect");

    // Something that accepts TCP but never does the handshake: the connect deadline covers it.
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const impatient = newClient({ requestTimeoutMs: 150, connectTimeoutMs: 200 });
    const mute = await fakePeer(() => {});
    try {
      const silentPort = (silent.address() as net.AddressInfo).port;
      await expectTransferError(impatient.getChunk({ id: "b", host: "127.0.0.1", port: silentPort }, randomChunk(1).id), "connect");
      // A member that completed the handshake but never answers a request: the request deadline.
      await expectTransferError(impatient.getChunk(mute.peer, randomChunk(1).id), "timeout");
      // A per-call deadline overrides the client's.
      const started = Date.now();
      await expectTransferError(client.getChunk(mute.peer, randomChunk(1).id, 100), "timeout");
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await impatient.close();
      silent.close();
      mute.close();
    }
  });

  test("a pooled connection the server closed is replaced transparently", async () => {
    const chunk = randomChunk(1000);
    await client.putChunk(b.peer, chunk.id, chunk.data);
    // Restart the server on the same port: every pooled connection is now dead.
    const port = b.server.port;
    await b.server.stop();
    b.server = new TransferServer(serverInit(b.store, port), { log: quiet });
    await b.server.start();
    expect(await client.getChunk(b.peer, chunk.id)).toEqual(chunk.data);
  });

  test("a request on a pooled connection that the peer dropped is retried once on a fresh one", async () => {
    // A peer that answers the first request on its first connection and then hangs up on the next one.
    let connections = 0;
    const flaky = await fakePeer((channel, n) => {
      connections = n;
      let requests = 0;
      channel.onData((d) => {
        if (n === 1 && ++requests === 2) return channel.destroy();
        channel.write(encodeHasResult(Buffer.from(d).readUInt32BE(4), [true]));
      });
    });
    try {
      const peer = flaky.peer;
      const id = randomChunk(1).id;
      expect(await client.hasChunks(peer, [id])).toEqual([true]);
      expect(await client.hasChunks(peer, [id])).toEqual([true]);
      expect(connections).toBe(2);
    } finally {
      flaky.close();
    }
  });

  test("start() names the port when it is already in use", async () => {
    const clash = new TransferServer(serverInit(b.store, b.server.port), { log: quiet });
    await expect(clash.start()).rejects.toThrow(`transfer port ${b.server.port} is already in use`);
  });

  test("RPC frames reach the handler with the caller's authenticated id; errors come back typed", async () => {
    const calls: Array<{ from: string; method: string; body: unknown }> = [];
    const node = await startNode({
      rpc: async (from, method, body) => {
        calls.push({ from, method, body });
        if (method === "echo") return { status: "ok", body: { echoed: body } };
        if (method === "picky") return { status: "bad_request", body: { error: "no thanks" } };
        throw new Error("handler exploded");
      },
    });
    try {
      expect(await client.rpc(node.peer, "echo", { x: [1, "two"] })).toEqual({ echoed: { x: [1, "two"] } });
      expect(calls[0]).toEqual({ from: "a", method: "echo", body: { x: [1, "two"] } });
      await expectTransferError(client.rpc(node.peer, "picky", {}), "bad_request");
      await expectTransferError(client.rpc(node.peer, "boom", {}), "remote");
      // The connection survives failed calls.
      expect(await client.rpc(node.peer, "echo", null)).toEqual({ echoed: null });
    } finally {
      await node.stop();
    }
  });
});

describe("the cluster-key handshake", () => {
  test("a client with another key is refused before any frame: no chunk byte either way", async () => {
    const chunk = randomChunk(10_000);
    await b.store.put(chunk.id, chunk.data);
    const failedBefore = b.server.stats.handshakesFailed.unknown_key;
    const bytesOut = b.server.stats.chunkBytesOut;
    const bytesIn = b.server.stats.chunkBytesIn;
    const outsider = newClient({ keyring: Keyring.of(new ClusterKey("somebody-elses-cluster-key-1234567890")) });
    try {
      await expectTransferError(outsider.getChunk(b.peer, chunk.id), "auth");
      const stray = randomChunk(1000);
      await expectTransferError(outsider.putChunk(b.peer, stray.id, stray.data), "auth");
      expect(b.store.has(stray.id)).toBe(false);
      await expectTransferError(outsider.rpc(b.peer, "manifests.sync", { marks: {} }), "auth");
    } finally {
      await outsider.close();
    }
    expect(b.server.stats.handshakesFailed.unknown_key).toBe(failedBefore + 3);
    expect(b.server.stats.chunkBytesOut).toBe(bytesOut);
    expect(b.server.stats.chunkBytesIn).toBe(bytesIn);
  });

  test("frames without a handshake are never read: a raw GET of a stored chunk gets nothing back", async () => {
    const chunk = randomChunk(5000);
    await b.store.put(chunk.id, chunk.data);
    const socket = net.connect({ host: "127.0.0.1", port: b.server.port });
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.on("error", () => {});
    const got: Buffer[] = [];
    socket.on("data", (d: Buffer) => got.push(d));
    socket.write(encodeGetChunk(1, chunk.id));
    await closed(socket);
    expect(Buffer.concat(got).includes(Buffer.from(chunk.data.subarray(0, 64)))).toBe(false);
  });

  test("a recorded handshake replayed on a new connection fails: the server's nonce is fresh each time", async () => {
    const hs = new ClientHandshake(keyring, "a", "b", false);
    const first = await rawSocket(b.server.port);
    first.pause();
    const serverHello = await new Promise<Buffer>((resolve) => {
      first.once("data", (d: Buffer) => resolve(d));
      first.resume();
      first.write(hs.hello());
    });
    const finish = hs.receive(serverHello)!.finish;
    first.destroy();
    const failed = b.server.stats.handshakesFailed.bad_mac;
    const replay = await rawSocket(b.server.port);
    replay.write(Buffer.concat([hs.hello(), finish, encodeGetChunk(1, randomChunk(1).id)]));
    await closed(replay);
    expect(b.server.stats.handshakesFailed.bad_mac).toBe(failed + 1);
  });

  test("a different node at the member's address is refused (wrong_node), so chunks never go to it", async () => {
    await expectTransferError(client.getChunk({ ...b.peer, id: "not-b" }, randomChunk(1).id), "wrong_node");
  });

  test("encrypted records: a 4 MiB chunk and an RPC round trip; a tampered record closes the connection", async () => {
    const node = await startNode({ encrypt: true, rpc: async (_f, _m, body) => ({ status: "ok", body }) });
    const plainClient = newClient(); // the server asks for encryption, so this one gets it too
    try {
      const chunk = randomChunk(MAX_CHUNK);
      await plainClient.putChunk(node.peer, chunk.id, chunk.data);
      expect(await plainClient.getChunk(node.peer, chunk.id)).toEqual(chunk.data);
      expect(await plainClient.rpc(node.peer, "any", { ok: true })).toEqual({ ok: true });

      const raw = await rawSocket(node.server.port);
      raw.pause();
      const channel = await PeerChannel.connect(raw, "b", { keyring, selfId: "raw", encrypt: true, timeoutMs: 1000 });
      expect(channel.encrypted).toBe(true);
      channel.onData(() => {});
      // A record whose ciphertext was altered in flight: the server's GCM check fails and it hangs up.
      const record = Buffer.concat([Buffer.from([0, 0, 0, 12]), randomBytes(12 + 16)]);
      raw.write(record);
      await closed(raw);
    } finally {
      await plainClient.close();
      await node.stop();
    }
  });
});
