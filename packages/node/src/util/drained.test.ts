import { expect, test } from "bun:test";
import { EventEmitter } from "node:events";
import net from "node:net";
import { drained } from "./drained.ts";

const settles = (p: Promise<void>, ms = 200) => Promise.race([p.then(() => true), Bun.sleep(ms).then(() => false)]);

test("waits for 'drain' while the buffer is full, and for 'close' instead", async () => {
  const full = Object.assign(new EventEmitter(), { writableNeedDrain: true });
  const p = drained(full);
  expect(await settles(p, 20)).toBe(false);
  full.emit("drain");
  expect(await settles(p)).toBe(true);
  const closing = Object.assign(new EventEmitter(), { writableNeedDrain: true });
  const q = drained(closing);
  closing.emit("close");
  expect(await settles(q)).toBe(true);
});

test("a socket already closed, or with nothing to drain, resolves at once (its events will not come again)", async () => {
  const srv = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const socket = net.connect((srv.address() as net.AddressInfo).port, "127.0.0.1");
  await new Promise((r) => socket.once("close", r));
  expect(socket.write(Buffer.alloc(10))).toBe(false); // what a writer sees on a dead socket
  expect(await settles(drained(socket))).toBe(true);
  srv.close();
  expect(await settles(drained(Object.assign(new EventEmitter(), { writableNeedDrain: false })))).toBe(true);
});
