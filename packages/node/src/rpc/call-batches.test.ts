import { describe, expect, test } from "bun:test";
import { CallBatches } from "./call-batches.ts";

/** A batcher over a fake peer that answers each item with `${member}:${item}`, recording every call. */
function fixture(opts: { maxItems?: number; maxBytes?: number; fail?: boolean; short?: boolean } = {}) {
  const calls: Array<{ member: string; items: string[] }> = [];
  const weighed: string[] = [];
  const batches = new CallBatches<string, string>({
    maxItems: opts.maxItems ?? 100,
    maxBytes: opts.maxBytes ?? 1000,
    bytes: (item) => {
      weighed.push(item);
      return item.length;
    },
    send: async (member, items) => {
      calls.push({ member, items: [...items] });
      if (opts.fail) throw new Error("peer down");
      return (opts.short ? items.slice(1) : items).map((i) => `${member}:${i}`);
    },
  });
  return { batches, calls, weighed };
}

describe("CallBatches", () => {
  test("the calls of one turn to one member go as one call, each caller answered with its own results in order", async () => {
    const { batches, calls } = fixture();
    const answers = await Promise.all([
      batches.call("b", ["x", "y"]),
      batches.call("c", ["x"]),
      batches.call("b", ["z"]),
      batches.call("b", ["w", "v"]),
    ]);
    expect(answers).toEqual([["b:x", "b:y"], ["c:x"], ["b:z"], ["b:w", "b:v"]]);
    expect(calls).toEqual([
      { member: "b", items: ["x", "y", "z", "w", "v"] },
      { member: "c", items: ["x"] },
    ]);
    expect(batches.sent).toEqual({ calls: 2, items: 6 });
    // The next turn's calls are a new batch.
    expect(await batches.call("b", ["u"])).toEqual(["b:u"]);
    expect(calls[2]).toEqual({ member: "b", items: ["u"] });
  });

  test("a caller's items are never split: a batch that cannot take them all goes first, and a full one at once", async () => {
    const { batches, calls } = fixture({ maxItems: 3 });
    const answers = await Promise.all([batches.call("b", ["a", "b"]), batches.call("b", ["c", "d"]), batches.call("b", ["e"])]);
    expect(answers).toEqual([["b:a", "b:b"], ["b:c", "b:d"], ["b:e"]]);
    expect(calls.map((c) => c.items)).toEqual([["a", "b"], ["c", "d", "e"]]);
    await expect(batches.call("b", ["1", "2", "3", "4"])).rejects.toThrow(RangeError);
  });

  test("items are weighed only when a batch is shared, and a heavy one travels alone", async () => {
    const { batches, calls, weighed } = fixture({ maxBytes: 10 });
    // A lone call is never weighed (it went alone before batching too), however heavy.
    expect(await batches.call("b", ["x".repeat(50)])).toHaveLength(1);
    expect(weighed).toEqual([]);
    const answers = await Promise.all([batches.call("b", ["aaaa"]), batches.call("b", ["bbbb"]), batches.call("b", ["cccccc"]), batches.call("b", ["d"])]);
    expect(answers).toEqual([["b:aaaa"], ["b:bbbb"], ["b:cccccc"], ["b:d"]]);
    // 4 + 4 fit in 10 bytes, 6 more do not: the first two went, then 6 + 1.
    expect(calls.slice(1).map((c) => c.items)).toEqual([["aaaa", "bbbb"], ["cccccc", "d"]]);
  });

  test("a failed call fails every caller in it, and so does an answer of the wrong length", async () => {
    const down = fixture({ fail: true });
    const both = [down.batches.call("b", ["x"]), down.batches.call("b", ["y"])];
    const errors = await Promise.all(both.map((p) => p.then(() => undefined, (err: Error) => err.message)));
    expect(errors).toEqual(["peer down", "peer down"]);
    expect(down.calls).toHaveLength(1);
    const short = fixture({ short: true });
    const answers = [short.batches.call("b", ["x"]), short.batches.call("b", ["y"])];
    const wrong = await Promise.all(answers.map((p) => p.then(() => undefined, (err: Error) => err.message)));
    expect(wrong).toEqual(Array(2).fill("a batched call to b answered 1 results for 2 items"));
  });
});
