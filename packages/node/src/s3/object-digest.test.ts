// The multipart object's SHA-256 as parts arrive: in order, out of order (their chunks kept in the buffers
// they came in, then hashed), let go when uploads need those buffers (read back from the store), and the cases
// where Complete must not trust it (a part replaced, raced, failed, or sent through no tap).
import { describe, expect, test } from "bun:test";
import { ChunkBufferPool } from "../filesystem/chunk-buffers.ts";
import { ObjectDigests, type PartTap } from "./object-digest.ts";

const sha256 = (...parts: Uint8Array[]) => new Bun.CryptoHasher("sha256").update(Buffer.concat(parts)).digest("hex");
const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7) & 0xff);
/** A part's "chunks": its bytes in 8-byte pieces, named by their hash, kept in `store` for read-backs. */
function chunksOf(data: Uint8Array, store: Map<string, Uint8Array>): string[] {
  const ids: string[] = [];
  for (let o = 0; o < data.length; o += 8) {
    const c = data.subarray(o, o + 8);
    const id = sha256(c);
    store.set(id, c);
    ids.push(id);
  }
  return ids;
}

/** What a put does with a tap: each chunk shown to `retain` in order; the chunk's buffer released when both let go. */
class Buffers {
  /** Chunks whose buffer is still out (kept by the tap, not yet released). */
  out = 0;
  show(tap: PartTap, data: Uint8Array, offset: number): void {
    const chunk = data.subarray(offset, offset + 8);
    this.out++;
    if (!tap.retain(Uint8Array.from(chunk), () => this.out--)) this.out--;
  }
}

/** Parts 1.. of upload "u" cut at once, one 8-byte chunk of each in turn, to their end (not yet stored). */
function cutTogether(digests: ObjectDigests, parts: Uint8Array[], buffers = new Buffers()) {
  const taps = parts.map((_, i) => digests.tap("u", i + 1));
  for (let o = 0; o < 40; o += 8) for (const [i, t] of taps.entries()) if (o < parts[i]!.length) buffers.show(t, parts[i]!, o);
  return taps;
}

function setup() {
  const store = new Map<string, Uint8Array>();
  const readBack: string[] = [];
  const digests = new ObjectDigests(async (ids, sink) => {
    for (const id of ids) {
      readBack.push(id);
      const c = store.get(id);
      if (!c) throw new Error(`no chunk ${id}`);
      sink(c);
    }
  });
  const finish = (state: Bun.CryptoHasher | undefined, rest: Uint8Array[]) => (state?.copy() ?? new Bun.CryptoHasher("sha256")).update(Buffer.concat(rest)).digest("hex");
  return { store, readBack, digests, finish };
}

const asked = (parts: Uint8Array[], store: Map<string, Uint8Array>) => parts.map((d, i) => ({ n: i + 1, chunks: chunksOf(d, store) }));

