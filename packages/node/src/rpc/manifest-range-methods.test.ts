import { expect, test } from "bun:test";
import { RING_END } from "../metadata/partition.ts";
import { cursorFromWire, cursorToWire, digestFromWire, digestToWire, manifestRangeMethods, MAX_DIGEST_RANGES, MAX_RANGE_KEYS, rangeFromWire, rangeToWire } from "./manifest-range-methods.ts";

const digests = manifestRangeMethods["manifests.rangeDigests"];
const keys = manifestRangeMethods["manifests.rangeKeys"];
const rows = manifestRangeMethods["manifests.rangeRows"];

test("an arc travels as hex and back, the top of the ring included; a digest and a cursor too", () => {
  for (const r of [{ from: 0n, to: RING_END }, { from: 5n, to: 6n }, { from: RING_END - 1n, to: RING_END }]) {
    expect(rangeFromWire(rangeToWire(r))).toEqual(r);
    expect(digests.request.safeParse({ ranges: [rangeToWire(r)] }).success).toBe(true);
  }
  const d = { count: 3, hash: 0xfedcba9876543210n, first: 7n, last: RING_END - 1n };
  expect(digestFromWire(digestToWire(d))).toEqual(d);
  expect(digests.response.safeParse({ digests: [digestToWire(d), digestToWire({ count: 0, hash: 0n })] }).success).toBe(true);
  const c = { position: RING_END - 1n, path: "a/b", kind: "dir" as const };
  expect(cursorFromWire(cursorToWire(c))).toEqual(c);
});

test("what is not an arc, too many of them, or a page too big is refused before any handler sees it", () => {
  const bad = [
    { from: "5", to: "5" }, // empty
    { from: "6", to: "5" }, // backwards
    { from: "0", to: (RING_END + 1n).toString(16) }, // past the top
    { from: "-1", to: "5" },
    { from: "0x0", to: "5" },
    { from: "G", to: "5" },
    { from: "0", to: "1".repeat(18) },
  ];
  for (const r of bad) expect({ r, ok: digests.request.safeParse({ ranges: [r] }).success }).toEqual({ r, ok: false });
  expect(digests.request.safeParse({ ranges: [] }).success).toBe(false);
  expect(digests.request.safeParse({ ranges: Array.from({ length: MAX_DIGEST_RANGES + 1 }, () => ({ from: "0", to: "1" })) }).success).toBe(false);
  expect(digests.response.safeParse({ digests: [{ count: -1, hash: "0".repeat(16) }] }).success).toBe(false);
  expect(digests.response.safeParse({ digests: [{ count: 1, hash: "0".repeat(16), first: (RING_END).toString(16) }] }).success).toBe(false);
  const range = { from: "0", to: "10" };
  expect(keys.request.safeParse({ range, limit: MAX_RANGE_KEYS }).success).toBe(true);
  expect(keys.request.safeParse({ range, limit: MAX_RANGE_KEYS + 1 }).success).toBe(false);
  expect(keys.request.safeParse({ range, limit: 10, after: { position: "1", path: "../x", kind: "file" } }).success).toBe(false);
  expect(keys.response.safeParse({ keys: [{ path: "a", kind: "file", version: "not a version" }], more: false }).success).toBe(false);
  expect(rows.request.safeParse({ range, limit: 501 }).success).toBe(false);
  expect(rows.request.safeParse({ range, limit: 1, extra: true }).success).toBe(false);
});
