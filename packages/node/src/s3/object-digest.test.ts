// The multipart object's SHA-256 as parts arrive: in order, out of order (held, then hashed), over the memory
// budget (read back from the store), and the cases where Complete must not trust it (a part replaced, raced,
// failed, or sent through no tap).
import { describe, expect, test } from "bun:test";
import { ObjectDigests } from "./object-digest.ts";

const sha256 = (...parts: Uint8Array[]) => new Bun.CryptoHasher("sha256").update(Buffer.concat(parts)).digest("hex");
const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7) & 0xff);
/** A part's "chunks": its bytes in 4-byte pieces, named by their hash, kept in `store` for read-backs. */
function chunksOf(data: Uint8Array, store: Map<string, Uint8Array>): string[] {
  const ids: string[] = [];
  for (let o = 0; o < data.length; o += 4) {
    const c = data.subarray(o, o + 4);
    const id = sha256(c);
    store.set(id, c);
    ids.push(id);
  }
  return ids;
}

/** A body whose pieces are sent when the test says so. */
function controlledBody() {
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (ctl = c) });
  return { stream, send: (b: Uint8Array) => ctl.enqueue(b), end: () => ctl.close() };
}

async function drain(stream: ReadableStream<Uint8Array> | null): Promise<Uint8Array> {
  return stream ? new Uint8Array(await new Response(stream).arrayBuffer()) : new Uint8Array(0);
}

/** Parts 1.. of upload "u" streaming at once, 8 bytes of each in turn, to their end (not yet stored). */
async function streamTogether(digests: ObjectDigests, parts: Uint8Array[]) {
  const bodies = parts.map(() => controlledBody());
  const taps = bodies.map((b, i) => digests.tap("u", i + 1, b.stream));
  const drained = taps.map((t) => drain(t.stream));
  for (let o = 0; o < 40; o += 8) for (const [i, b] of bodies.entries()) b.send(parts[i]!.subarray(o, o + 8));
  for (const b of bodies) b.end();
  await Promise.all(drained);
  return taps;
}

function setup(budget?: number, blockSize = 8) {
  const store = new Map<string, Uint8Array>();
  const readBack: string[] = [];
  const digests = new ObjectDigests(async (ids, sink) => {
    for (const id of ids) {
      readBack.push(id);
      const c = store.get(id);
      if (!c) throw new Error(`no chunk ${id}`);
      sink(c);
    }
  }, budget, blockSize);
  const finish = (state: Bun.CryptoHasher | undefined, rest: Uint8Array[]) => (state?.copy() ?? new Bun.CryptoHasher("sha256")).update(Buffer.concat(rest)).digest("hex");
  return { store, readBack, digests, finish };
}

