// Fixtures for the transfer tests: a node's store and transfer server on an ephemeral port, clients, and
// raw or authenticated sockets that speak (possibly broken) frames by hand.
import type { Database } from "bun:sqlite";
import { expect } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "../log.ts";
import { ChunkStore } from "../store/chunk-store.ts";
import { openDatabase } from "../store/db.ts";
import type { Keyring } from "../security/keyring.ts";
import { testKeyring } from "../security/test-keys.ts";
import { TransferClient } from "./client.ts";
import type { TransferError } from "./transfer-error.ts";
import { PeerChannel } from "./peer-channel.ts";
import { type RpcHandler, TransferServer } from "./server.ts";

import { logger } from "../log.ts";
export const quiet: Logger = process.env.ORRERY_TEST_LOG ? logger("transfer-test") : { debug() {}, info() {}, warn() {}, error() {} };
export const MAX_CHUNK = 4 * 1024 * 1024;
export const sha256 = (b: Uint8Array) => Bun.CryptoHasher.hash("sha256", b, "hex") as string;
export const randomBytes = (n: number) => {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(b.subarray(i, Math.min(n, i + 65536)));
  return b;
};
export const randomChunk = (n: number) => {
  const data = randomBytes(n);
  return { id: sha256(data), data };
};

export async function until(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}

export function expectTransferError(promise: Promise<unknown>, code: TransferError["code"]) {
  return expect(promise).rejects.toMatchObject({ name: "TransferError", code });
}

export const keyring = testKeyring();
export const serverInit = (
  store: ChunkStore,
  port = 0,
  extra: { encrypt?: boolean; rpc?: RpcHandler; selfId?: string; rpcRequestLimit?: (method: string) => number } = {},
) => ({
  store,
  host: "127.0.0.1",
  port,
  maxChunkSize: MAX_CHUNK,
  selfId: extra.selfId ?? "b",
  keyring,
  encrypt: extra.encrypt ?? false,
  handshakeTimeoutMs: 1000,
  rpc: extra.rpc,
  rpcRequestLimit: extra.rpcRequestLimit,
});
export const newClient = (opts: { requestTimeoutMs?: number; encrypt?: boolean; keyring?: Keyring; connectTimeoutMs?: number } = {}) =>
  new TransferClient(
    {
      selfId: "a",
      keyring: opts.keyring ?? keyring,
      encrypt: () => opts.encrypt ?? false,
      connectTimeoutMs: opts.connectTimeoutMs ?? 1000,
      requestTimeoutMs: opts.requestTimeoutMs ?? 5000,
      maxChunkSize: MAX_CHUNK,
    },
    { log: quiet },
  );

/** A node's store and transfer server (node id "b" unless told) on an ephemeral port. */
export async function startNode(
  opts: { quotaBytes?: number; encrypt?: boolean; rpc?: RpcHandler; selfId?: string; rpcRequestLimit?: (method: string) => number } = {},
) {
  const root = mkdtempSync(join(tmpdir(), "orrery-transfer-"));
  const db: Database = openDatabase(join(root, "node.db"));
  const store = new ChunkStore({ dir: join(root, "chunks"), db, maxChunkSize: MAX_CHUNK, quotaBytes: opts.quotaBytes }, { log: quiet });
  const server = new TransferServer(serverInit(store, 0, opts), { log: quiet });
  await server.start();
  return {
    store,
    server,
    peer: { id: opts.selfId ?? "b", host: "127.0.0.1", port: server.port },
    async stop() {
      await server.stop();
      db.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
export type Node = Awaited<ReturnType<typeof startNode>>;

/** A raw socket that has not done the handshake: everything it sends must be refused. */
export async function rawSocket(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: "127.0.0.1", port });
  await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  socket.on("error", () => {});
  socket.resume(); // read (and drop) whatever the server says, so its hang-up is noticed
  return socket;
}
export const closed = (socket: net.Socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once("close", () => resolve())));

/** A member holding the key that speaks raw (possibly broken) frames after a proper handshake. */
export async function authedSocket(port: number, expect = "b"): Promise<{ channel: PeerChannel; socket: net.Socket; received: Buffer[] }> {
  const socket = await rawSocket(port);
  socket.pause();
  const channel = await PeerChannel.connect(socket, expect, { keyring, selfId: "raw", encrypt: false, timeoutMs: 1000 });
  const received: Buffer[] = [];
  channel.onData((d) => received.push(Buffer.from(d)));
  return { channel, socket, received };
}

/** A peer holding the key whose frame handling is the test's: a liar, a flake, a mute. */
export async function fakePeer(onConnection: (channel: PeerChannel, n: number) => void): Promise<{ peer: { id: string; host: string; port: number }; close: () => void }> {
  let n = 0;
  const server = net.createServer((socket) => {
    socket.on("error", () => {});
    PeerChannel.accept(socket, { keyring, selfId: "fake", encrypt: false, timeoutMs: 1000 }).then((ch) => onConnection(ch, ++n), () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { peer: { id: "fake", host: "127.0.0.1", port: (server.address() as net.AddressInfo).port }, close: () => server.close() };
}

