// The self-healing benchmark's pure parts: the data set's layout, copy counts from chunk-file listings, the
// bytes a join moved against the least it could, detection times, and what the nodes' logs say about transfers.
import { describe, expect, test } from "bun:test";
import type { LogEntry } from "./cluster.ts";
import {
  appeared,
  chunkSizesOf,
  copyCounts,
  detectionTimes,
  handoffBytes,
  healFileSizes,
  idealHandoff,
  placementMatches,
  settledAt,
  summarizeCopies,
  transferLog,
} from "./heal-math.ts";
import { MiB } from "./stats.ts";

const sets = (o: Record<string, string[]>) => new Map(Object.entries(o).map(([k, v]) => [k, new Set(v)] as const));

describe("data set", () => {
  test("files of the given size, the remainder last", () => {
    expect(healFileSizes(1024, 16)).toEqual(Array(64).fill(16 * MiB));
    expect(healFileSizes(40, 16)).toEqual([16 * MiB, 16 * MiB, 8 * MiB]);
    expect(healFileSizes(4, 16)).toEqual([4 * MiB]);
    expect(() => healFileSizes(0, 16)).toThrow(RangeError);
  });

  test("chunk sizes: full chunks, then a short last one", () => {
    const m = chunkSizesOf(10 * MiB, 4 * MiB, ["a", "b", "c"]);
    expect([...m]).toEqual([
      ["a", 4 * MiB],
      ["b", 4 * MiB],
      ["c", 2 * MiB],
    ]);
    expect(chunkSizesOf(0, 4 * MiB, ["e"]).get("e")).toBe(0);
  });
});

describe("copies", () => {
  test("counts only the ids asked about; absent ids count 0", () => {
    const counts = copyCounts(sets({ n1: ["a", "b", "x"], n2: ["a"], n3: ["a", "b"] }).values(), ["a", "b", "c"]);
    expect([...counts]).toEqual([
      ["a", 3],
      ["b", 2],
      ["c", 0],
    ]);
    expect(summarizeCopies(counts, 3)).toEqual({ chunks: 3, min: 0, max: 3, below: 2, above: 0 });
    expect(summarizeCopies(new Map([["a", 4]]), 3)).toEqual({ chunks: 1, min: 4, max: 4, below: 0, above: 1 });
    expect(summarizeCopies(new Map(), 3)).toEqual({ chunks: 0, min: 0, max: 0, below: 0, above: 0 });
  });

  test("appeared: new ids per node, optionally restricted", () => {
    const before = sets({ n1: ["a"], n2: ["b"] });
    const after = sets({ n1: ["a", "c"], n2: [], n3: ["a", "z"] });
    expect([...appeared(before, after)]).toEqual([
      ["n1", ["c"]],
      ["n2", []],
      ["n3", ["a", "z"]],
    ]);
    expect(appeared(before, after, new Set(["a", "c"])).get("n3")).toEqual(["a"]);
  });

  test("placementMatches: every owner holds a copy and nobody else does", () => {
    const owners = new Map([
      ["a", ["n1", "n2"]],
      ["b", ["n2", "n3"]],
    ]);
    expect(placementMatches(owners, sets({ n1: ["a"], n2: ["a", "b"], n3: ["b"] }))).toBe(true);
    expect(placementMatches(owners, sets({ n1: ["a", "b"], n2: ["a", "b"], n3: ["b"] }))).toBe(false); // surplus on n1
    expect(placementMatches(owners, sets({ n1: ["a"], n2: ["a"], n3: ["b"] }))).toBe(false); // n2 lacks b
  });
});

describe("join: bytes moved and the ideal", () => {
  const size = (id: string) => (id === "short" ? 1 * MiB : 4 * MiB);

  test("everything on the newcomer plus copies that appeared on old nodes, including ones deleted again", () => {
    const before = sets({ n1: ["a", "b", "c"], n2: ["a", "b", "c"], n3: ["a", "b", "c"] });
    // n4 got a, b and the short chunk; n2 briefly held d (seen in a listing, gone by the end).
    const seen = sets({ n1: ["a", "b", "c"], n2: ["a", "b", "c", "d"], n3: ["a", "b", "c"], n4: ["a", "b", "short"] });
    expect(handoffBytes(before, seen, "n4", size)).toEqual({
      newcomerCopies: 3,
      newcomerBytes: 9 * MiB,
      oldNodeCopies: 1,
      oldNodeBytes: 4 * MiB,
      movedCopies: 4,
      movedBytes: 13 * MiB,
    });
  });

  test("ideal: one copy of every chunk the newcomer owns; even share = all copies ÷ nodes", () => {
    const owners = new Map([
      ["a", ["n4", "n1", "n2"]],
      ["b", ["n1", "n2", "n3"]],
      ["short", ["n2", "n4", "n3"]],
      ["c", ["n3", "n4", "n1"]],
    ]);
    const ideal = idealHandoff(owners, "n4", size, 3, 4);
    expect(ideal.copies).toBe(3);
    expect(ideal.bytes).toBe(9 * MiB);
    expect(ideal.evenShareBytes).toBe((13 * MiB * 3) / 4);
  });
});

