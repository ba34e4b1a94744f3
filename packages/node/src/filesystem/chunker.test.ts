import { describe, expect, spyOn, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { Chunker } from "./chunker.ts";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

function chunkAll(data: Uint8Array, chunkSize: number, pieceSizes: number[]) {
  const c = new Chunker(chunkSize);
  const chunks = [];
  let pos = 0;
  let i = 0;
  while (pos < data.length) {
    const n = pieceSizes[i++ % pieceSizes.length]!;
    chunks.push(...c.push(data.subarray(pos, pos + n)).map((x) => ({ ...x, data: x.data.slice() })));
    pos += n;
  }
  const end = c.finish();
  if (end.last) chunks.push({ ...end.last, data: end.last.data.slice() });
  return { chunks, end };
}

describe("Chunker", () => {
  test("splits into fixed-size chunks named by their SHA-256, whatever the network piece sizes", () => {
    const data = new Uint8Array(randomBytes(10_000));
    for (const pieces of [[1], [7, 1000, 3], [4096], [10_000], [333, 1]]) {
      const { chunks, end } = chunkAll(data, 1024, pieces);
      expect(chunks.length).toBe(10);
      expect(chunks.map((c) => c.data.length)).toEqual([...Array(9).fill(1024), 10_000 - 9 * 1024]);
      for (const c of chunks) {
        expect(c.id).toBe(sha(c.data));
        expect(c.data).toEqual(data.subarray(c.offset, c.offset + c.data.length));
      }
      expect(end.sha256).toBe(sha(data));
      expect(end.size).toBe(10_000);
    }
  });

  test("the whole file's MD5 only when asked (S3's ETag): the files API and WebDAV do without the slowest hash", () => {
    const data = new Uint8Array(randomBytes(5000));
    const plain = new Chunker(1024);
    plain.push(data);
    expect(plain.finish().md5).toBeUndefined();
    const s3 = new Chunker(1024, undefined, undefined, true);
    s3.push(data.subarray(0, 777));
    s3.push(data.subarray(777));
    const end = s3.finish();
    expect(end.md5).toBe(createHash("md5").update(data).digest("hex"));
    expect(end.sha256).toBe(sha(data));
  });

  test("the first chunk is SHA-256'd once: the file's hash goes on from its state (one-chunk files: a single pass)", () => {
    const updates = spyOn(Bun.CryptoHasher.prototype, "update");
    const hashed = () => updates.mock.calls.reduce((n, [bytes]) => n + (bytes as Uint8Array).byteLength, 0);
    try {
      for (const size of [1, 1000, 1024, 1025, 2560, 4096]) {
        const data = new Uint8Array(randomBytes(size));
        updates.mockClear();
        const { chunks, end } = chunkAll(data, 1024, [300]);
        expect(end.sha256).toBe(sha(data));
        if (chunks.length === 1) expect(end.sha256).toBe(chunks[0]!.id);
        for (const c of chunks) expect(c.id).toBe(sha(c.data));
        // Every byte once for its chunk, and once more for the file unless it is in the first chunk.
        expect(hashed()).toBe(size + Math.max(0, size - 1024));
      }
    } finally {
      updates.mockRestore();
    }
  });

  test("an exact multiple of the chunk size has no empty last chunk", () => {
    const data = new Uint8Array(randomBytes(4096));
    const { chunks, end } = chunkAll(data, 1024, [500]);
    expect(chunks.length).toBe(4);
    expect(end.last).toBeUndefined();
  });

  test("an empty file has no chunks and the empty-string hash", () => {
    const end = new Chunker(1024).finish();
    expect(end.last).toBeUndefined();
    expect(end.size).toBe(0);
    expect(end.sha256).toBe(sha(new Uint8Array()));
  });

  test("emitted chunk buffers are not overwritten by later input", () => {
    const c = new Chunker(4);
    const [first] = c.push(new Uint8Array([1, 2, 3, 4]));
    c.push(new Uint8Array([9, 9, 9, 9]));
    expect([...first!.data]).toEqual([1, 2, 3, 4]);
  });

  test("a size hint sizes the buffers; a body longer than announced still chunks correctly", () => {
    const data = new Uint8Array(randomBytes(2500));
    for (const hint of [2500, 100, 0, 1_000_000]) {
      const c = new Chunker(1024, hint);
      const chunks = [...c.push(data.subarray(0, 1500)), ...c.push(data.subarray(1500))];
      const end = c.finish();
      if (end.last) chunks.push(end.last);
      expect(chunks.map((x) => x.data.length)).toEqual([1024, 1024, 452]);
      for (const x of chunks) expect(x.id).toBe(sha(x.data));
      expect(end.sha256).toBe(sha(data));
    }
    // A 4 KiB file with its length announced never allocates a whole chunk.
    const small = new Chunker(4 * 1024 * 1024, 4096);
    small.push(new Uint8Array(4096));
    expect(small.finish().last!.data.buffer.byteLength).toBe(4096);
  });
});
