// The benchmark's pure parts: percentiles, throughput and ratio arithmetic, flag parsing, payload layout and
// the report's tables. The measurements themselves need a cluster and are exercised by `pnpm bench --quick`.
import { describe, expect, test } from "bun:test";
import { parseOptions } from "./options.ts";
import { Payload } from "./payload.ts";
import type { FailureResult, JoinResult } from "./heal.ts";
import { type BenchReport, computeRatios, fmt, type HealReport, renderReport, renderTable, TARGETS, UNITS } from "./report.ts";
import { latencySummary, mbps, MiB, opsPerSec, percentile, ratio } from "./stats.ts";

describe("percentile (nearest rank)", () => {
  const xs = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100

  test("picks an observed value", () => {
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile(xs, 0)).toBe(1);
    expect(percentile([3, 7], 50)).toBe(3);
    expect(percentile([3, 7], 51)).toBe(7);
  });

  test("small and empty samples", () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([42], 99)).toBe(42);
  });

  test("rejects a p outside 0..100", () => {
    expect(() => percentile(xs, 101)).toThrow(RangeError);
    expect(() => percentile(xs, Number.NaN)).toThrow(RangeError);
  });

  test("latencySummary sorts its input and leaves it untouched", () => {
    const raw = [5, 1, 4, 2, 3];
    const s = latencySummary(raw);
    expect(s).toEqual({ count: 5, p50Ms: 3, p99Ms: 5, meanMs: 3, maxMs: 5 });
    expect(raw).toEqual([5, 1, 4, 2, 3]);
    expect(latencySummary([])).toEqual({ count: 0, p50Ms: null, p99Ms: null, meanMs: null, maxMs: null });
  });
});

describe("throughput and ratios", () => {
  test("MB is 10^6 bytes", () => {
    expect(mbps(1_000_000, 1000)).toBe(1);
    expect(mbps(1024 * MiB, 2000)).toBeCloseTo(536.87, 2);
    expect(mbps(1, 0)).toBeNull();
    expect(opsPerSec(2000, 500)).toBe(4000);
    expect(opsPerSec(1, 0)).toBeNull();
  });

  test("ratio is null when a side is missing", () => {
    expect(ratio(150, 600)).toBe(0.25);
    expect(ratio(null, 600)).toBeNull();
    expect(ratio(150, null)).toBeNull();
    expect(ratio(150, 0)).toBeNull();
  });
});

describe("options", () => {
  test("defaults and --quick presets; explicit flags win", () => {
    expect(parseOptions([])).toMatchObject({
      parts: ["core", "security", "heal"],
      securityRounds: 3,
      sizeMiB: 1024,
      healSizeMiB: 1024,
      healBandwidthMBps: 1000,
      healGraceS: 5,
      smallCount: 2000,
      concurrency: 16,
      keep: false,
      quick: false,
    });
    expect(parseOptions(["--quick"])).toMatchObject({ sizeMiB: 256, healSizeMiB: 256, smallCount: 500, securityRounds: 2, quick: true });
    expect(parseOptions(["--only", "security", "--security-rounds", "5"])).toMatchObject({ parts: ["security"], securityRounds: 5 });
    expect(parseOptions(["--only", "heal", "--heal-size-mb", "64", "--heal-grace-s", "0", "--heal-bandwidth-mbps", "200"])).toMatchObject({
      parts: ["heal"],
      healSizeMiB: 64,
      healGraceS: 0,
      healBandwidthMBps: 200,
    });
    expect(parseOptions(["--only=core"]).parts).toEqual(["core"]);
    expect(parseOptions(["--quick", "--size-mb", "64", "--json", "out.json", "--keep"])).toMatchObject({
      sizeMiB: 64,
      smallCount: 500,
      jsonFile: "out.json",
      keep: true,
    });
  });

  test("bad values and unknown flags are refused", () => {
    expect(() => parseOptions(["--size-mb", "0"])).toThrow(/positive integer/);
    expect(() => parseOptions(["--small-count", "1.5"])).toThrow(/positive integer/);
    expect(() => parseOptions(["--nope"])).toThrow();
    expect(() => parseOptions(["--only", "both"])).toThrow(/core, security or heal/);
    expect(() => parseOptions(["--heal-grace-s=-1"])).toThrow(/≥ 0/);
    expect(() => parseOptions(["--heal-bandwidth-mbps", "0"])).toThrow(/above 0/);
  });
});