describe("the object's SHA-256 as parts arrive", () => {
  test("parts sent one after another are all covered, and the state is the hash of their bytes", async () => {
    const { store, digests, readBack } = setup();
    const parts = [bytes(40, 1), bytes(40, 2), bytes(9, 3)];
    for (const [i, data] of parts.entries()) {
      const tap = digests.tap("u", i + 1, new Response(data).body);
      expect(await drain(tap.stream)).toEqual(data); // the body passes unchanged
      tap.stored(chunksOf(data, store));
    }
    const p = digests.prefix("u", parts.map((d, i) => ({ n: i + 1, chunks: chunksOf(d, store) })));
    expect(p.covered).toBe(3);
    expect(p.state!.digest("hex")).toBe(sha256(...parts));
    expect(readBack).toEqual([]);
  });

  test("parts streaming at once, finishing in reverse order: the later ones are held, then hashed in order", async () => {
    const { store, digests, readBack } = setup();
    const parts = [bytes(40, 4), bytes(40, 5), bytes(40, 6)];
    const taps = await streamTogether(digests, parts);
    expect(digests.held).toBe(80); // parts 2 and 3 wait for part 1
    for (const i of [2, 1, 0]) taps[i]!.stored(chunksOf(parts[i]!, store));
    await Bun.sleep(0);
    expect(digests.held).toBe(0);
    const p = digests.prefix("u", parts.map((d, i) => ({ n: i + 1, chunks: chunksOf(d, store) })));
    expect(p.covered).toBe(3);
    expect(p.state!.digest("hex")).toBe(sha256(...parts));
    expect(readBack).toEqual([]);
  });

  test("past the memory budget the part furthest from its turn is read back from the store instead", async () => {
    const { store, digests, readBack } = setup(50);
    const parts = [bytes(40, 7), bytes(40, 8), bytes(40, 9)];
    const taps = await streamTogether(digests, parts);
    expect(digests.held).toBeLessThanOrEqual(50);
    for (const i of [2, 1, 0]) taps[i]!.stored(chunksOf(parts[i]!, store));
    await Bun.sleep(0);
    const p = digests.prefix("u", parts.map((d, i) => ({ n: i + 1, chunks: chunksOf(d, store) })));
    expect(p.covered).toBe(3);
    expect(p.state!.digest("hex")).toBe(sha256(...parts));
    // Part 3 (furthest) gave way; part 2 stayed in memory.
    expect(readBack).toEqual(chunksOf(parts[2]!, store));
    expect(digests.held).toBe(0);
  });

  test("Complete trusts only the prefix whose chunks are the parts it completes with", async () => {
    const { store, digests, finish } = setup();
    const parts = [bytes(40, 10), bytes(40, 11), bytes(8, 12)];
    for (const [i, data] of parts.entries()) {
      const tap = digests.tap("u", i + 1, new Response(data).body);
      await drain(tap.stream);
      tap.stored(chunksOf(data, store));
    }
    // Part 2 replaced later (through another node, say): the digest covers part 1 only.
    const other = bytes(40, 13);
    const asked = [parts[0]!, other, parts[2]!];
    const p = digests.prefix("u", asked.map((d, i) => ({ n: i + 1, chunks: chunksOf(d, store) })));
    expect(p.covered).toBe(1);
    expect(finish(p.state, asked.slice(p.covered))).toBe(sha256(...asked));
    // Completing with parts 1 and 3 only: part 1 is covered, part 3 is not (it followed part 2).
    expect(digests.prefix("u", [1, 3].map((n) => ({ n, chunks: chunksOf(parts[n - 1]!, store) }))).covered).toBe(1);
    // Another upload, or one forgotten (completed, aborted): nothing is covered.
    expect(digests.prefix("v", [{ n: 1, chunks: chunksOf(parts[0]!, store) }]).covered).toBe(0);
    digests.forget("u");
    expect(digests.prefix("u", [{ n: 1, chunks: chunksOf(parts[0]!, store) }]).covered).toBe(0);
  });

  test("a failed part counts for nothing and its retry continues the chain; two bodies of one part at once are not followed", async () => {
    const { store, digests, readBack } = setup();
    const [a, b] = [bytes(40, 14), bytes(40, 15)];
    const failed = digests.tap("u", 1, new Response(bytes(40, 99)).body);
    await drain(failed.stream);
    failed.failed();
    const retry = digests.tap("u", 1, new Response(a).body);
    await drain(retry.stream);
    retry.stored(chunksOf(a, store));
    const one = digests.tap("u", 2, new Response(b).body);
    const two = digests.tap("u", 2, new Response(bytes(40, 16)).body);
    await Promise.all([drain(one.stream), drain(two.stream)]);
    one.stored(chunksOf(b, store));
    two.stored(chunksOf(bytes(40, 16), store));
    await Bun.sleep(0);
    // Racing, part 2 was not hashed as it streamed: the first body (the one followed) is read back once stored.
    expect(readBack).toEqual(chunksOf(b, store));
    const p = digests.prefix("u", [a, b].map((d, i) => ({ n: i + 1, chunks: chunksOf(d, store) })));
    expect(p.covered).toBe(2);
    expect(p.state!.digest("hex")).toBe(sha256(a, b));
    // Had the other body stood, only part 1 would count.
    expect(digests.prefix("u", [a, bytes(40, 16)].map((d, i) => ({ n: i + 1, chunks: chunksOf(d, store) }))).covered).toBe(1);
  });

  test("a part whose turn never comes holds no memory once stored", async () => {
    const { store, digests } = setup();
    const tap = digests.tap("u", 2, new Response(bytes(40, 17)).body);
    await drain(tap.stream);
    expect(digests.held).toBe(40);
    tap.stored(chunksOf(bytes(40, 17), store));
    expect(digests.held).toBe(0);
  });
});
