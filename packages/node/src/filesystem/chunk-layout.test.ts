// Byte offsets to chunks, for fixed-size chunks and for the listed sizes of an assembled file.
import { describe, expect, test } from "bun:test";
import { ChunkLayout, chunkSizesOf } from "./chunk-layout.ts";

const ids = (n: number) => Array.from({ length: n }, (_, i) => String(i));

describe("ChunkLayout", () => {
  test("fixed-size chunks: every one chunkSize bytes but the last", () => {
    const m = { size: 10, chunkSize: 4, chunks: ids(3) };
    const l = new ChunkLayout(m);
    expect(chunkSizesOf(m)).toEqual([4, 4, 2]);
    expect([0, 1, 2].map((i) => [l.offset(i), l.size(i)])).toEqual([[0, 4], [4, 4], [8, 2]]);
    expect([0, 3, 4, 7, 8, 9].map((b) => l.indexAt(b))).toEqual([0, 0, 1, 1, 2, 2]);
  });

  test("listed sizes: offsets are running sums, every byte maps to the chunk holding it", () => {
    const sizes = [4, 1, 4, 1, 3];
    const m = { size: 13, chunkSize: 4, chunks: ids(5), chunkSizes: sizes };
    const l = new ChunkLayout(m);
    expect(chunkSizesOf(m)).toEqual(sizes);
    expect(sizes.map((_, i) => l.offset(i))).toEqual([0, 4, 5, 9, 10]);
    const owner: number[] = sizes.flatMap((s, i) => new Array(s).fill(i));
    for (let b = 0; b < 13; b++) expect(l.indexAt(b)).toBe(owner[b]!);
  });

  test("an empty file has no chunks and maps offset 0 to index 0", () => {
    expect(new ChunkLayout({ size: 0, chunkSize: 4, chunks: [] }).indexAt(0)).toBe(0);
    expect(new ChunkLayout({ size: 0, chunkSize: 4, chunks: [], chunkSizes: [] }).indexAt(0)).toBe(0);
  });
});
