import { expect, test } from "bun:test";
import type { ClusterEvent } from "./api.ts";
import type { Health, ReplicationCensus } from "./api.ts";
import { countStates, deadMemberNote, diskUse, forgetDialog, gcNote, pooledRoom, storeUse, memberAddress, membersDiffer, mergeEvents, newestFirst, replicaTone, replicationSummary, sortMembers, sumHealth } from "./cluster.ts";

test("membersDiffer: a join, a departure or a state change means the ring must be refetched", () => {
  const shown = [{ id: "a", state: "alive" as const }, { id: "b", state: "alive" as const }];
  expect(membersDiffer(shown, [{ id: "b", state: "alive" }, { id: "a", state: "alive" }])).toBe(false);
  expect(membersDiffer(shown, [{ id: "a", state: "alive" }, { id: "b", state: "suspect" }])).toBe(true);
  expect(membersDiffer(shown, [{ id: "a", state: "alive" }])).toBe(true);
  expect(membersDiffer(shown, [{ id: "a", state: "alive" }, { id: "c", state: "alive" }])).toBe(true);
});

const ev = (seq: number, at: number, type: ClusterEvent["type"] = "join"): ClusterEvent => ({ seq, at, type, node: "n1", member: "n", message: `${type} ${seq}` });

test("mergeEvents: newest first, no duplicates, capped", () => {
  const merged = mergeEvents([ev(2, 200), ev(1, 100)], [ev(2, 200), ev(3, 300)]);
  expect(merged.map((e) => e.seq)).toEqual([3, 2, 1]);
  expect(mergeEvents(merged, [ev(4, 400)], 2).map((e) => e.seq)).toEqual([4, 3]);
});

