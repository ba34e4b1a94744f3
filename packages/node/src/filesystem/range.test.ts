import { expect, test } from "bun:test";
import { parseRange } from "./range.ts";

test("parseRange", () => {
  expect(parseRange(undefined, 100)).toEqual({ kind: "full" });
  expect(parseRange("bytes=0-9", 100)).toEqual({ kind: "range", start: 0, end: 9 });
  expect(parseRange("bytes=90-", 100)).toEqual({ kind: "range", start: 90, end: 99 });
  expect(parseRange("bytes=-10", 100)).toEqual({ kind: "range", start: 90, end: 99 });
  expect(parseRange("bytes=-500", 100)).toEqual({ kind: "range", start: 0, end: 99 });
  expect(parseRange("bytes=50-5000", 100)).toEqual({ kind: "range", start: 50, end: 99 });
  expect(parseRange("bytes=100-", 100)).toEqual({ kind: "unsatisfiable" });
  expect(parseRange("bytes=9-3", 100)).toEqual({ kind: "unsatisfiable" });
  expect(parseRange("bytes=-0", 100)).toEqual({ kind: "unsatisfiable" });
  expect(parseRange("bytes=0-1,5-6", 100)).toEqual({ kind: "full" });
  expect(parseRange("items=0-1", 100)).toEqual({ kind: "full" });
});
