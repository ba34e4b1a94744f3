// The ChunkStorage conformance suite's limits: the quota, writers in flight against it, headroom, the
// free-space floor, and paging through ids (run by chunk-store.case.ts).
import { expect, test } from "bun:test";
import { OrreryError, StoreFullError } from "../errors.ts";
import { type Harness, randomChunk } from "./chunk-store.kit.ts";

export function describeLimits({ open }: Harness): void {
  test("quota reached → StoreFullError, before or while streaming; deleting makes room", async () => {
    const { store } = open({ quotaBytes: 10_000 });
    const a = randomChunk(6000);
    const b = randomChunk(6000);
    await store.put(a.id, a.data);
    await expect(store.put(b.id, b.data)).rejects.toBeInstanceOf(StoreFullError);
    // A streamed chunk announced as too big is refused at its first byte...
    const announced = store.writer(b.id, b.data.byteLength);
    await expect(announced.write(b.data.subarray(0, 10))).rejects.toBeInstanceOf(StoreFullError);
    // ...and one that grows past the quota as it crosses it.
    const growing = store.writer(b.id);
    await growing.write(b.data.subarray(0, 3000));
    await expect(growing.write(b.data.subarray(3000))).rejects.toBeInstanceOf(StoreFullError);
    expect(store.has(b.id)).toBe(false);
    expect(store.stats()).toEqual({ count: 1, bytes: 6000 });
    expect(await store.delete(a.id)).toBe(true);
    expect((await store.put(b.id, b.data)).created).toBe(true);
  });

  test("writers in flight cannot jointly overshoot the quota", async () => {
    const { store } = open({ quotaBytes: 10_000 });
    const a = randomChunk(6000);
    const b = randomChunk(6000);
    const first = store.writer(a.id, 6000);
    await first.write(a.data.subarray(0, 10));
    await expect(store.writer(b.id, 6000).write(b.data.subarray(0, 10))).rejects.toBeInstanceOf(StoreFullError);
    await first.abort(); // gives its reservation back
    const second = store.writer(b.id, 6000);
    await second.write(b.data);
    expect((await second.commit()).created).toBe(true);
  });

  test("headroom: what the quota leaves, less writers in flight; none under an unreachable floor", async () => {
    const { store } = open({ quotaBytes: 10_000 });
    expect(store.headroom()).toBe(10_000);
    const a = randomChunk(6000);
    await store.put(a.id, a.data);
    expect(store.headroom()).toBe(4000);
    const b = randomChunk(3000);
    const inFlight = store.writer(b.id, 3000);
    await inFlight.write(b.data.subarray(0, 10));
    expect(store.headroom()).toBe(1000);
    await inFlight.abort();
    expect(store.headroom()).toBe(4000);
    await store.delete(a.id);
    expect(store.headroom()).toBe(10_000);
    expect(open({ minFreeBytes: Number.MAX_SAFE_INTEGER }).store.headroom()).toBe(0);
    // Without a quota, the free space less the floor (read around it: other files may change a real disk's).
    const floored = open({ minFreeBytes: 1 << 20 }).store;
    const freeBefore = floored.diskUsage().freeBytes;
    const room = floored.headroom();
    const freeAfter = floored.diskUsage().freeBytes;
    expect(room).toBeGreaterThanOrEqual(Math.max(0, Math.min(freeBefore, freeAfter) - (1 << 20)));
    expect(room).toBeLessThanOrEqual(Math.max(0, Math.max(freeBefore, freeAfter) - (1 << 20)));
  });

  test("a free-space floor above the free space → StoreFullError; diskUsage is sane", async () => {
    const { store } = open({ minFreeBytes: Number.MAX_SAFE_INTEGER });
    const a = randomChunk(10);
    await expect(store.put(a.id, a.data)).rejects.toBeInstanceOf(StoreFullError);
    await expect(store.writer(a.id, 10).write(a.data)).rejects.toBeInstanceOf(StoreFullError);
    expect(store.has(a.id)).toBe(false);
    const du = store.diskUsage();
    expect(du.totalBytes).toBeGreaterThan(0);
    expect(du.freeBytes).toBeGreaterThan(0);
    expect(du.freeBytes).toBeLessThanOrEqual(du.totalBytes);
  });
}

export function describePaging({ open }: Harness): void {
  test("ids pages in ascending id order; delete updates has, stats and ids", async () => {
    const { store } = open();
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      const c = randomChunk(100 + i);
      ids.push(c.id);
      await store.put(c.id, c.data);
    }
    ids.sort();
    expect(store.stats()).toEqual({ count: 25, bytes: 25 * 100 + 300 });
    // A fixed number of pages, so a store whose cursor does not advance fails instead of looping.
    const pages: string[][] = [];
    for (let after: string | undefined, n = 0; n < 4; n++, after = pages.at(-1)?.at(-1)) pages.push(store.ids(after, 10));
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5, 0]);
    expect(pages.flat()).toEqual(ids);
    expect(store.ids(ids[12], 3)).toEqual(ids.slice(13, 16));
    expect(store.ids(`${ids[12]!.slice(0, 10)}`, 1)).toEqual([ids[12]!]); // a prefix sorts before the id
    expect(store.ids("g", 10)).toEqual([]);

    expect(await store.delete(ids[0]!)).toBe(true);
    expect(store.has(ids[0]!)).toBe(false);
    expect(store.stats().count).toBe(24);
    expect(store.ids(undefined, 100)).toEqual(ids.slice(1));
  });

  test("ids refuses a limit outside 1..100000 with bad_limit", () => {
    const { store } = open();
    for (const limit of [0, -1, 1.5, 100_001, Number.NaN]) expect(() => store.ids("", limit)).toThrow(OrreryError);
    expect(() => store.ids("", 0)).toThrow(/1\.\.100000/);
    expect(store.ids("", 100_000)).toEqual([]);
  });
}
