import { expect, test } from "bun:test";
import type { NodeStatus } from "./api.ts";
import { type HealthTotals, sumHealth } from "./cluster.ts";
import { clusterHeadline, dataShares, safety, storedTotals } from "./overview.ts";

/** Totals as sumHealth makes them, with a census from one node unless a test says otherwise. */
const totals = (over: Partial<HealthTotals>): HealthTotals => ({ ...sumHealth([]), nodes: 3, censusNodes: 3, factor: 3, liveNodes: 3, ...over });
const up = { dead: 0, suspect: 0 };

test("clusterHeadline: nodes, who answers, and how many times each file is kept", () => {
  expect(clusterHeadline({ alive: 3, suspect: 0, dead: 0, left: 1 }, 3, 3)).toBe("3 nodes · all answering · each file kept 3 times");
  expect(clusterHeadline({ alive: 1, suspect: 1, dead: 1, left: 0 }, 3, 3)).toBe("3 nodes · 1 answering, 1 not answering, 1 down · each file kept 3 times");
  expect(clusterHeadline({ alive: 2, suspect: 0, dead: 0, left: 0 }, 3, 2)).toBe("2 nodes · all answering · each file kept 3 times (2 while there are 2 storage nodes)");
  expect(clusterHeadline({ alive: 1, suspect: 0, dead: 0, left: 0 }, 1, 1)).toBe("1 node · answering · each file kept once");
});

test("safety: every file at full copies is safe; the count's factor wins over the setting", () => {
  expect(safety(totals({}), up, 3)).toEqual({ tone: "good", headline: "Every file is safe", detail: "every file has all 3 copies" });
  // Two storage nodes, N = 3: the census counts against 2, and the page says why not 3.
  expect(safety(totals({ factor: 2, liveNodes: 2 }), up, 3).detail).toBe("every file has all 2 copies; 3 are asked for, but there are only 2 storage nodes");
});

test("safety: a node down with fewer live nodes than N: short of copies, and none can be made", () => {
  const s = safety(totals({ underReplicatedChunks: 9, waitingForNodes: 9, liveNodes: 2 }), { dead: 1, suspect: 0 }, 3);
  expect(s.tone).toBe("warn");
  expect(s.headline).toBe("Short of copies");
  expect(s.detail).toBe("9 chunks of your files have fewer than 3 copies: only 2 nodes can hold them, so the missing copies wait for nodes to return or join");
  expect(s.detail).not.toMatch(/being/);
  // Copies that can be made are said to be made; a mix says both.
  expect(safety(totals({ underReplicatedChunks: 1, repairable: 1, liveNodes: 4 }), up, 3).detail).toBe("1 chunk of your files has fewer than 3 copies: the missing copies are being made now");
  expect(safety(totals({ underReplicatedChunks: 5, repairable: 2, waitingForNodes: 3, liveNodes: 2 }), up, 3).detail).toContain("2 being copied now, the rest wait");
});

test("safety: a count from before a death, no count yet, damaged copies", () => {
  // The census said 0 before n3 died, or before the factor went up: that is no news about now.
  expect(safety(totals({ censusStale: true }), { dead: 1, suspect: 0 }, 3)).toMatchObject({ tone: "warn", headline: "Recounting" });
  expect(safety(totals({ censusStale: true, factor: 2 }), up, 3)).toMatchObject({ tone: undefined, headline: "Recounting" });
  expect(safety(totals({ censusStale: true, underReplicatedChunks: 4, repairable: 4 }), up, 3).headline).toBe("Recounting");
  expect(safety(totals({ censusNodes: 0, factor: undefined }), up, 3)).toMatchObject({ tone: undefined, headline: "Counting copies…" });
  expect(safety(totals({ censusNodes: 0 }), { dead: 1, suspect: 0 }, 3).tone).toBe("warn");
  expect(safety(totals({ corrupt: 3, repaired: 1 }), up, 3)).toMatchObject({ tone: "bad", detail: "2 damaged copies found by the scrub and not replaced yet" });
});

const status = (chunkBytes: number, over: Partial<NodeStatus> = {}) =>
  ({
    chunks: { count: 1, bytes: chunkBytes },
    storage: { role: "storage", capacityGB: 10, full: false, headroomBytes: 1000 },
    files: { files: 2, dirs: 0, tombstones: 0, bytes: 300 },
    ...over,
  }) as NodeStatus;

test("dataShares: each storage node's bytes and its share of all the nodes that answered store", () => {
  const shares = dataShares([
    { id: "a", status: status(300) },
    { id: "b", status: status(100) },
    { id: "gw", status: status(0, { storage: { role: "gateway", capacityGB: 0, full: false, headroomBytes: 0 } }) },
    { id: "dead", status: null },
  ]);
  expect([...shares.keys()]).toEqual(["a", "b"]);
  expect(shares.get("a")).toEqual({ stored: 300, share: 0.75 });
  expect(shares.get("b")).toEqual({ stored: 100, share: 0.25 });
  expect(dataShares([{ id: "a", status: status(0) }]).get("a")).toEqual({ stored: 0, share: 0 });
});

test("storedTotals: the files' own size against their copies on disk", () => {
  const behind = status(200, { files: { files: 1, dirs: 0, tombstones: 0, bytes: 100 } });
  expect(storedTotals([status(300), behind, null], 3)).toEqual({ fileBytes: 300, files: 2, onDisk: 500, nodes: 2, unanswered: 1 });
  expect(storedTotals([status(300)], 1)?.unanswered).toBe(0);
  expect(storedTotals([null], 1)).toBeUndefined();
});