describe("payload", () => {
  test("pieces cover the size exactly, every chunk is distinct, and the hash is stable", () => {
    const chunkSize = 1 * MiB;
    const p = new Payload({ size: 5 * chunkSize + 123, chunkSize, nonce: "t" });
    const chunks: string[] = [];
    let total = 0;
    let h = new Bun.CryptoHasher("sha256");
    let inChunk = 0;
    for (const piece of p.pieces()) {
      expect(piece.byteLength).toBeLessThanOrEqual(MiB);
      h.update(piece);
      total += piece.byteLength;
      inChunk += piece.byteLength;
      if (inChunk === chunkSize) {
        chunks.push(h.digest("hex"));
        h = new Bun.CryptoHasher("sha256");
        inChunk = 0;
      }
      expect(inChunk).toBeLessThan(chunkSize);
    }
    expect(total).toBe(5 * chunkSize + 123);
    expect(new Set(chunks).size).toBe(5);
    expect(p.sha256()).toBe(p.sha256());
  });
});

function sampleReport(): BenchReport {
  const base: Omit<BenchReport, "ratios"> = {
    schema: "orrery-bench/1",
    startedAt: "2025-01-01T00:00:00.000Z",
    finishedAt: "2025-01-01T00:05:00.000Z",
    units: UNITS,
    machine: { cpus: 2, cpuModel: "Test CPU", memTotalMB: 24000, kernel: "Linux 6.1", bun: "1.4.5", loadAvgStart: [0, 0, 0], loadAvgEnd: [1, 0.5, 0.2] },
    security: null,
    config: { parts: ["core"], nodes: 3, replicationFactor: 3, durability: "quorum", chunkSize: 4 * MiB, sizeMiB: 1024, smallCount: 2000, concurrency: 16, quick: false, dataRoot: "/tmp/x", kept: false },
    targets: TARGETS,
    ceilings: {
      diskWrite: { bytes: 1, ms: 1, mbps: 600 },
      diskWriteParallel: { bytes: 1, ms: 1, mbps: 500 },
      httpPut: { bytes: 1, ms: 1, mbps: 400 },
      httpGetWarm: { bytes: 1, ms: 1, mbps: 2000 },
      httpGetCold: null,
      httpGetColdReason: "not root",
    },
    upload: {
      node: "n1", path: "p", bytes: 1, sha256: "x", chunks: 256, ackMs: 5000, ackMBps: 200, durableMs: 6000, durableMBps: 100, copiesAtAck: 2, queuedAtAck: 0,
    },
    download: { warm: { node: "n2", bytes: 1, ms: 1, mbps: 1000, headersMs: 2, sha256Ok: true }, cold: null, coldReason: "not root" },
    smallFiles: {
      fileSize: 4096,
      concurrency: 16,
      put: { count: 10, ok: 10, errors: 0, errorSamples: [], ms: 10, opsPerSec: 1000, latency: latencySummary([1, 2, 3]) },
      settleMs: 12,
      get: { count: 10, ok: 10, errors: 0, errorSamples: [], ms: 10, opsPerSec: 4000, latency: latencySummary([0.5, 1]) },
    },
    heal: null,
    rss: { peakSampledMB: { n1: 90, n2: 120, n3: 80, bench: 60 }, hwmMB: { n1: 91, n2: null, n3: 81, bench: 61 } },
    phases: [{ name: "upload until 201", wallMs: 5000, procs: { n1: { peakRssMB: 90, endRssMB: 80, cpuMs: 5000 }, bench: { peakRssMB: 60, endRssMB: 60, cpuMs: 2500 } } }],
    nodeLogs: {
      n1: { lines: 1, warnings: 1, errors: 0, other: 0, samples: ['{"level":"warn","msg":"x"}'] },
      n2: { lines: 0, warnings: 0, errors: 0, other: 0, samples: [] },
      n3: { lines: 0, warnings: 0, errors: 0, other: 0, samples: [] },
    },
    problems: [],
  };
  return { ...base, ratios: computeRatios(base, ["n1", "n2", "n3"]) };
}

