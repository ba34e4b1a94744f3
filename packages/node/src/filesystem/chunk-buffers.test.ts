// Chunk buffer reuse: the pool's own rules, and the one that matters for correctness — an upload gives a
// chunk's buffer back only once every replica write of it has settled (a straggler still sending it keeps it).
import { beforeAll, describe, expect, test } from "bun:test";
import { testMember } from "../membership/test-member.ts";
import { type Hash64, loadHash64 } from "../ring/index.ts";
import { MemoryNetwork } from "../rpc/memory-rpc.ts";
import { quiet } from "../rpc/peer-rpc.case.ts";
import { MemoryReplicationQueue } from "../replication/memory-queue.ts";
import { Placement } from "../replication/placement.ts";
import { WriteCoordinator } from "../replication/write-coordinator.ts";
import { MemoryChunkStore } from "../store/memory-chunk-store.ts";
import { ChunkBufferPool } from "./chunk-buffers.ts";
import { uploadStream } from "./upload.ts";

let h: Hash64;
beforeAll(async () => {
  h = await loadHash64();
});

describe("ChunkBufferPool", () => {
  test("hands back given buffers of the current size, keeps at most `keep`, drops them when the size changes", () => {
    const pool = new ChunkBufferPool({ keep: 2, idleMs: 60_000 });
    const [a, b, c] = [pool.take(1024), pool.take(1024), pool.take(1024)];
    expect(pool.reused).toBe(0);
    for (const x of [a, b, c]) pool.give(x!);
    expect(pool.held).toBe(2);
    expect([a, b]).toContain(pool.take(1024));
    expect(pool.reused).toBe(1);
    pool.give(pool.take(2048)); // another chunk size: the old buffers go
    expect(pool.held).toBe(1);
    expect(pool.take(1024).byteLength).toBe(1024);
    expect(pool.reused).toBe(1);
  });

  test("a view into a larger buffer is not taken in", () => {
    const pool = new ChunkBufferPool({ keep: 2, idleMs: 60_000 });
    pool.give(new Uint8Array(4096).subarray(0, 1024));
    expect(pool.held).toBe(0);
  });

  test("lets its buffers go after a quiet spell, not while they are being taken", async () => {
    const pool = new ChunkBufferPool({ keep: 4, idleMs: 60 });
    const [a, b] = [pool.take(1024), pool.take(1024)];
    pool.give(a);
    pool.give(b);
    await Bun.sleep(30);
    pool.give(pool.take(1024)); // in use: the timer re-arms
    await Bun.sleep(40);
    expect(pool.held).toBe(2);
    await Bun.sleep(150);
    expect(pool.held).toBe(0);
  });
});

describe("uploads and the pool", () => {
  function threeMembers(dataMs: number) {
    const net = new MemoryNetwork({ connectMs: 1000, dataMs, controlMs: 1000 });
    const members = ["a", "b", "c"];
    const rpcs = Object.fromEntries(
      members.map((id) => [id, net.register(id, { store: new MemoryChunkStore({ maxChunkSize: 1 << 20 }), handlers: {} })]),
    );
    const placement = new Placement(3, h, 16);
    placement.update(members.map((m) => testMember(m)));
    const coordinator = new WriteCoordinator(
      { stragglerGraceMs: 10, retryBaseMs: 100 },
      { selfId: "a", placement, rpc: rpcs.a!, queue: new MemoryReplicationQueue(), log: quiet },
    );
    return { net, coordinator };
  }
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
});
