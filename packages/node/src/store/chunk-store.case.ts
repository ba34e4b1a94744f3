// The conformance suite every ChunkStorage passes (chunk-store.test.ts on disk, memory-chunk-store.test.ts in
// memory): verification, dedup, storedAt, streaming, the own-copy entry point, corruption, errors, limits, paging.
import { describe, expect, spyOn, test } from "bun:test";
import { ChunkCorruptError, ChunkNotFoundError, OrreryError, StoreFullError } from "../errors.ts";
import { isChunkId } from "./chunk-storage.ts";
import { ReadBuffers } from "./read-buffers.ts";
import { describeLimits, describePaging } from "./chunk-store-limits.case.ts";
import { code, type Harness, harness, MAX_CHUNK, type NewChunkStore, randomBytes, randomChunk } from "./chunk-store.kit.ts";

export { type ChunkStoreFixture, type ChunkStoreOptions, MAX_CHUNK, type NewChunkStore, randomBytes, randomChunk } from "./chunk-store.kit.ts";

export function runChunkStoreTests(name: string, make: NewChunkStore): void {
  describe(`ChunkStorage conformance: ${name}`, () => {
    const h = harness(make);
    describeWrites(h);
    describeWriters(h);
    describeSelfHashed(h);
    describeReads(h);
    describeLimits(h);
    describePaging(h);
  });
}


function describeWrites({ open, clock }: Harness): void {
  test("put then get returns the bytes; has, stats and ids see the chunk", async () => {
    const { store } = open();
    const c = randomChunk(100_000);
    expect(store.has(c.id)).toBe(false);
    expect(await store.put(c.id, c.data)).toEqual({ created: true });
    expect(store.has(c.id)).toBe(true);
    expect(await store.get(c.id)).toEqual(c.data);
    expect(store.stats()).toEqual({ count: 1, bytes: 100_000 });
    expect(store.ids()).toEqual([c.id]);
  });

  test("the same chunk put twice or streamed again is kept once", async () => {
    const { store } = open();
    const c = randomChunk(1000);
    expect((await store.put(c.id, c.data)).created).toBe(true);
    expect((await store.put(c.id, c.data)).created).toBe(false);
    const w = store.writer(c.id);
    await w.write(c.data);
    expect((await w.commit()).created).toBe(false);
    expect(store.stats()).toEqual({ count: 1, bytes: 1000 });
  });

  test("storedAt comes from the store's clock and is refreshed whenever the chunk arrives again", async () => {
    const { store } = open();
    const c = randomChunk(64);
    expect(store.storedAt(c.id)).toBeUndefined();
    await store.put(c.id, c.data);
    expect(store.storedAt(c.id)).toBe(clock.ms);
    clock.ms += 1000;
    await store.put(c.id, c.data);
    expect(store.storedAt(c.id)).toBe(clock.ms);
    clock.ms += 1000;
    const w = store.writer(c.id);
    await w.write(c.data);
    await w.commit();
    expect(store.storedAt(c.id)).toBe(clock.ms);
    await store.delete(c.id);
    expect(store.storedAt(c.id)).toBeUndefined();
  });

  test("bytes that do not match the id are refused, whole or streamed, and nothing is kept", async () => {
    const { store } = open();
    const data = randomBytes(4096);
    const wrongId = randomChunk(10).id;
    await expect(store.put(wrongId, data)).rejects.toBeInstanceOf(ChunkCorruptError);
    await expect(store.put(wrongId, data)).rejects.toMatchObject({ chunkId: wrongId, where: "receipt" });
    const w = store.writer(wrongId);
    await w.write(data.subarray(0, 1000));
    await w.write(data.subarray(1000));
    await expect(w.commit()).rejects.toBeInstanceOf(ChunkCorruptError);
    expect(store.has(wrongId)).toBe(false);
    expect(store.stats()).toEqual({ count: 0, bytes: 0 });
  });

  test("the bytes handed in and out belong to the caller", async () => {
    const { store } = open();
    const c = randomChunk(256);
    const original = c.data.slice();
    await store.put(c.id, c.data);
    c.data.fill(0);
    const read = await store.get(c.id);
    expect(read).toEqual(original);
    read.fill(0);
    expect(await store.get(c.id)).toEqual(original);
  });

  test("a Buffer handed in is copied too (Buffer.slice is a view, not a copy)", async () => {
    const { store } = open();
    const c = randomChunk(256);
    const buf = Buffer.from(c.data); // uploads hand in pooled Buffers, refilled once the write settled
    await store.put(c.id, buf);
    buf.fill(0);
    expect(Buffer.from(await store.get(c.id)).equals(c.data)).toBe(true);
  });

  test("the empty chunk can be stored whole and streamed", async () => {
    const { store } = open();
    const empty = randomChunk(0);
    const w = store.writer(empty.id, 0);
    await w.write(new Uint8Array(0));
    expect(await w.commit()).toEqual({ created: true });
    expect(await store.get(empty.id)).toEqual(new Uint8Array(0));
    expect(await store.put(empty.id, new Uint8Array(0))).toEqual({ created: false });
    expect(store.stats()).toEqual({ count: 1, bytes: 0 });
  });
}