describe("times", () => {
  test("first and last observer; null for all when one never saw it", () => {
    expect(detectionTimes([5200, 4100, 6000])).toEqual({ firstMs: 4100, allMs: 6000 });
    expect(detectionTimes([5200, null])).toEqual({ firstMs: 5200, allMs: null });
    expect(detectionTimes([null])).toEqual({ firstMs: null, allMs: null });
    expect(detectionTimes([])).toEqual({ firstMs: null, allMs: null });
  });

  test("settledAt: the first sample of the final run at the target", () => {
    const s = [
      { ms: 0, value: 0 },
      { ms: 250, value: 5 },
      { ms: 500, value: 9 },
      { ms: 750, value: 8 },
      { ms: 1000, value: 9 },
      { ms: 1250, value: 9 },
    ];
    expect(settledAt(s, 9)).toBe(1000);
    expect(settledAt(s, 7)).toBeNull();
    expect(settledAt([], 0)).toBeNull();
  });
});

describe("transferLog", () => {
  const t = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s)).toISOString();
  const logs = new Map<string, LogEntry[]>([
    [
      "n1",
      [
        { t: t(1), level: "info", msg: "member changed", member: "n3", from: "suspect", to: "dead" },
        { t: t(2), level: "info", msg: "placement check queued copies for new owners", copies: 2 },
        { t: t(3), level: "debug", msg: "queue: copy delivered", chunk: "a", peer: "n4" },
        { t: t(4), level: "debug", msg: "queue: copy delivered", chunk: "a", peer: "n4" },
        { t: t(4), level: "debug", msg: "queue: copy delivered", chunk: "short", peer: "n5" },
        { t: t(5), level: "info", msg: "queue row dropped", chunk: "b", peer: "n3", reason: "target no longer owns the chunk" },
      ],
    ],
    [
      "n2",
      [
        { t: t(3), level: "info", msg: "member changed", member: "n3", from: "alive", to: "suspect" },
        { t: t(6), level: "info", msg: "member changed", member: "n3", from: "suspect", to: "dead" },
        { t: t(7), level: "info", msg: "placement check queued copies for new owners", copies: 1 },
        { t: t(8), level: "info", msg: "anti-entropy: queued copies a co-owner lacks", peer: "n4", copies: 3 },
        { t: t(9), level: "debug", msg: "surplus copy deleted after hand-off", chunk: "c" },
      ],
    ],
    [
      "n4",
      [
        { t: t(3), level: "debug", msg: "chunk received", peer: "127.0.0.1:5555", chunk: "a", created: true },
        { t: t(4), level: "debug", msg: "chunk received", peer: "127.0.0.1:5555", chunk: "a", created: false },
      ],
    ],
  ]);
  const size = (id: string) => (id === "short" ? 1 * MiB : 4 * MiB);

  test("counts deliveries, repeats, receipts of existing chunks, checks, drops and deaths", () => {
    const r = transferLog(logs, size, "n3");
    expect(r.delivered).toBe(3);
    expect(r.deliveredBytes).toBe(9 * MiB);
    expect(r.repeatedDeliveries).toBe(1);
    expect(r.received).toBe(2);
    expect(r.receivedBytes).toBe(8 * MiB);
    expect(r.receivedExisting).toBe(1);
    expect(r.placementChecks).toBe(2);
    expect(r.placementQueued).toBe(3);
    expect(r.otherQueued).toEqual({ "anti-entropy: queued copies a co-owner lacks": 3 });
    expect(r.surplusDeleted).toBe(1);
    expect(r.dropped).toEqual({ "target no longer owns the chunk": 1 });
    expect(r.firstPlacementCheckAt).toBe(Date.parse(t(2)));
    expect(r.deadAt).toEqual({ n1: Date.parse(t(1)), n2: Date.parse(t(6)) });
  });

  test("without a watched member no deaths are timed", () => {
    expect(transferLog(logs, size).deadAt).toEqual({});
    expect(transferLog(new Map(), size).firstPlacementCheckAt).toBeNull();
  });
});
