// Chunk buffer reuse: the pool's own rules, and the one that matters for correctness — an upload gives a
// chunk's buffer back only once every replica write of it has settled (a straggler still sending it keeps it).
import { beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Hash64, loadHash64 } from "../ring/index.ts";
import { quiet } from "../rpc/peer-rpc.case.ts";
import { threeMemberCoordinator } from "../replication/test-fixtures.ts";
import { MemoryChunkStore } from "../store/memory-chunk-store.ts";
import { ChunkStore } from "../store/chunk-store.ts";
import { randomChunk } from "../store/chunk-store.case.ts";
import { openDatabase } from "../store/db.ts";
import { directWriteCounts, supportsDirectIo } from "../store/direct-io.ts";
import { ChunkBufferPool } from "./chunk-buffers.ts";
import { Chunker } from "./chunker.ts";
import { uploadStream } from "./upload.ts";

let h: Hash64;
beforeAll(async () => {
  h = await loadHash64();
});

describe("ChunkBufferPool", () => {
  test("hands back given buffers of the current size, keeps at most `keep`, drops them when the size changes", async () => {
    const pool = new ChunkBufferPool({ keep: 2, idleMs: 60_000 });
    const [a, b, c] = [await pool.take(1024), await pool.take(1024), await pool.take(1024)];
    expect(pool.reused).toBe(0);
    for (const x of [a, b, c]) pool.give(x!);
    expect(pool.held).toBe(2);
    expect([a, b]).toContain(await pool.take(1024));
    expect(pool.reused).toBe(1);
    pool.give(await pool.take(2048)); // another chunk size: the old buffers go
    expect(pool.held).toBe(1);
    expect((await pool.take(1024)).byteLength).toBe(1024);
    expect(pool.reused).toBe(1);
  });

  test("a view into a larger buffer is not taken in; a buffer given back as not reusable is not kept", async () => {
    const pool = new ChunkBufferPool({ keep: 2, idleMs: 60_000 });
    pool.give(new Uint8Array(4096).subarray(0, 1024));
    expect(pool.held).toBe(0);
    const small = await pool.take(100);
    expect(pool.outstanding).toBe(100);
    pool.give(small, false);
    expect(pool.held).toBe(0);
    expect(pool.outstanding).toBe(0);
  });

  test("lets its buffers go after a quiet spell, not while they are being taken", async () => {
    const pool = new ChunkBufferPool({ keep: 4, idleMs: 60 });
    const [a, b] = [await pool.take(1024), await pool.take(1024)];
    pool.give(a);
    pool.give(b);
    await Bun.sleep(30);
    pool.give(await pool.take(1024)); // in use: the timer re-arms
    await Bun.sleep(40);
    expect(pool.held).toBe(2);
    await Bun.sleep(150);
    expect(pool.held).toBe(0);
  });

  test("never hands out more than its limit: takes past it wait, in order, for buffers given back", async () => {
    const pool = new ChunkBufferPool({ limitBytes: 2048, keep: 4, idleMs: 60_000 });
    const a = await pool.take(1024);
    const b = await pool.take(1024);
    const order: string[] = [];
    const c = pool.take(1024).then((buf) => (order.push("c"), buf));
    const d = pool.take(512).then((buf) => (order.push("d"), buf));
    await Bun.sleep(5);
    expect(order).toEqual([]);
    expect(pool.waited).toBe(2);
    pool.give(a);
    expect(await c).toBe(a); // the freed buffer itself, reused
    await Bun.sleep(1);
    expect(order).toEqual(["c"]); // d (smaller) waits behind c's turn and then for room
    pool.give(b);
    await d;
    expect(order).toEqual(["c", "d"]);
    expect(pool.outstanding).toBe(1024 + 512);
  });

  test("a buffer larger than the limit is granted when nothing else is out, and frees room for nothing more", async () => {
    const pool = new ChunkBufferPool({ limitBytes: 1000, keep: 4, idleMs: 60_000 });
    const big = await pool.take(4096);
    let second = false;
    const next = pool.take(4096).then(() => (second = true));
    await Bun.sleep(5);
    expect(second).toBe(false);
    pool.give(big);
    await next;
    expect(second).toBe(true);
  });

  test("free buffers of another size are dropped to make room rather than making a take wait", async () => {
    const pool = new ChunkBufferPool({ limitBytes: 4096, keep: 4, idleMs: 60_000 });
    const olds = [await pool.take(1024), await pool.take(1024), await pool.take(1024)];
    for (const o of olds) pool.give(o);
    expect(pool.held).toBe(3);
    const fresh = await pool.take(2048);
    expect(fresh.byteLength).toBe(2048);
    expect(pool.held).toBeLessThanOrEqual(2);
  });
});