describe("the object's SHA-256 as parts arrive", () => {
  test("parts sent one after another are all covered, and the state is the hash of their bytes; nothing is kept", async () => {
    const { store, digests, readBack } = setup();
    const buffers = new Buffers();
    const parts = [bytes(40, 1), bytes(40, 2), bytes(9, 3)];
    for (const [i, data] of parts.entries()) {
      const tap = digests.tap("u", i + 1);
      for (let o = 0; o < data.length; o += 8) buffers.show(tap, data, o);
      expect(buffers.out).toBe(0); // the part next in order is hashed as its chunks come
      tap.stored(chunksOf(data, store));
    }
    const p = digests.prefix("u", asked(parts, store));
    expect(p.covered).toBe(3);
    expect(p.state!.digest("hex")).toBe(sha256(...parts));
    expect(readBack).toEqual([]);
  });

  test("parts cut at once, finishing in reverse order: the later ones keep their chunk buffers, then are hashed in order", async () => {
    const { store, digests, readBack } = setup();
    const buffers = new Buffers();
    const parts = [bytes(40, 4), bytes(40, 5), bytes(40, 6)];
    const taps = cutTogether(digests, parts, buffers);
    expect(digests.held).toBe(80); // parts 2 and 3 wait for part 1, in the buffers their chunks were cut in
    expect(buffers.out).toBe(10);
    for (const i of [2, 1, 0]) taps[i]!.stored(chunksOf(parts[i]!, store));
    await Bun.sleep(0);
    expect(digests.held).toBe(0);
    expect(buffers.out).toBe(0); // every kept buffer given back once hashed
    const p = digests.prefix("u", asked(parts, store));
    expect(p.covered).toBe(3);
    expect(p.state!.digest("hex")).toBe(sha256(...parts));
    expect(readBack).toEqual([]);
  });

  test("asked for relief (uploads wait for buffers), the part furthest from its turn lets go and is read back instead", async () => {
    const { store, digests, readBack } = setup();
    const buffers = new Buffers();
    const parts = [bytes(40, 7), bytes(40, 8), bytes(40, 9)];
    const taps = cutTogether(digests, parts, buffers);
    expect(digests.relieve()).toBe(true);
    expect(digests.held).toBe(40); // part 3 gave its buffers back; part 2 keeps its own
    expect(buffers.out).toBe(5);
    for (const i of [2, 1, 0]) taps[i]!.stored(chunksOf(parts[i]!, store));
    await Bun.sleep(0);
    const p = digests.prefix("u", asked(parts, store));
    expect(p.covered).toBe(3);
    expect(p.state!.digest("hex")).toBe(sha256(...parts));
    expect(readBack).toEqual(chunksOf(parts[2]!, store));
    expect(digests.held).toBe(0);
    expect(digests.relieve()).toBe(false); // nothing kept: nothing to let go
  });

  test("a take past the pool's limit asks the keepers first, and is served by the buffers a held part gives back", async () => {
    const { store, digests } = setup();
    const pool = new ChunkBufferPool({ limitBytes: 3 * 8, keep: 4, idleMs: 60_000 });
    pool.addRelief(digests.relieve);
    const one = digests.tap("u", 1);
    const two = digests.tap("u", 2);
    // Part 2's chunks, cut in pooled buffers and written (the write let go); part 2 keeps them for its turn.
    for (let o = 0; o < 24; o += 8) {
      const buf = await pool.take(8);
      buf.set(bytes(24, 10).subarray(o, o + 8));
      expect(two.retain(buf, () => pool.give(buf))).toBe(true);
    }
    expect(pool.outstanding).toBe(24);
    // Part 1 needs a buffer: without relief it would wait for part 2, which waits for part 1.
    const buf = await pool.take(8);
    expect(buf.byteLength).toBe(8);
    expect(digests.held).toBe(0);
    two.stored(chunksOf(bytes(24, 10), store));
    buf.set(bytes(8, 11));
    expect(one.retain(buf, () => pool.give(buf))).toBe(false); // next in order: hashed, not kept
    one.stored(chunksOf(bytes(8, 11), store));
    await Bun.sleep(0);
    expect(digests.prefix("u", [bytes(8, 11), bytes(24, 10)].map((d, i) => ({ n: i + 1, chunks: chunksOf(d, store) }))).covered).toBe(2);
  });

  test("Complete trusts only the prefix whose chunks are the parts it completes with", async () => {
    const { store, digests, finish } = setup();
    const buffers = new Buffers();
    const parts = [bytes(40, 10), bytes(40, 11), bytes(8, 12)];
    for (const [i, data] of parts.entries()) {
      const tap = digests.tap("u", i + 1);
      for (let o = 0; o < data.length; o += 8) buffers.show(tap, data, o);
      tap.stored(chunksOf(data, store));
    }
    // Part 2 replaced later (through another node, say): the digest covers part 1 only.
    const other = bytes(40, 13);
    const replaced = [parts[0]!, other, parts[2]!];
    const p = digests.prefix("u", asked(replaced, store));
    expect(p.covered).toBe(1);
    expect(finish(p.state, replaced.slice(p.covered))).toBe(sha256(...replaced));
    // Completing with parts 1 and 3 only: part 1 is covered, part 3 is not (it followed part 2).
    expect(digests.prefix("u", [1, 3].map((n) => ({ n, chunks: chunksOf(parts[n - 1]!, store) }))).covered).toBe(1);
    // Another upload, or one forgotten (completed, aborted): nothing is covered.
    expect(digests.prefix("v", [{ n: 1, chunks: chunksOf(parts[0]!, store) }]).covered).toBe(0);
    digests.forget("u");
    expect(digests.prefix("u", [{ n: 1, chunks: chunksOf(parts[0]!, store) }]).covered).toBe(0);
  });

  test("a failed part counts for nothing and its retry continues the chain; two bodies of one part at once are not followed", async () => {
    const { store, digests, readBack } = setup();
    const buffers = new Buffers();
    const [a, b, c] = [bytes(40, 14), bytes(40, 15), bytes(40, 16)];
    const failed = digests.tap("u", 1);
    for (let o = 0; o < 40; o += 8) buffers.show(failed, bytes(40, 99), o);
    failed.failed();
    const retry = digests.tap("u", 1);
    for (let o = 0; o < 40; o += 8) buffers.show(retry, a, o);
    retry.stored(chunksOf(a, store));
    const one = digests.tap("u", 2);
    const two = digests.tap("u", 2);
    for (let o = 0; o < 40; o += 8) {
      buffers.show(one, b, o);
      buffers.show(two, c, o);
    }
    expect(buffers.out).toBe(0); // neither body is kept
    one.stored(chunksOf(b, store));
    two.stored(chunksOf(c, store));
    await Bun.sleep(0);
    // Racing, part 2 was not hashed as it came: the first body (the one followed) is read back once stored.
    expect(readBack).toEqual(chunksOf(b, store));
    const p = digests.prefix("u", asked([a, b], store));
    expect(p.covered).toBe(2);
    expect(p.state!.digest("hex")).toBe(sha256(a, b));
    // Had the other body stood, only part 1 would count.
    expect(digests.prefix("u", asked([a, c], store)).covered).toBe(1);
  });

  test("a part whose turn never comes keeps no buffer once stored; a failed or forgotten one gives its buffers back", async () => {
    const { store, digests } = setup();
    const buffers = new Buffers();
    const tap = digests.tap("u", 2);
    for (let o = 0; o < 40; o += 8) buffers.show(tap, bytes(40, 17), o);
    expect(digests.held).toBe(40);
    tap.stored(chunksOf(bytes(40, 17), store));
    expect(digests.held).toBe(0);
    expect(buffers.out).toBe(0);
    const failing = digests.tap("u", 3);
    for (let o = 0; o < 40; o += 8) buffers.show(failing, bytes(40, 18), o);
    expect(buffers.out).toBe(5);
    failing.failed();
    expect(buffers.out).toBe(0);
    const forgotten = digests.tap("w", 2);
    for (let o = 0; o < 40; o += 8) buffers.show(forgotten, bytes(40, 19), o);
    digests.forget("w");
    expect(buffers.out).toBe(0);
    expect(digests.held).toBe(0);
  });
});