function describeWriters({ open }: Harness): void {
  test("a writer stores a chunk written piecewise; an aborted one stores nothing and takes no more bytes", async () => {
    const { store } = open();
    const c = randomChunk(300_000);
    const dropped = store.writer(c.id);
    await dropped.write(c.data.subarray(0, 1000));
    await dropped.abort();
    expect(store.has(c.id)).toBe(false);
    await expect(dropped.write(c.data.subarray(1000))).rejects.toThrow(/closed/);
    await expect(dropped.commit()).rejects.toThrow(/closed/);

    const w = store.writer(c.id, c.data.byteLength);
    for (let o = 0; o < c.data.byteLength; o += 65536) await w.write(c.data.subarray(o, o + 65536));
    expect(await w.commit()).toEqual({ created: true });
    await expect(w.commit()).rejects.toThrow(/closed/);
    expect(await store.get(c.id)).toEqual(c.data);
    expect(store.stats()).toEqual({ count: 1, bytes: 300_000 });
  });

  test("a chunk over maxChunkSize is refused, streamed or whole, and the writer is closed", async () => {
    const { store } = open();
    const w = store.writer(randomChunk(1).id);
    await w.write(new Uint8Array(MAX_CHUNK / 2));
    await expect(w.write(new Uint8Array(MAX_CHUNK / 2 + 1))).rejects.toMatchObject(code(400, "chunk_too_large"));
    await expect(w.write(new Uint8Array(1))).rejects.toThrow(/closed/);
    const big = randomChunk(MAX_CHUNK + 1);
    await expect(store.put(big.id, big.data)).rejects.toMatchObject(code(400, "chunk_too_large"));
    expect(store.stats()).toEqual({ count: 0, bytes: 0 });
  });

  test("a duplicate whose stored copy is deleted before commit is refused, to be retried", async () => {
    const { store } = open();
    const c = randomChunk(500);
    await store.put(c.id, c.data);
    const w = store.writer(c.id);
    await w.write(c.data);
    expect(await store.delete(c.id)).toBe(true);
    await expect(w.commit()).rejects.toThrow(/retry/);
    expect(store.has(c.id)).toBe(false);
    expect((await store.put(c.id, c.data)).created).toBe(true);
  });
}

