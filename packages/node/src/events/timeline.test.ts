import { expect, test } from "bun:test";
import type { ClusterEvent } from "./event-log.ts";
import { mergeTimelines } from "./timeline.ts";

let seq = 0;
const ev = (node: string, at: number, type: ClusterEvent["type"], member?: string): ClusterEvent => ({
  seq: ++seq,
  at,
  type,
  node,
  ...(member ? { member } : {}),
  message: `${member ?? node} ${type}`,
});

test("one death seen by two nodes is one entry naming both; the order is by time", () => {
  const n1 = [ev("n1", 1000, "join", "n3"), ev("n1", 50_000, "dead", "n3")];
  const n2 = [ev("n2", 1200, "join", "n3"), ev("n2", 52_000, "dead", "n3"), ev("n2", 60_000, "rebalance")];
  const merged = mergeTimelines([n1, n2], 100);
  expect(merged.map((e) => [e.type, e.node, e.seenBy])).toEqual([
    ["join", "n1", ["n1", "n2"]],
    ["dead", "n1", ["n1", "n2"]],
    ["rebalance", "n2", undefined],
  ]);
});

test("a node's own reports never merge, nor reports further apart than the window", () => {
  const flaps = [ev("n1", 0, "suspect", "n3"), ev("n1", 5000, "alive", "n3"), ev("n1", 9000, "suspect", "n3")];
  expect(mergeTimelines([flaps], 100).map((e) => e.type)).toEqual(["suspect", "alive", "suspect"]);
  const apart = mergeTimelines([[ev("n1", 0, "dead", "n3")], [ev("n2", 40_000, "dead", "n3")]], 100);
  expect(apart).toHaveLength(2);
  expect(apart.every((e) => e.seenBy === undefined)).toBe(true);
  // Two queue-drained notes at the same moment are two nodes' queues.
  expect(mergeTimelines([[ev("n1", 7, "rebalance")], [ev("n2", 7, "rebalance")]], 100)).toHaveLength(2);
});

test("the newest `limit` entries, oldest first", () => {
  const log = [1, 2, 3, 4, 5].map((i) => ev("n1", i * 100_000, "join", `m${i}`));
  expect(mergeTimelines([log], 2).map((e) => e.member)).toEqual(["m4", "m5"]);
  expect(mergeTimelines([log], 0)).toEqual([]);
});
