import { expect, test } from "bun:test";
import { formatVersion } from "../metadata/hlc.ts";
import type { Manifest } from "../metadata/manifest.ts";
import { marksCover, tombstoneCollectable } from "./garbage-collector.ts";

const tomb = (origin: string, seq: number, wall: number): Manifest => ({
  path: "x",
  kind: "file",
  version: formatVersion({ wall, counter: 0, nodeId: origin }),
  deleted: true,
  size: 0,
  sha256: null,
  chunkSize: 0,
  chunks: [],
  mtime: wall,
  origin,
  seq,
});

test("marksCover: every origin's mark at least as high", () => {
  expect(marksCover({ a: 3, b: 2 }, { a: 3 })).toBe(true);
  expect(marksCover({ a: 3 }, { a: 3, b: 1 })).toBe(false);
  expect(marksCover({ a: 2 }, { a: 3 })).toBe(false);
  expect(marksCover({}, {})).toBe(true);
});

test("a tombstone is collectable only when every member has seen it and it is old enough", () => {
  const t = tomb("a", 5, 1_000);
  expect(tombstoneCollectable(t, [{ a: 5 }, { a: 9 }], 10_000, 5_000)).toBe(true);
  expect(tombstoneCollectable(t, [{ a: 5 }, { a: 4 }], 10_000, 5_000)).toBe(false);
  expect(tombstoneCollectable(t, [{ b: 9 }], 10_000, 5_000)).toBe(false);
  expect(tombstoneCollectable(t, [{ a: 5 }], 3_000, 5_000)).toBe(false);
  expect(tombstoneCollectable({ ...t, deleted: false }, [{ a: 5 }], 10_000, 0)).toBe(false);
});