/** putSelfHashed: the coordinator's own copy of a chunk its chunker hashed; the store does not hash it again. */
function describeSelfHashed({ open, clock }: Harness): void {
  test("putSelfHashed stores a chunk as put does: get, has, stats, storedAt, dedup with put and writers", async () => {
    const { store } = open();
    const c = randomChunk(100_000);
    expect(await store.putSelfHashed(c.id, Buffer.from(c.data))).toEqual({ created: true });
    expect(store.has(c.id)).toBe(true);
    expect(await store.get(c.id)).toEqual(c.data);
    expect(store.stats()).toEqual({ count: 1, bytes: 100_000 });
    expect(store.storedAt(c.id)).toBe(clock.ms);
    clock.ms += 1000;
    expect(await store.putSelfHashed(c.id, c.data)).toEqual({ created: false });
    expect(store.storedAt(c.id)).toBe(clock.ms);
    expect(await store.put(c.id, c.data)).toEqual({ created: false });
    const w = store.writer(c.id);
    await w.write(c.data);
    expect((await w.commit()).created).toBe(false);
    expect(store.stats()).toEqual({ count: 1, bytes: 100_000 });
  });

  test("putSelfHashed computes no SHA-256, where put computes one", async () => {
    const { store } = open();
    const mine = randomChunk(64 * 1024);
    const theirs = randomChunk(64 * 1024);
    const hashes = spyOn(Bun.CryptoHasher, "hash");
    try {
      await store.putSelfHashed(mine.id, mine.data);
      expect(hashes).toHaveBeenCalledTimes(0);
      await store.put(theirs.id, theirs.data);
      expect(hashes).toHaveBeenCalledTimes(1);
    } finally {
      hashes.mockRestore();
    }
  });

  test("putSelfHashed trusts the caller's id: bytes that do not match are kept, and the first read finds them corrupt", async () => {
    const { store } = open();
    const data = randomBytes(4096);
    const wrongId = randomChunk(10).id;
    await expect(store.put(wrongId, data)).rejects.toBeInstanceOf(ChunkCorruptError);
    expect(await store.putSelfHashed(wrongId, data)).toEqual({ created: true });
    await expect(store.get(wrongId)).rejects.toMatchObject({ name: "ChunkCorruptError", chunkId: wrongId, where: "local store" });
    expect(store.has(wrongId)).toBe(false);
    expect(store.stats()).toEqual({ count: 0, bytes: 0 });
  });

  test("putSelfHashed still checks the id, the size limit and the quota", async () => {
    const { store } = open({ quotaBytes: 10_000 });
    await expect(store.putSelfHashed("../../etc/passwd", new Uint8Array(1))).rejects.toMatchObject(code(400, "invalid_chunk_id"));
    const big = randomChunk(MAX_CHUNK + 1);
    await expect(store.putSelfHashed(big.id, big.data)).rejects.toMatchObject(code(400, "chunk_too_large"));
    const a = randomChunk(6000);
    const b = randomChunk(6000);
    await store.putSelfHashed(a.id, a.data);
    await expect(store.putSelfHashed(b.id, b.data)).rejects.toBeInstanceOf(StoreFullError);
    expect(store.stats()).toEqual({ count: 1, bytes: 6000 });
  });
}

