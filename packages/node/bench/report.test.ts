// The benchmark's pure parts: percentiles, throughput and ratio arithmetic, flag parsing, payload layout and
// the report's tables. The measurements themselves need a cluster and are exercised by `pnpm bench --quick`.
import { describe, expect, test } from "bun:test";
import { parseOptions } from "./options.ts";
import { Payload } from "./payload.ts";
import { type BenchReport, computeRatios, fmt, renderReport, renderTable, TARGETS, UNITS } from "./report.ts";
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
    expect(parseOptions([])).toMatchObject({ sizeMiB: 1024, smallCount: 2000, concurrency: 16, keep: false, quick: false });
    expect(parseOptions(["--quick"])).toMatchObject({ sizeMiB: 256, smallCount: 500, quick: true });
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
    config: { nodes: 3, replicationFactor: 3, durability: "quorum", chunkSize: 4 * MiB, sizeMiB: 1024, smallCount: 2000, concurrency: 16, quick: false, dataRoot: "/tmp/x", kept: false },
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
