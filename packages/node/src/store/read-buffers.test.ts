// The read buffer pool: aligned buffers, reused only once given back, each once, a few kept.
import { expect, test } from "bun:test";
import { DIRECT_ALIGN } from "./direct-io.ts";
import { ReadBuffers } from "./read-buffers.ts";

const { ptr } = require("bun:ffi") as typeof import("bun:ffi");

test("a buffer is aligned for O_DIRECT and rounded up to whole blocks", () => {
  const pool = new ReadBuffers();
  for (const size of [1, 4096, 300_001]) {
    const buf = pool.take(size);
    expect(Number(ptr(buf)) % DIRECT_ALIGN).toBe(0);
    expect(buf.byteLength).toBe(Math.ceil(size / DIRECT_ALIGN) * DIRECT_ALIGN);
  }
});

test("a buffer comes back to the next take of its size only after it was given back, and only once", () => {
  const pool = new ReadBuffers();
  const a = pool.take(300_000);
  const b = pool.take(300_000);
  expect(b.buffer).not.toBe(a.buffer); // a is still out
  pool.give(a.subarray(10, 20)); // any view of its memory gives it back
  pool.give(a); // twice: ignored
  expect(pool.held).toBe(1);
  const c = pool.take(300_000);
  expect(c.buffer).toBe(a.buffer);
  const d = pool.take(300_000);
  expect(d.buffer).not.toBe(a.buffer); // handed out once, not twice
  expect(pool.reused).toBe(1);
});

test("memory that is not the pool's is ignored, and at most `keep` free buffers are held", () => {
  const pool = new ReadBuffers({ keep: 2 });
  pool.give(new Uint8Array(8192));
  expect(pool.held).toBe(0);
  const out = [pool.take(8192), pool.take(8192), pool.take(8192)];
  for (const b of out) pool.give(b);
  expect(pool.held).toBe(2);
});

test("free buffers are dropped after a quiet spell", async () => {
  const pool = new ReadBuffers({ idleMs: 20 });
  pool.give(pool.take(8192));
  expect(pool.held).toBe(1);
  await Bun.sleep(60);
  expect(pool.held).toBe(0);
});