describe("uploads and the pool", () => {
  const threeMembers = (dataMs: number) =>
    threeMemberCoordinator(h, { dataMs, newStore: () => new MemoryChunkStore({ maxChunkSize: 1 << 20 }) });
  const body = (bytes: number, seed: number) =>
    new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(Uint8Array.from({ length: bytes }, (_, i) => (i * 7 + seed) & 0xff));
        c.close();
      },
    });

  test("a finished upload's chunk buffers serve the next upload", async () => {
    const { coordinator } = threeMembers(5000);
    const pool = new ChunkBufferPool({ keep: 4, idleMs: 60_000 });
    await uploadStream(body(64 * 1024, 1), 16 * 1024, "quorum", coordinator, quiet, undefined, pool);
    await Bun.sleep(5);
    expect(pool.held).toBeGreaterThan(0);
    const second = await uploadStream(body(64 * 1024, 2), 16 * 1024, "quorum", coordinator, quiet, undefined, pool);
    expect(pool.reused).toBeGreaterThan(0);
    expect(second.results.every((r) => r.copies.length === 3)).toBe(true);
  });

  test("a chunk still being sent to a hung replica keeps its buffer until that call ends", async () => {
    const { net, coordinator } = threeMembers(400);
    net.setHung("c", true);
    const pool = new ChunkBufferPool({ keep: 8, idleMs: 60_000 });
    const up = await uploadStream(body(32 * 1024, 3), 16 * 1024, "quorum", coordinator, quiet, undefined, pool);
    expect(up.results.every((r) => r.copies.length === 2 && r.queued.includes("c"))).toBe(true);
    // Answered at quorum: c's calls still hold the chunks' bytes, so none is free for another upload yet.
    expect(pool.held).toBe(0);
    await Bun.sleep(600); // c's calls time out
    expect(pool.held).toBe(2);
  });

  test("parallel uploads share the node's limit: never more buffers out than it allows, and every upload completes", async () => {
    const { coordinator } = threeMembers(5000);
    const chunk = 16 * 1024;
    const pool = new ChunkBufferPool({ limitBytes: 3 * chunk, keep: 4, idleMs: 60_000 });
    let most = 0;
    const take = pool.take.bind(pool);
    pool.take = async (size) => {
      const buf = await take(size);
      most = Math.max(most, pool.outstanding);
      return buf;
    };
    // Six uploads would hold 18 buffers unbounded (one filling, two being placed, each).
    const ups = await Promise.all(
      Array.from({ length: 6 }, (_, i) => uploadStream(body(8 * chunk, 10 + i), chunk, "quorum", coordinator, quiet, undefined, pool)),
    );
    expect(ups.every((u) => u.size === 8 * chunk && u.results.length === 8)).toBe(true);
    expect(most).toBeLessThanOrEqual(3 * chunk);
    expect(pool.waited).toBeGreaterThan(0);
    await Bun.sleep(5);
    expect(pool.outstanding).toBe(0);
  });

  test("an upload whose body fails half-way gives every buffer back, the one it was filling too", async () => {
    const { coordinator } = threeMembers(5000);
    const chunk = 16 * 1024;
    const pool = new ChunkBufferPool({ limitBytes: 4 * chunk, keep: 4, idleMs: 60_000 });
    let sent = 0;
    const failing = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent >= 2.5 * chunk) return c.error(new Error("client went away"));
        sent += chunk / 2;
        c.enqueue(new Uint8Array(chunk / 2).fill(sent & 0xff));
      },
    });
    const failed = await uploadStream(failing, chunk, "quorum", coordinator, quiet, undefined, pool).catch((e: unknown) => e);
    expect(String(failed)).toContain("client went away");
    await Bun.sleep(5);
    expect(pool.outstanding).toBe(0);
  });

  test("a chunk whose bytes a keeper retains goes back to the pool only once both its write and the keeper let go", async () => {
    const { coordinator } = threeMembers(5000);
    const chunk = 16 * 1024;
    const pool = new ChunkBufferPool({ keep: 4, idleMs: 60_000 });
    const kept: Array<{ data: Uint8Array; release: () => void }> = [];
    const seen: number[] = [];
    // Keeps the first chunk, only looks at the second.
    const retain = (data: Uint8Array, release: () => void) => {
      seen.push(data[0]!);
      if (kept.length > 0) return false;
      kept.push({ data, release });
      return true;
    };
    const up = await uploadStream(body(2 * chunk, 40), chunk, "quorum", coordinator, quiet, undefined, pool, { retain });
    expect(seen).toEqual([40, (chunk * 7 + 40) & 0xff]); // every chunk shown, in order
    await Bun.sleep(5); // every write settled
    expect(pool.outstanding).toBe(chunk); // the kept chunk's buffer is still out, with its bytes intact
    expect(new Bun.CryptoHasher("sha256").update(kept[0]!.data).digest("hex")).toBe(up.results[0]!.chunkId);
    kept[0]!.release();
    expect(pool.outstanding).toBe(0);
    expect(pool.held).toBe(2);
  });
});

// The pool's buffers are page-aligned (the allocator places large blocks on pages), so this node's own copy of a
// chunk is written around the page cache straight from the buffer it was cut in (store/direct-io.ts).
const tmp = tmpdir();
test.if(supportsDirectIo(tmp))("the coordinator's own copy of a chunk cut in a pool buffer is written from that buffer: no staging copy", async () => {
  const dir = mkdtempSync(join(tmp, "orrery-own-copy-"));
  const db = openDatabase(join(dir, "node.db"));
  try {
    const store = new ChunkStore({ dir: join(dir, "chunks"), db, directIo: true, maxChunkSize: 4 << 20 }, { log: quiet });
    const pool = new ChunkBufferPool();
    const chunker = new Chunker(4 << 20, undefined, (buf) => pool.give(buf));
    for (let i = 0; i < 3; i++) {
      chunker.supply(await pool.take(chunker.bufferNeeded));
      const { chunk } = chunker.take(randomChunk(4 << 20).data);
      const before = directWriteCounts.stagedBytes;
      await store.putSelfHashed(chunk!.id, chunk!.data);
      expect(directWriteCounts.stagedBytes - before).toBe(0);
      expect(Buffer.from(await store.get(chunk!.id))).toEqual(Buffer.from(chunk!.data));
      chunk!.release!();
    }
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