function describeReads({ open }: Harness): void {
  test("a corrupt copy is refused on read, forgotten, and can be stored again", async () => {
    const { store, corrupt } = open();
    const c = randomChunk(2048);
    await store.put(c.id, c.data);
    corrupt(c.id);
    expect(store.has(c.id)).toBe(true); // not known yet: only a read (or scrub) finds out
    await expect(store.get(c.id)).rejects.toMatchObject({ name: "ChunkCorruptError", chunkId: c.id, where: "local store" });
    expect(store.has(c.id)).toBe(false);
    expect(store.ids()).toEqual([]);
    expect(store.stats()).toEqual({ count: 0, bytes: 0 });
    expect(store.storedAt(c.id)).toBeUndefined();
    await expect(store.get(c.id)).rejects.toBeInstanceOf(ChunkNotFoundError);
    expect((await store.put(c.id, c.data)).created).toBe(true);
    expect(await store.get(c.id)).toEqual(c.data);
  });

  test("get with read buffers answers the verified bytes of every size, and refuses a corrupt copy as get does", async () => {
    const { store, corrupt } = open();
    const buffers = new ReadBuffers();
    for (const size of [0, 1, 4095, 262_143, 262_144, 300_001, MAX_CHUNK]) {
      const c = randomChunk(size);
      await store.put(c.id, c.data);
      for (let round = 0; round < 2; round++) {
        const got = await store.get(c.id, buffers);
        expect(Buffer.from(got)).toEqual(Buffer.from(c.data));
        buffers.give(got);
      }
    }
    const bad = randomChunk(300_001);
    await store.put(bad.id, bad.data);
    corrupt(bad.id);
    await expect(store.get(bad.id, buffers)).rejects.toMatchObject({ name: "ChunkCorruptError", chunkId: bad.id, where: "local store" });
    expect(store.has(bad.id)).toBe(false);
  });

  test("feed hands out a chunk's bytes in order, in pieces valid during the call; corrupt or missing copies fail as get", async () => {
    const { store, corrupt } = open();
    const sizes = [0, 1, 65_536, MAX_CHUNK];
    for (const size of sizes) {
      const c = randomChunk(size);
      await store.put(c.id, c.data);
      for (let round = 0; round < 2; round++) {
        const pieces: Uint8Array[] = [];
        await store.feed(c.id, (piece) => void pieces.push(new Uint8Array(piece)));
        expect(Buffer.concat(pieces)).toEqual(Buffer.from(c.data));
        if (size === MAX_CHUNK) expect(pieces.length).toBeGreaterThan(1);
      }
    }
    const bad = randomChunk(200_000);
    await store.put(bad.id, bad.data);
    corrupt(bad.id);
    let fed = 0;
    await expect(store.feed(bad.id, (p) => void (fed += p.byteLength))).rejects.toMatchObject({ name: "ChunkCorruptError", chunkId: bad.id, where: "local store" });
    expect(fed).toBe(200_000); // handed out before the end showed the copy bad: callers drop what they computed
    expect(store.has(bad.id)).toBe(false);
    await expect(store.feed(bad.id, () => {})).rejects.toBeInstanceOf(ChunkNotFoundError);
    await expect(store.feed("../x", () => {})).rejects.toMatchObject(code(400, "invalid_chunk_id"));
  });

  test("a chunk not held is ChunkNotFoundError, and deleting it returns false", async () => {
    const { store } = open();
    const id = "0".repeat(64);
    await expect(store.get(id)).rejects.toBeInstanceOf(ChunkNotFoundError);
    await expect(store.get(id)).rejects.toMatchObject({ chunkId: id, where: "local store" });
    expect(await store.delete(id)).toBe(false);
    expect(store.has(id)).toBe(false);
  });

  test("an invalid id is refused by every operation with invalid_chunk_id", async () => {
    const { store } = open();
    const bad = ["", "../../etc/passwd", "A".repeat(64), "a".repeat(63), `${"a".repeat(63)}/`, "tmp", "g".repeat(64)];
    for (const id of bad) {
      expect(isChunkId(id)).toBe(false);
      expect(store.has(id)).toBe(false);
      await expect(store.get(id)).rejects.toMatchObject(code(400, "invalid_chunk_id"));
      await expect(store.put(id, new Uint8Array(1))).rejects.toMatchObject(code(400, "invalid_chunk_id"));
      await expect(store.delete(id)).rejects.toBeInstanceOf(OrreryError);
      expect(() => store.writer(id)).toThrow(OrreryError);
    }
    expect(isChunkId("ab".repeat(32))).toBe(true);
  });

  test("reconcile finds nothing to do in a store that is in step", async () => {
    const { store } = open();
    const c = randomChunk(10);
    await store.put(c.id, c.data);
    expect(await store.reconcile()).toEqual({ added: 0, removed: 0 });
    expect(store.ids()).toEqual([c.id]);
  });
}
