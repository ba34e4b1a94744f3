// PeerChannel's encrypted byte stream over a real loopback socket: record buffers are reused from a pool once
// the socket has written them, so a stream far larger than the pool, written against back-pressure (a reader
// that pauses), must arrive byte for byte; and a closed channel frees its ciphers without failing later writes.
import { expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import net from "node:net";
import { testKeyring } from "../security/test-keys.ts";
import { PeerChannel } from "./peer-channel.ts";

async function pair(): Promise<{ client: PeerChannel; server: PeerChannel; close: () => void }> {
  const opts = (selfId: string) => ({ keyring: testKeyring(), selfId, encrypt: true, timeoutMs: 5000 });
  let accepted!: Promise<PeerChannel>;
  const srv = net.createServer((s) => (accepted = PeerChannel.accept(s, opts("b"))));
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as net.AddressInfo).port;
  const socket = net.connect(port, "127.0.0.1");
  await new Promise((r) => socket.once("connect", r));
  const client = await PeerChannel.connect(socket, "b", opts("a"));
  while (!accepted) await Bun.sleep(1);
  const server = await accepted;
  return { client, server, close: () => srv.close() };
}

test("an encrypted stream much larger than the record pool arrives intact under back-pressure", async () => {
  const { client, server, close } = await pair();
  expect(client.encrypted && server.encrypted).toBe(true);
  const total = 96 * 1024 * 1024; // 96 batches of records: the pool (16) is reused many times over
  const got = createHash("sha256");
  let received = 0;
  let paused = 0;
  const done = new Promise<void>((resolve) => {
    server.onData((bytes) => {
      got.update(bytes);
      received += bytes.byteLength;
      // Stall the reader now and then, so the writer's socket holds unsent records when it is asked for more.
      if (received > (paused + 1) * 16 * 1024 * 1024) {
        paused++;
        server.socket.pause();
        setTimeout(() => server.socket.resume(), 50);
      }
      if (received === total) resolve();
    });
  });
  const sent = createHash("sha256");
  const piece = randomBytes(4 * 1024 * 1024 + 123);
  let i = 0;
  for (let off = 0; off < total; off += piece.length) {
    const part = piece.subarray(0, Math.min(piece.length, total - off));
    part[0] = off & 0xff; // every piece differs, so a record reused too early shows in the hash
    sent.update(part);
    // Every other write goes on although the socket asked to wait (allowed, and what a burst of frames does):
    // its records must then not be sealed into buffers the socket still holds.
    if (!client.write(part) && i++ % 2 === 1) await client.drained();
  }
  await done;
  expect(paused).toBeGreaterThan(2);
  expect(got.digest("hex")).toBe(sent.digest("hex"));
  client.destroy();
  server.destroy();
  close();
});

test("writes to a closed encrypted channel are dropped, not sealed with freed ciphers", async () => {
  const { client, server, close } = await pair();
  client.destroy();
  await new Promise((r) => client.socket.once("close", r));
  expect(() => client.write(Buffer.alloc(1000))).not.toThrow();
  server.destroy();
  close();
});

test("a frame's small parts go as one socket write, large ones each as their own, in order", async () => {
  const { client, server, close } = await pair();
  const writes: number[] = [];
  const write = client.socket.write.bind(client.socket);
  // Counts the writes the channel makes (sealed: one record batch per write it is given).
  client.socket.write = ((data: Uint8Array, ...rest: unknown[]) => (writes.push(data.byteLength), write(data, ...(rest as [])))) as typeof client.socket.write;
  const received: Buffer[] = [];
  let bytes = 0;
  const small = [randomBytes(21), randomBytes(4096)];
  const large = [randomBytes(21), randomBytes(100 * 1024)];
  const total = [...small, ...large].reduce((n, p) => n + p.byteLength, 0);
  const done = new Promise<void>((resolve) =>
    server.onData((b) => {
      received.push(Buffer.from(b));
      if ((bytes += b.byteLength) === total) resolve();
    }),
  );
  client.writeParts(small);
  expect(writes.length).toBe(1);
  client.writeParts(large);
  expect(writes.length).toBe(3);
  await done;
  expect(Buffer.concat(received).equals(Buffer.concat([...small, ...large]))).toBe(true);
  client.destroy();
  server.destroy();
  close();
});
