// MemoryChunkStore: the shared conformance suite, then the simulated disk: free space and corruption.
import { describe, expect, test } from "bun:test";
import { ChunkNotFoundError, StoreFullError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { MAX_CHUNK, randomChunk, runChunkStoreTests } from "./chunk-store.case.ts";
import { MemoryChunkStore } from "./memory-chunk-store.ts";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

runChunkStoreTests("MemoryChunkStore", ({ now, ...init }) => {
  const store = new MemoryChunkStore(init, { now, log: quiet });
  return { store, corrupt: (id) => store.corrupt(id) };
});

describe("MemoryChunkStore's simulated disk", () => {
  const open = (init: { freeBytes?: number; diskBytes?: number; minFreeBytes?: number } = {}) =>
    new MemoryChunkStore({ maxChunkSize: MAX_CHUNK, ...init }, { log: quiet });

  test("storing uses free space, deleting returns it; a chunk larger than the free space is refused", async () => {
    const store = open({ diskBytes: 10_000, freeBytes: 8000 });
    const a = randomChunk(5000);
    const b = randomChunk(5000);
    expect(store.diskUsage()).toEqual({ totalBytes: 10_000, freeBytes: 8000 });
    await store.put(a.id, a.data);
    expect(store.diskUsage().freeBytes).toBe(3000);
    await expect(store.put(b.id, b.data)).rejects.toThrow(/disk full/);
    await expect(store.writer(b.id, 5000).write(b.data.subarray(0, 1))).rejects.toBeInstanceOf(StoreFullError);
    const unannounced = store.writer(b.id);
    await unannounced.write(b.data.subarray(0, 2000));
    await expect(unannounced.write(b.data.subarray(2000))).rejects.toBeInstanceOf(StoreFullError);
    await store.delete(a.id);
    expect(store.diskUsage().freeBytes).toBe(8000);
    expect((await store.put(b.id, b.data)).created).toBe(true);
  });

  test("setFreeBytes fills the disk, or empties it, at once", async () => {
    const store = open({ minFreeBytes: 1000 });
    const a = randomChunk(100);
    store.setFreeBytes(1050);
    await expect(store.put(a.id, a.data)).rejects.toThrow(/keeping 1000 in reserve/);
    store.setFreeBytes(1100);
    expect((await store.put(a.id, a.data)).created).toBe(true);
    expect(store.diskUsage().freeBytes).toBe(1000);
    expect(() => store.setFreeBytes(-1)).toThrow(RangeError);
    expect(() => store.setFreeBytes(store.diskBytes + 1)).toThrow(RangeError);
  });

  test("corrupt flips a stored copy in place; the quarantined copy is listed and keeps its space", async () => {
    const store = open({ diskBytes: 10_000 });
    const a = randomChunk(1000);
    const empty = randomChunk(0);
    await store.put(a.id, a.data);
    await store.put(empty.id, empty.data);
    store.corrupt(a.id, 0);
    store.corrupt(empty.id);
    expect(store.quarantined()).toEqual([]);
    await expect(store.get(a.id)).rejects.toMatchObject({ name: "ChunkCorruptError" });
    await expect(store.get(empty.id)).rejects.toMatchObject({ name: "ChunkCorruptError" });
    expect(store.quarantined()).toEqual([a.id, empty.id]);
    expect(store.diskUsage().freeBytes).toBe(9000);
    expect(() => store.corrupt(a.id)).toThrow(ChunkNotFoundError);
    await store.put(a.id, a.data);
    expect(() => store.corrupt(a.id, 1000)).toThrow(RangeError);
  });
});