describe("report", () => {
  test("ratios: to the ceilings, three copies to disk, and to the targets", () => {
    const r = sampleReport().ratios;
    expect(r.uploadAckVsHttpPut).toBe(0.5);
    expect(r.diskMBpsAtAck).toBe(600);
    expect(r.diskAtAckVsDiskWrite).toBe(1);
    expect(r.diskMBpsDurable).toBe(300);
    expect(r.diskDurableVsDiskWrite).toBe(0.5);
    expect(r.diskDurableVsDiskWriteParallel).toBe(0.6);
    expect(r.downloadWarmVsHttpGetWarm).toBe(0.5);
    expect(r.downloadColdVsHttpGetCold).toBeNull();
    expect(r.vsTarget.uploadDurable).toBeCloseTo(100 / 180);
    expect(r.vsTarget.smallGet).toBe(0.5);
    // n2 has no VmHWM, so its sampled peak (120) counts and is the worst node.
    expect(r.vsTarget.rssWorstNode).toBe(0.8);
  });

  test("renderTable aligns columns", () => {
    const t = renderTable(["name", "value"], [["a", "1.0"], ["longer name", "123.4"]], "");
    const lines = t.split("\n");
    expect(lines[0]).toBe("name          value");
    expect(lines[2]).toBe("a               1.0");
    expect(lines[3]).toBe("longer name   123.4");
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
  });

  test("fmt", () => {
    expect(fmt(1234.567)).toBe("1,234.6");
    expect(fmt(2, 0)).toBe("2");
    expect(fmt(null)).toBe("n/a");
    expect(fmt(Number.NaN)).toBe("n/a");
  });

  test("the rendered report carries every figure, target and reason", () => {
    const text = renderReport(sampleReport());
    expect(text).toContain("200.0 MB/s");
    expect(text).toContain("0.50 × (b)");
    expect(text).toContain("1.00 × (a), 1.20 × (a3)");
    expect(text).toContain("600.0 MB/s");
    expect(text).toContain("≥ 180 MB/s");
    expect(text).toContain("≥ 8,000 /s");
    expect(text).toContain("n/a (not root)");
    expect(text).toContain("RSS n2, peak sampled / VmHWM");
    expect(text).toContain("100%"); // n1 used one full core during the phase
    expect(text).toContain("n1: 1 warnings, 0 errors");
    expect(text).not.toContain("Problems");
  });
});

const noTransfers = {
  delivered: 0,
  deliveredBytes: 0,
  repeatedDeliveries: 0,
  received: 0,
  receivedBytes: 0,
  receivedExisting: 0,
  placementChecks: 0,
  placementQueued: 0,
  otherQueued: {},
  surplusDeleted: 0,
  dropped: {},
  firstPlacementCheckAt: null,
  deadAt: {},
};
const upload = { files: 64, bytes: 1024 * MiB, chunks: 256, ms: 20_000, mbps: 53.7, settleMs: 1500 };
const copies = { chunks: 256, min: 3, max: 3, below: 0, above: 0 };

function sampleHeal(): HealReport {
  const failure: FailureResult = {
    nodes: 5,
    victim: "k3",
    survivors: ["k1", "k2", "k4", "k5"],
    upload,
    detection: {
      pollMs: 50,
      perNode: { k1: { suspectMs: 1200, deadMs: 5300, deadInLogMs: 5250 }, k2: { suspectMs: 1900, deadMs: 6100, deadInLogMs: 6080 } },
      firstSuspectMs: 1200,
      firstDeadMs: 5300,
      allDeadMs: 6100,
    },
    rereplication: {
      copiesLost: 150,
      bytesLost: 600 * MiB,
      completeMs: 20_000,
      queuesEmptyMs: 20_100,
      firstPlacementCheckMs: 6400,
      copiesMade: 150,
      bytesMade: 600 * MiB,
      copiesMadeVsLost: 1,
      bytesSent: 600 * MiB,
      bytesSentVsLost: 1,
      mbpsFromKill: 31.46,
      mbpsFromFirstDead: 42.8,
      after: copies,
    },
    deliveredByNode: { k1: 40, k2: 110 },
    transfers: { ...noTransfers, delivered: 150, deliveredBytes: 600 * MiB, placementChecks: 4, placementQueued: 150 },
    readBack: { checked: 4, mismatches: [] },
    procs: { phases: [{ name: "kill → 3 copies, queues empty", wallMs: 20_000, procs: { k1: { peakRssMB: 120, endRssMB: 110, cpuMs: 10_000 } } }], peakSampledMB: { k1: 120 } },
  };
  const join: JoinResult = {
    nodesBefore: 3,
    newcomer: "j4",
    graceS: 5,
    upload,
    readyMs: 400,
    membershipMs: 1500,
    newcomerFilledMs: 9000,
    completeMs: 15_000,
    moved: { newcomerCopies: 190, newcomerBytes: 760 * MiB, oldNodeCopies: 2, oldNodeBytes: 8 * MiB, movedCopies: 192, movedBytes: 768 * MiB },
    ideal: { copies: 190, bytes: 760 * MiB, evenShareBytes: 768 * MiB },
    movedVsIdeal: 768 / 760,
    movedVsEvenShare: 1,
    sentBytes: 776 * MiB,
    sentVsIdeal: 776 / 760,
    after: copies,
    deliveredByNode: { j1: 64, j2: 64, j3: 64 },
    transfers: { ...noTransfers, delivered: 192, repeatedDeliveries: 2, surplusDeleted: 190, dropped: { "target no longer owns the chunk": 3 } },
    readBack: { checked: 4, mismatches: [] },
    procs: { phases: [], peakSampledMB: {} },
  };
  return {
    config: {
      replicationFactor: 3,
      sizeMiB: 1024,
      fileMiB: 16,
      files: 64,
      durability: "quorum",
      gossipIntervalMs: 1000,
      rebalanceBandwidthMBps: 1000,
      graceS: 5,
      logLevel: "debug",
      detectionPollMs: 50,
      placementCheckDebounceMs: 1000,
    },
    failure,
    join,
    nodeLogs: { k1: { lines: 10, warnings: 2, errors: 0, other: 0, samples: ['{"level":"warn","msg":"queue: target unreachable"}'] } },
  };
}

