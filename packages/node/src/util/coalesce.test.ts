import { expect, test } from "bun:test";
import { coalesce } from "./coalesce.ts";

test("what is pushed within one turn is flushed once, as one batch; the next turn starts a new batch", () => {
  const pending: Array<() => void> = [];
  const batches: number[][] = [];
  const push = coalesce<number>((items) => batches.push(items), () => {}, (fn) => pending.push(fn));
  push(1);
  push(2);
  push(3);
  expect(pending.length).toBe(1);
  expect(batches).toEqual([]);
  pending.shift()!();
  expect(batches).toEqual([[1, 2, 3]]);
  push(4);
  expect(pending.length).toBe(1);
  pending.shift()!();
  expect(batches).toEqual([[1, 2, 3], [4]]);
});

test("a flush that throws reports the error, and the next batch still flushes", async () => {
  const errors: unknown[] = [];
  const seen: string[][] = [];
  const push = coalesce<string>((items) => {
    seen.push(items);
    if (items.includes("bad")) throw new Error("boom");
  }, (err) => errors.push(err));
  push("bad");
  await new Promise((r) => setImmediate(r));
  push("good");
  await new Promise((r) => setImmediate(r));
  expect(seen).toEqual([["bad"], ["good"]]);
  expect(errors.map((e) => (e as Error).message)).toEqual(["boom"]);
});
