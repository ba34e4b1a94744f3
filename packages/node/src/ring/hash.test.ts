import { expect, test } from "bun:test";
import { loadHash64, xxhash64 } from "./hash.ts";

test("the synchronous XXH64 is the ring's hash: the same 64 bits for every string, lone surrogates and long ones too", async () => {
  const h = await loadHash64();
  const samples = ["", "dir:", "dir:a/b", "ünïcödé/😀", "\ud800", "x\udfffy", "dir:".padEnd(5000, "z")];
  for (let i = 0; i < 2000; i++) samples.push(Array.from({ length: i % 37 }, (_, j) => String.fromCharCode((i * 7919 + j * 104729) % 0xffff)).join(""));
  expect(samples.filter((s) => xxhash64(s) !== h(s))).toEqual([]);
});
