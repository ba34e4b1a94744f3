import { expect, test } from "bun:test";
import type { Manifest } from "../metadata/manifest.ts";
import { staleApplyPin } from "./stale-pin.ts";

const row: Manifest = { path: "k/x", kind: "file", version: "018bcfe57b9900000a@n1", deleted: true, size: 0, sha256: null, chunkSize: 0, chunks: [], mtime: 0, origin: "n1", seq: 7 };

test("a decision applied for its proposer keeps its decided time, under the applying node's id", () => {
  const pin = staleApplyPin(row, "n2");
  expect([...pin]).toEqual([["k/x", "018bcfe57b9900000a@n2"]]);
  // Below any decision built on it (stamped above the decided version), however far ahead n2's clock runs.
  const later = "018bcfe57b9900000b@n0";
  expect(pin.get("k/x")! < later).toBe(true);
});
