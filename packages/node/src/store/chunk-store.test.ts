// ChunkStore against real files in a temp dir: the shared conformance suite, then what only a disk has:
// the fan-out layout, tmp files, the index kept in step with the files, quarantine, reconcile.
import type { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChunkCorruptError, StoreFullError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { MAX_CHUNK, randomChunk, runChunkStoreTests } from "./chunk-store.case.ts";
import { ChunkStore, type ChunkStoreInit } from "./chunk-store.ts";
import { openDatabase } from "./db.ts";
import { ReadBuffers } from "./read-buffers.ts";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Flips one bit of the chunk's file, as a bad sector would. */
function flipBit(store: ChunkStore, id: string): void {
  const path = store.pathOf(id);
  const onDisk = readFileSync(path);
  onDisk[onDisk.byteLength >> 1]! ^= 0x01;
  writeFileSync(path, onDisk);
}

// Both ways of writing chunk files (direct-io.ts): around the page cache where the file system allows, and through it.
for (const directIo of [true, false]) {
  runChunkStoreTests(`ChunkStore (disk, ${directIo ? "O_DIRECT where supported" : "page cache"})`, ({ now, ...init }) => {
    const dir = mkdtempSync(join(tmpdir(), "orrery-chunks-"));
    const db = openDatabase(join(dir, "node.db"));
    const store = new ChunkStore({ dir: join(dir, "chunks"), db, directIo, ...init }, { log: quiet, now });
    return {
      store,
      corrupt: (id) => flipBit(store, id),
      close: () => {
        db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
}

describe("ChunkStore on disk", () => {
  let root: string;
  let db: Database;
  let store: ChunkStore;
  const open = (extra: Partial<ChunkStoreInit> = {}) =>
    new ChunkStore({ dir: join(root, "chunks"), db, maxChunkSize: MAX_CHUNK, ...extra }, { log: quiet });

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "orrery-chunks-"));
    db = openDatabase(join(root, "node.db"));
    store = open();
  });
  afterEach(() => {
    db.close();
    rmSync(root, { recursive: true, force: true });
  });

  test("a chunk lives at chunks/ab/cd/<id>, and no tmp file outlives a write", async () => {
    const c = randomChunk(100_000);
    await store.put(c.id, c.data);
    expect(existsSync(join(root, "chunks", c.id.slice(0, 2), c.id.slice(2, 4), c.id))).toBe(true);
    expect(readdirSync(store.tmpDir)).toEqual([]);

    const streamed = randomChunk(300_000);
    const dropped = store.writer(streamed.id);
    await dropped.write(streamed.data.subarray(0, 1000));
    expect(readdirSync(store.tmpDir).length).toBe(1);
    await dropped.abort();
    expect(readdirSync(store.tmpDir)).toEqual([]);

    const mismatched = store.writer(randomChunk(10).id);
    await mismatched.write(streamed.data);
    await expect(mismatched.commit()).rejects.toBeInstanceOf(ChunkCorruptError);
    const oversized = store.writer(streamed.id);
    await oversized.write(new Uint8Array(MAX_CHUNK / 2));
    await expect(oversized.write(new Uint8Array(MAX_CHUNK / 2 + 1))).rejects.toThrow(/maximum chunk size/);
    expect(readdirSync(store.tmpDir)).toEqual([]);
  });

  test("a small chunk announced at n bytes is stored whole, and refuses a byte more, leaving nothing behind", async () => {
    const c = randomChunk(4096);
    const w = store.writer(c.id, 4096);
    await w.write(c.data.subarray(0, 1000));
    await w.write(c.data.subarray(1000));
    expect(await w.commit()).toEqual({ created: true });
    expect(await store.get(c.id)).toEqual(c.data);

    const d = randomChunk(4097);
    const longer = store.writer(d.id, 4096);
    await longer.write(d.data.subarray(0, 4096));
    await expect(longer.write(d.data.subarray(4096))).rejects.toThrow(/larger than the 4096 bytes announced/);
    expect(store.has(d.id)).toBe(false);
    expect(readdirSync(store.tmpDir)).toEqual([]);
  });

  test("a write refused by the quota while streaming leaves no tmp file", async () => {
    store = open({ quotaBytes: 10_000 });
    const a = randomChunk(6000);
    const b = randomChunk(6000);
    await store.put(a.id, a.data);
    const growing = store.writer(b.id);
    await growing.write(b.data.subarray(0, 3000));
    expect(readdirSync(store.tmpDir).length).toBe(1);
    await expect(growing.write(b.data.subarray(3000))).rejects.toBeInstanceOf(StoreFullError);
    expect(readdirSync(store.tmpDir)).toEqual([]);
  });

  test("put repairs the index when the file or the row is missing", async () => {
    const c = randomChunk(500);
    await store.put(c.id, c.data);
    unlinkSync(store.pathOf(c.id)); // row without file
    expect((await store.put(c.id, c.data)).created).toBe(true);
    expect(await store.get(c.id)).toEqual(c.data);
    db.run("DELETE FROM chunks"); // file without row
    const reopened = open();
    expect(reopened.stats().count).toBe(0);
    expect((await reopened.put(c.id, c.data)).created).toBe(false);
    expect(reopened.ids()).toEqual([c.id]);
    expect(reopened.stats()).toEqual({ count: 1, bytes: 500 });
  });

  test("a read of an indexed chunk whose file is gone drops the row", async () => {
    const c = randomChunk(100);
    await store.put(c.id, c.data);
    unlinkSync(store.pathOf(c.id));
    expect(store.ids()).toEqual([c.id]);
    await expect(store.get(c.id)).rejects.toMatchObject({ name: "ChunkNotFoundError" });
    expect(store.ids()).toEqual([]);
    expect(store.stats()).toEqual({ count: 0, bytes: 0 });
  });

  test("a corrupt file is moved to DATA_DIR/quarantine", async () => {
    const c = randomChunk(2048);
    await store.put(c.id, c.data);
    flipBit(store, c.id);
    await expect(store.get(c.id)).rejects.toBeInstanceOf(ChunkCorruptError);
    expect(existsSync(store.pathOf(c.id))).toBe(false);
    const quarantined = readdirSync(join(root, "quarantine"));
    expect(quarantined.length).toBe(1);
    expect(quarantined[0]!.startsWith(c.id)).toBe(true);
  });

  test("a large chunk is read around the page cache into a pool buffer, reused once given back; a corrupt one gives its buffer back", async () => {
    const direct = open({ directIo: true });
    expect(direct.directIo).toBe(true); // the temp dir's file system takes O_DIRECT
    const buffers = new ReadBuffers();
    const c = randomChunk(300_001);
    await direct.put(c.id, c.data);
    const first = await direct.get(c.id, buffers);
    expect(Buffer.from(first)).toEqual(Buffer.from(c.data));
    const second = await direct.get(c.id, buffers);
    expect(second.buffer).not.toBe(first.buffer); // the first is still out
    buffers.give(first);
    const third = await direct.get(c.id, buffers);
    expect(third.buffer).toBe(first.buffer);
    expect(Buffer.from(third)).toEqual(Buffer.from(c.data));
    // Small chunks are read through the page cache (where they were written) into memory of their own.
    const small = randomChunk(2048);
    await direct.put(small.id, small.data);
    buffers.give(third);
    const smallRead = await direct.get(small.id, buffers);
    expect(buffers.held).toBe(1);
    buffers.give(smallRead); // not the pool's: ignored
    expect(buffers.held).toBe(1);
    flipBit(direct, c.id);
    await expect(direct.get(c.id, buffers)).rejects.toBeInstanceOf(ChunkCorruptError);
    expect(buffers.held).toBe(1); // taken for the read, given back when the hash did not match
    expect(buffers.reused).toBe(2);
  });

  test("reconcile repairs a crash between rename and index row, and a file removed by hand", async () => {
    const chunks = Array.from({ length: 5 }, (_, i) => randomChunk(100 + i)).sort((x, y) => (x.id < y.id ? -1 : 1));
    for (const c of chunks) await store.put(c.id, c.data);
    const ids = chunks.map((c) => c.id);
    db.run("DELETE FROM chunks WHERE id = ?", [ids[1]!]);
    unlinkSync(store.pathOf(ids[2]!));
    writeFileSync(join(store.dir, ids[3]!.slice(0, 2), ids[3]!.slice(2, 4), "stray"), "x");
    const reopened = open();
    expect(await reopened.reconcile()).toEqual({ added: 1, removed: 1 });
    expect(reopened.ids()).toEqual(ids.filter((_, i) => i !== 2));
    const kept = chunks.filter((_, i) => i !== 2);
    expect(reopened.stats()).toEqual({ count: 4, bytes: kept.reduce((n, c) => n + c.data.byteLength, 0) });
    expect(await reopened.reconcile()).toEqual({ added: 0, removed: 0 });
  });

  test("STORAGE=off: every chunk is refused as the store being full, and no chunk directory is made", async () => {
    const dir = join(root, "gateway", "chunks");
    const off = open({ dir, storesChunks: false });
    const a = randomChunk(100);
    await expect(off.put(a.id, a.data)).rejects.toBeInstanceOf(StoreFullError);
    await expect(off.writer(a.id, a.data.byteLength).write(a.data)).rejects.toBeInstanceOf(StoreFullError);
    // The empty chunk needs no room, and is refused all the same.
    const empty = randomChunk(0);
    await expect(off.put(empty.id, empty.data)).rejects.toBeInstanceOf(StoreFullError);
    await expect(off.writer(empty.id).commit()).rejects.toBeInstanceOf(StoreFullError);
    expect(existsSync(dir)).toBe(false);
    expect(off.has(a.id)).toBe(false);
    expect(off.headroom()).toBe(0);
    expect(off.diskUsage().totalBytes).toBeGreaterThan(0);
    expect(await off.reconcile()).toEqual({ added: 0, removed: 0 });
  });

  test("index rows are committed without an fsync of their own; the connection keeps its level, also inside a transaction", async () => {
    const level = () => (db.query("PRAGMA synchronous").get() as { synchronous: number }).synchronous;
    expect(level()).toBe(2); // FULL, as openDatabase sets it
    const a = randomChunk(700);
    const b = randomChunk(900);
    await store.put(a.id, a.data);
    expect(level()).toBe(2);
    // A caller's transaction: the level cannot change there, and the row rides on that transaction's commit.
    db.transaction(() => store.touch(b.id, b.data.byteLength))();
    expect(level()).toBe(2);
    expect(await store.delete(a.id)).toBe(true);
    expect(level()).toBe(2);
    expect(store.ids()).toEqual([b.id]);
    expect(store.stats()).toEqual({ count: 1, bytes: 900 });
    // What a power loss may take (the rows since the last FULL commit) is put back from the files at start.
    await store.put(a.id, a.data);
    db.run("DELETE FROM chunks WHERE id = ?", [a.id]);
    const reopened = open();
    expect(await reopened.reconcile()).toEqual({ added: 1, removed: 1 });
    expect(reopened.ids()).toEqual([a.id]);
  });

  test("stale tmp files from a crash are removed on open", () => {
    writeFileSync(join(store.tmpDir, "leftover.tmp"), "x");
    open();
    expect(readdirSync(store.tmpDir)).toEqual([]);
  });
});
