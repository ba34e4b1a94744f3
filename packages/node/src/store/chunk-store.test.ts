// ChunkStore against real files in a temp dir: durability layout, dedup, verification, quarantine, limits, paging.
import type { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChunkCorruptError, ChunkNotFoundError, OrreryError, StoreFullError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { ChunkStore, type ChunkStoreInit } from "./chunk-store.ts";
import { openDatabase } from "./db.ts";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const sha256 = (b: Uint8Array) => Bun.CryptoHasher.hash("sha256", b, "hex") as string;
const randomBytes = (n: number) => {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(b.subarray(i, Math.min(n, i + 65536)));
  return b;
};

let root: string;
let db: Database;
let store: ChunkStore;
const open = (extra: Partial<ChunkStoreInit> = {}) =>
  new ChunkStore({ dir: join(root, "chunks"), db, maxChunkSize: 1 << 20, ...extra }, { log: quiet });

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "orrery-chunks-"));
  db = openDatabase(join(root, "node.db"));
  store = open();
});
afterEach(() => {
  db.close();
  rmSync(root, { recursive: true, force: true });
});

describe("ChunkStore", () => {
  test("put then get round trip, stored in fan-out directories", async () => {
    const data = randomBytes(100_000);
    const id = sha256(data);
    expect(await store.put(id, data)).toEqual({ created: true });
    expect(store.has(id)).toBe(true);
    expect(existsSync(join(root, "chunks", id.slice(0, 2), id.slice(2, 4), id))).toBe(true);
    expect(await store.get(id)).toEqual(data);
    expect(readdirSync(store.tmpDir)).toEqual([]);
  });

  test("putting the same chunk twice deduplicates", async () => {
    const data = randomBytes(1000);
    const id = sha256(data);
    expect((await store.put(id, data)).created).toBe(true);
    expect((await store.put(id, data)).created).toBe(false);
    const w = store.writer(id);
    await w.write(data);
    expect((await w.commit()).created).toBe(false);
    expect(store.stats()).toEqual({ count: 1, bytes: 1000 });
  });

  test("put repairs the index when the file or the row is missing", async () => {
    const data = randomBytes(500);
    const id = sha256(data);
    await store.put(id, data);
    unlinkSync(store.pathOf(id)); // row without file
    expect((await store.put(id, data)).created).toBe(true);
    expect(await store.get(id)).toEqual(data);
    db.run("DELETE FROM chunks"); // file without row
    const reopened = open();
    expect(reopened.stats().count).toBe(0);
    expect((await reopened.put(id, data)).created).toBe(false);
    expect(reopened.ids()).toEqual([id]);
  });

  test("a hash mismatch is rejected and leaves nothing behind", async () => {
    const data = randomBytes(4096);
    const wrongId = sha256(randomBytes(10));
    await expect(store.put(wrongId, data)).rejects.toBeInstanceOf(ChunkCorruptError);

    const w = store.writer(wrongId);
    await w.write(data.subarray(0, 1000));
    await w.write(data.subarray(1000));
    await expect(w.commit()).rejects.toBeInstanceOf(ChunkCorruptError);
    expect(readdirSync(store.tmpDir)).toEqual([]);
    expect(store.has(wrongId)).toBe(false);
    expect(store.stats()).toEqual({ count: 0, bytes: 0 });
  });

  test("streaming writer stores a chunk written piecewise; abort leaves nothing", async () => {
    const data = randomBytes(300_000);
    const id = sha256(data);
    const dropped = store.writer(id);
    await dropped.write(data.subarray(0, 1000));
    expect(readdirSync(store.tmpDir).length).toBe(1);
    await dropped.abort();
    expect(readdirSync(store.tmpDir)).toEqual([]);
    expect(store.has(id)).toBe(false);

    const w = store.writer(id, data.byteLength);
    for (let o = 0; o < data.byteLength; o += 65536) await w.write(data.subarray(o, o + 65536));
    expect(await w.commit()).toEqual({ created: true });
    expect(await store.get(id)).toEqual(data);
  });

  test("a writer over maxChunkSize throws and leaves nothing", async () => {
    const w = store.writer(sha256(new Uint8Array(1)));
    await w.write(new Uint8Array(1 << 19));
    await expect(w.write(new Uint8Array((1 << 19) + 1))).rejects.toThrow(/maximum chunk size/);
    expect(readdirSync(store.tmpDir)).toEqual([]);
    await expect(store.put(sha256(new Uint8Array((1 << 20) + 1)), new Uint8Array((1 << 20) + 1))).rejects.toThrow(/over/);
  });

  test("a flipped byte on disk is caught on read, quarantined and forgotten", async () => {
    const data = randomBytes(2048);
    const id = sha256(data);
    await store.put(id, data);
    const path = store.pathOf(id);
    const onDisk = readFileSync(path);
    onDisk[100]! ^= 0x01;
    writeFileSync(path, onDisk);

    await expect(store.get(id)).rejects.toBeInstanceOf(ChunkCorruptError);
    expect(store.has(id)).toBe(false);
    expect(store.ids()).toEqual([]);
    const quarantined = readdirSync(join(root, "quarantine"));
    expect(quarantined.length).toBe(1);
    expect(quarantined[0]!.startsWith(id)).toBe(true);
    await expect(store.get(id)).rejects.toBeInstanceOf(ChunkNotFoundError);
  });

  test("a missing chunk is ChunkNotFoundError", async () => {
    await expect(store.get("0".repeat(64))).rejects.toBeInstanceOf(ChunkNotFoundError);
    expect(await store.delete("0".repeat(64))).toBe(false);
  });

  test("invalid ids never reach the filesystem", async () => {
    const bad = ["", "../../etc/passwd", "A".repeat(64), "a".repeat(63), `${"a".repeat(63)}/`, "tmp", "g".repeat(64)];
    for (const id of bad) {
      expect(ChunkStore.isChunkId(id)).toBe(false);
      expect(store.has(id)).toBe(false);
      await expect(store.get(id)).rejects.toBeInstanceOf(OrreryError);
      await expect(store.put(id, new Uint8Array(1))).rejects.toBeInstanceOf(OrreryError);
      await expect(store.delete(id)).rejects.toBeInstanceOf(OrreryError);
      expect(() => store.writer(id)).toThrow(OrreryError);
    }
    expect(ChunkStore.isChunkId("ab".repeat(32))).toBe(true);
  });

  test("quota reached → StoreFullError, nothing half-written", async () => {
    store = open({ quotaBytes: 10_000 });
    const a = randomBytes(6000);
    await store.put(sha256(a), a);
    const b = randomBytes(6000);
    await expect(store.put(sha256(b), b)).rejects.toBeInstanceOf(StoreFullError);

    // A streamed chunk announced as too big is refused before any byte is written...
    const announced = store.writer(sha256(b), b.byteLength);
    await expect(announced.write(b.subarray(0, 10))).rejects.toBeInstanceOf(StoreFullError);
    // ...and one that grows past the quota is refused as it crosses it.
    const growing = store.writer(sha256(b));
    await growing.write(b.subarray(0, 3000));
    await expect(growing.write(b.subarray(3000))).rejects.toBeInstanceOf(StoreFullError);
    expect(readdirSync(store.tmpDir)).toEqual([]);
    expect(store.has(sha256(b))).toBe(false);
    expect(store.stats()).toEqual({ count: 1, bytes: 6000 });

    // Deleting makes room again.
    expect(await store.delete(sha256(a))).toBe(true);
    expect((await store.put(sha256(b), b)).created).toBe(true);
  });

  test("minFreeBytes above the free space → StoreFullError", async () => {
    store = open({ minFreeBytes: Number.MAX_SAFE_INTEGER });
    const a = randomBytes(10);
    await expect(store.put(sha256(a), a)).rejects.toBeInstanceOf(StoreFullError);
    const du = store.diskUsage();
    expect(du.totalBytes).toBeGreaterThan(0);
    expect(du.freeBytes).toBeGreaterThan(0);
    expect(du.freeBytes).toBeLessThanOrEqual(du.totalBytes);
  });

  test("headroom: what the quota and MIN_FREE_MB leave for new chunks", async () => {
    store = open({ quotaBytes: 10_000 });
    expect(store.headroom()).toBe(10_000);
    const a = randomBytes(6000);
    await store.put(sha256(a), a);
    expect(store.headroom()).toBe(4000);
    expect(open({ minFreeBytes: Number.MAX_SAFE_INTEGER }).headroom()).toBe(0);
    const free = store.diskUsage().freeBytes;
    expect(open({ minFreeBytes: 1 << 20 }).headroom()).toBeLessThanOrEqual(free - (1 << 20));
  });

  test("STORAGE=off: every chunk is refused as the store being full, and no chunk directory is made", async () => {
    const dir = join(root, "gateway", "chunks");
    const off = open({ dir, storesChunks: false });
    const a = randomBytes(100);
    await expect(off.put(sha256(a), a)).rejects.toBeInstanceOf(StoreFullError);
    await expect(off.writer(sha256(a), a.byteLength).write(a)).rejects.toBeInstanceOf(StoreFullError);
    // The empty chunk needs no room, and is refused all the same.
    const empty = new Uint8Array(0);
    await expect(off.put(sha256(empty), empty)).rejects.toBeInstanceOf(StoreFullError);
    await expect(off.writer(sha256(empty)).commit()).rejects.toBeInstanceOf(StoreFullError);
    expect(existsSync(dir)).toBe(false);
    expect(off.has(sha256(a))).toBe(false);
    expect(off.headroom()).toBe(0);
    expect(off.diskUsage().totalBytes).toBeGreaterThan(0);
    expect(await off.reconcile()).toEqual({ added: 0, removed: 0 });
  });

  test("stats, ids paging, delete and reconcile", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      const d = randomBytes(100 + i);
      ids.push(sha256(d));
      await store.put(sha256(d), d);
    }
    ids.sort();
    expect(store.stats()).toEqual({ count: 25, bytes: 25 * 100 + 300 });
    const seen: string[] = [];
    for (let page = store.ids(undefined, 10); page.length > 0; page = store.ids(page[page.length - 1], 10)) {
      expect(page.length).toBeLessThanOrEqual(10);
      seen.push(...page);
    }
    expect(seen).toEqual(ids);
    expect(() => store.ids("", 0)).toThrow(OrreryError);

    expect(await store.delete(ids[0]!)).toBe(true);
    expect(store.has(ids[0]!)).toBe(false);
    expect(store.stats().count).toBe(24);

    // A crash between rename and index insert, and a file removed by hand: reconcile repairs both.
    db.run("DELETE FROM chunks WHERE id = ?", [ids[1]!]);
    unlinkSync(store.pathOf(ids[2]!));
    const reopened = open();
    expect(await reopened.reconcile()).toEqual({ added: 1, removed: 1 });
    expect(reopened.ids(undefined, 100)).toEqual(ids.filter((_, i) => i !== 0 && i !== 2));
    expect(reopened.stats().count).toBe(23);
  });

  test("stale tmp files from a crash are removed on open", () => {
    writeFileSync(join(store.tmpDir, "leftover.tmp"), "x");
    open();
    expect(readdirSync(store.tmpDir)).toEqual([]);
  });
});
