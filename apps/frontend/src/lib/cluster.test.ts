import { expect, test } from "bun:test";
import type { ClusterEvent } from "./api.ts";
import { countStates, diskUse, memberAddress, membersDiffer, mergeEvents, replicaTone, sortMembers, sumHealth } from "./cluster.ts";

test("membersDiffer: a join, a departure or a state change means the ring must be refetched", () => {
  const shown = [{ id: "a", state: "alive" as const }, { id: "b", state: "alive" as const }];
  expect(membersDiffer(shown, [{ id: "b", state: "alive" }, { id: "a", state: "alive" }])).toBe(false);
  expect(membersDiffer(shown, [{ id: "a", state: "alive" }, { id: "b", state: "suspect" }])).toBe(true);
  expect(membersDiffer(shown, [{ id: "a", state: "alive" }])).toBe(true);
  expect(membersDiffer(shown, [{ id: "a", state: "alive" }, { id: "c", state: "alive" }])).toBe(true);
});

const ev = (seq: number, at: number, type: ClusterEvent["type"] = "join"): ClusterEvent => ({ seq, at, type, member: "n", message: `${type} ${seq}` });

test("mergeEvents: newest first, no duplicates, capped", () => {
  const merged = mergeEvents([ev(2, 200), ev(1, 100)], [ev(2, 200), ev(3, 300)]);
  expect(merged.map((e) => e.seq)).toEqual([3, 2, 1]);
  expect(mergeEvents(merged, [ev(4, 400)], 2).map((e) => e.seq)).toEqual([4, 3]);
});

test("mergeEvents: a restarted node's seq 1 is a new event", () => {
  const merged = mergeEvents([ev(1, 100)], [ev(1, 5000, "alive")]);
  expect(merged).toHaveLength(2);
  expect(merged[0]!.type).toBe("alive");
});

test("sortMembers: self first, then trouble, then id", () => {
  const ms = [
    { id: "c", state: "alive" as const },
    { id: "a", state: "dead" as const },
    { id: "b", state: "suspect" as const },
    { id: "z", state: "alive" as const },
  ];
  expect(sortMembers(ms, "z").map((m) => m.id)).toEqual(["z", "c", "b", "a"]);
  expect(countStates(ms)).toEqual({ alive: 2, suspect: 1, dead: 1, left: 0 });
});

test("diskUse and addresses", () => {
  expect(diskUse({ disk: { totalBytes: 200, freeBytes: 50, usedBytes: 150 } })).toBe(0.75);
  expect(diskUse({ disk: { totalBytes: 0, freeBytes: 0, usedBytes: 0 } })).toBeUndefined();
  expect(diskUse(null)).toBeUndefined();
  expect(memberAddress({ host: "10.0.0.2", httpPort: 3000 })).toBe("10.0.0.2:3000");
  expect(memberAddress({ host: "::1", httpPort: 3000 })).toBe("[::1]:3000");
});

test("replicaTone", () => {
  expect(replicaTone(3, 3)).toBe("good");
  expect(replicaTone(2, 3)).toBe("warn");
  expect(replicaTone(0, 3)).toBe("bad");
});

test("sumHealth adds up the nodes that answered and keeps the latest scrub", () => {
  const h = (depth: number, last: number | null) => ({
    underReplicatedChunks: 2,
    queue: { depth, delivered: 10 },
    handoff: { surplusCopiesWaiting: 1, surplusCopiesDeleted: 4 },
    scrub: { passes: 1, checked: 100, corrupt: 0, repaired: 1, lastPassFinishedAt: last },
    gc: { chunksDeleted: 3, tombstonesPurged: 5, skipped: 0 },
    members: { alive: 3, suspect: 0, dead: 0, left: 0 },
  });
  const t = sumHealth([h(5, 1000), null, h(7, 3000)]);
  expect(t.nodes).toBe(2);
  expect(t.queueDepth).toBe(12);
  expect(t.delivered).toBe(20);
  expect(t.underReplicatedChunks).toBe(4);
  expect(t.surplusCopiesDeleted).toBe(8);
  expect(t.scrubChecked).toBe(200);
  expect(t.lastScrubAt).toBe(3000);
  expect(t.tombstonesPurged).toBe(10);
  expect(sumHealth([]).lastScrubAt).toBeUndefined();
});