describe("self-healing report", () => {
  const withHeal = (heal: HealReport | null, parts: BenchReport["config"]["parts"]): BenchReport => {
    const r = sampleReport();
    const base = { ...r, config: { ...r.config, parts }, heal };
    return { ...base, ratios: computeRatios(base, ["n1", "n2", "n3"]) };
  };

  test("the join's bytes-moved ratio is compared with its target", () => {
    const r = withHeal(sampleHeal(), ["core", "heal"]);
    expect(TARGETS.joinBytesMovedRatio).toBe(1.15);
    expect(r.ratios.vsTarget.joinBytesMoved).toBeCloseTo(768 / 760 / 1.15);
    expect(sampleReport().ratios.vsTarget.joinBytesMoved).toBeNull();
  });

  test("heal only: the table carries detection, re-replication and the join, without the core sections", () => {
    const text = renderReport(withHeal(sampleHeal(), ["heal"]));
    expect(text).toContain("self-healing only");
    expect(text).not.toContain("Machine ceilings");
    expect(text).toContain("GOSSIP_INTERVAL_MS=1000");
    expect(text).toContain("REBALANCE_BANDWIDTH_MBPS=1,000");
    expect(text).toContain("failure: 5 nodes, SIGKILL k3");
    expect(text).toContain("kill → first survivor reports it dead");
    expect(text).toContain("5.30 s");
    expect(text).toContain("all 4 survivors report it dead");
    expect(text).toContain("6.10 s");
    expect(text).toContain("150 / 150");
    expect(text).toContain("600 MiB (629 MB)");
    expect(text).toContain("42.8 MB/s");
    expect(text).toContain("bytes moved ÷ ideal");
    expect(text).toContain("1.011");
    expect(text).toContain("≤ 1.15");
    expect(text).toContain("768 MiB = 760 MiB + 8 MiB");
    expect(text).toContain("1.021 (776 MiB)");
    expect(text).toContain("the 190 chunk copies j4 owns");
    expect(text).toContain("15.00 s");
    expect(text).toContain("2 repeated");
    expect(text).toContain("3 × target no longer owns the chunk");
    expect(text).toContain("queue.delivered): j1 64, j2 64, j3 64");
    expect(text).toContain("Failure benchmark, per phase");
    expect(text).toContain("k1: 2 warnings, 0 errors");
  });

  test("both parts: core first, then self-healing; a benchmark that failed says so", () => {
    const heal = { ...sampleHeal(), join: null, joinError: "timed out after 600000 ms\nmore" };
    const text = renderReport(withHeal(heal, ["core", "heal"]));
    expect(text.indexOf("Machine ceilings")).toBeLessThan(text.indexOf("Self-healing"));
    expect(text).toMatch(/ join +not measured: timed out after 600000 ms\n/);
    expect(text).not.toContain("more");
  });
});