test("mergeEvents: two nodes' events with the same number are two events; newestFirst orders the node's list", () => {
  const a = { ...ev(7, 100), node: "n1" };
  const b = { ...ev(7, 100), node: "n2" };
  expect(mergeEvents([a], [b, a])).toHaveLength(2);
  expect(newestFirst([ev(1, 100), ev(3, 300), ev(2, 200)], 2).map((e) => e.seq)).toEqual([3, 2]);
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

/** One node's /api/health, with the parts a test varies. */
const healthOf = (over: Partial<Health> = {}): Health => ({
  nodeId: "n1",
  underReplicatedChunks: 2,
  replication: null,
  queue: queueOf(0),
  handoff: { surplusCopiesWaiting: 1, surplusCopiesDeleted: 4, graceSeconds: 60 },
  scrub: scrubOf(null),
  gc: gcOf(null, null),
  antiEntropy: { rounds: 0, rangesDiffering: 0, copiesQueued: 0, lastRoundAt: null },
  rangeSync: {
    passes: 0, arcsCompared: 0, digestCalls: 0, rangesDiffering: 0, keyCalls: 0, keysReceived: 0, rowCalls: 0, rowsReceived: 0, rowsApplied: 0, bytesSent: 0, bytesReceived: 0,
    budgetCuts: 0, rowsScanned: 0, partsComputed: 0, partsCached: 0,
  },
  workers: [],
  resync: { state: "ready", completed: 0 },
  members: { alive: 3, suspect: 0, dead: 0, left: 0 },
  ...over,
});
function queueOf(depth: number): Health["queue"] {
  return { depth, chunksWithQueuedCopies: 0, byTarget: {}, delivered: 10 };
}
function scrubOf(lastPassFinishedAt: number | null): Health["scrub"] {
  return { passes: 1, checked: 100, corrupt: 0, repaired: 1, inlineChecked: 10, inlineCorrupt: 2, inlineRepaired: 1, lastPassStartedAt: null, lastPassFinishedAt };
}
function gcOf(skipped: string | null, pendingChunks: number | null): Health["gc"] {
  return { passes: 1, chunksDeleted: 3, tombstonesPurged: 5, skipped, lastPassAt: null, pendingChunks, versionsPruned: 0, minChunkAgeSeconds: 3600 };
}

test("sumHealth adds up the nodes that answered and keeps the latest scrub", () => {
  const h = (depth: number, last: number | null) =>
    healthOf({ queue: queueOf(depth), scrub: scrubOf(last) });
  const t = sumHealth([h(5, 1000), null, h(7, 3000)]);
  expect(t.nodes).toBe(2);
  expect(t.queueDepth).toBe(12);
  expect(t.delivered).toBe(20);
  expect(t.underReplicatedChunks).toBe(4);
  expect(t.surplusCopiesDeleted).toBe(8);
  // Small files kept in their rows are checked and repaired by the same scrub: counted with the chunks.
  expect(t.scrubChecked).toBe(220);
  expect([t.corrupt, t.repaired]).toEqual([4, 4]);
  expect(t.lastScrubAt).toBe(3000);
  expect(t.tombstonesPurged).toBe(10);
  expect(sumHealth([]).lastScrubAt).toBeUndefined();
});

const census = (over: Partial<ReplicationCensus>): ReplicationCensus => ({
  factor: 3,
  liveNodes: 3,
  chunks: 10,
  underReplicated: 0,
  missingCopies: 0,
  repairable: 0,
  waitingForNodes: 0,
  byLiveCopies: {},
  checkedAt: 1000,
  stale: false,
  unreachable: {},
  ...over,
});
const withCensus = (r: ReplicationCensus | null, top: number | null | undefined = r?.underReplicated) =>
  healthOf({ underReplicatedChunks: top, replication: r });

test("sumHealth adds up the census: repairable, waiting for nodes, the latest factor and live nodes", () => {
  const t = sumHealth([
    withCensus(census({ underReplicated: 5, missingCopies: 5, waitingForNodes: 5, liveNodes: 2, checkedAt: 2000 })),
    withCensus(census({ underReplicated: 4, missingCopies: 6, repairable: 1, waitingForNodes: 3, liveNodes: 3, checkedAt: 1000 })),
  ]);
  // factor and liveNodes from the latest census (checkedAt 2000).
  expect(t).toMatchObject({ censusNodes: 2, underReplicatedChunks: 9, waitingForNodes: 8, repairable: 1, missingCopies: 11, liveNodes: 2, factor: 3, censusStale: false });
  // The live event has the census without the top-level count; a node without a census makes it stale.
  const live = sumHealth([withCensus(census({ underReplicated: 7, waitingForNodes: 7 }), undefined), withCensus(null, null)]);
  expect(live).toMatchObject({ underReplicatedChunks: 7, censusNodes: 1, censusStale: true });
});

test("replicationSummary and deadMemberNote: nothing is 'being copied' when fewer live nodes than N leave no copy to make", () => {
  const dead = { dead: 1 };
  const waiting = sumHealth([withCensus(census({ underReplicated: 8, missingCopies: 8, waitingForNodes: 8, liveNodes: 2 }))]);
  const s = replicationSummary(waiting, dead);
  expect(s.tone).toBe("warn");
  expect(s.text).toContain("fewer live nodes (2) than N = 3");
  expect(s.text).toContain("none can be made");
  expect(s.text).not.toMatch(/being|making/);
  expect(deadMemberNote(waiting)).toContain("wait for it to return");
  expect(deadMemberNote(waiting)).not.toContain("being copied");

  const repairing = sumHealth([withCensus(census({ underReplicated: 3, missingCopies: 3, repairable: 3, liveNodes: 4 }))]);
  expect(replicationSummary(repairing, dead).text).toContain("the queue is making them");
  expect(deadMemberNote(repairing)).toContain("being copied to other owners");
  // Right after a death the last count is from before it: nothing is claimed until the next one.
  const stale = sumHealth([withCensus(census({ underReplicated: 3, missingCopies: 3, repairable: 3, liveNodes: 2, stale: true }))]);
  expect(deadMemberNote(stale)).toBe("Not answering; the live nodes are counting copies again.");

  const both = sumHealth([withCensus(census({ underReplicated: 5, repairable: 2, waitingForNodes: 3, liveNodes: 2 }))]);
  expect(replicationSummary(both, dead).text).toBe("2 being copied now, 3 waiting for nodes (fewer live nodes (2) than N = 3)");

  const healthy = sumHealth([withCensus(census({ stale: true }))]);
  expect(replicationSummary(healthy, { dead: 0 })).toEqual({ tone: "good", text: "no chunk has fewer than 3 live copies (recounting)" });
  expect(deadMemberNote(healthy)).toContain("no chunk has fewer than N copies");

  // No census (an older node, or before the first pass): no claim about copies at all.
  const none = sumHealth([withCensus(null, null)]);
  expect(replicationSummary(none, dead).text).toContain("not counted yet");
  expect(replicationSummary(none, { dead: 0 }).tone).toBeUndefined();
  expect(deadMemberNote(none)).not.toMatch(/being copied|wait for it/);
});

test("gcNote: what deleted files still take, and what they wait for", () => {
  const gc = (pendingChunks: number, skipped: string | null) => healthOf({ gc: gcOf(skipped, pendingChunks) });
  expect(gcNote(sumHealth([gc(0, null), gc(0, null)]))).toEqual({ tone: undefined, text: "no copies of deleted files on disk · 6 deleted, 10 tombstones purged" });
  const waiting = sumHealth([gc(635, "members not alive: n3"), gc(12, null)]);
  expect(waiting.gcPendingChunks).toBe(647);
  expect(gcNote(waiting)).toEqual({
    tone: "warn",
    text: "copies of deleted files on disk, kept until n3 is back (a member that is down may still list them) · 6 deleted, 10 tombstones purged",
  });
  expect(gcNote(sumHealth([gc(4, "manifests not converged yet")])).text).toContain("kept until every member has seen the deletes");
  expect(gcNote(sumHealth([gc(12, null)])).text).toStartWith("copies of deleted files on disk, collected at least 1 h after their last write");
  // Before a node's first pass nothing is claimed about it.
  expect(gcNote(sumHealth([gc(0, null), healthOf({})])).text).toStartWith("none counted so far (1 node has not counted yet)");
  // A reason from a node with nothing pending explains nothing.
  expect(sumHealth([gc(0, "members not alive: n2"), gc(3, null)]).gcWaitingFor).toBeUndefined();
});

test("storeUse and pooledRoom: what Orrery stores and the room it has, not the host's disk", () => {
  const node = (bytes: number, headroomBytes: number, role: "storage" | "gateway" = "storage") => ({
    chunks: { count: 1, bytes },
    storage: { role, capacityGB: 1, full: false, headroomBytes },
  });
  expect(storeUse(node(300, 700))).toEqual({ stored: 300, room: 700, fraction: 0.3 });
  expect(storeUse(node(0, 0, "gateway"))).toBeUndefined();
  expect(storeUse(null)).toBeUndefined();
  // Three storage nodes with 900 bytes of room in all, every byte stored 3 times: room for 300 more.
  expect(pooledRoom([node(100, 300), node(100, 300), node(100, 300), node(0, 0, "gateway"), null], 3)).toEqual({ room: 300, stored: 300, nodes: 3, copies: 3 });
  // Fewer storage nodes than N: each byte is stored once per node.
  expect(pooledRoom([node(0, 500), node(0, 500)], 3)).toEqual({ room: 500, stored: 0, nodes: 2, copies: 2 });
  expect(pooledRoom([node(0, 0, "gateway")], 3)).toBeUndefined();
});

test("forgetDialog: a dangerous confirmation naming the member, whose answer runs the forget", async () => {
  let ran = 0;
  const d = forgetDialog("n4", async () => void ran++);
  expect([d.title, d.confirmLabel, d.danger]).toEqual(["Forget n4?", "Forget n4", true]);
  expect(d.message).toContain("will not come back");
  await d.run("");
  expect(ran).toBe(1);
});
