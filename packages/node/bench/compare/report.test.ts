// The compare report's arithmetic: medians of repetitions, the best peer, ratios to peers, ceilings and
// references, the RSS row (lower is better) and the table's columns.
import { describe, expect, test } from "bun:test";
import { ceilingFigure, compare, type CompareReport, type Figure, fmt, higherPeaks, type Measurement, medianOf, renderReport } from "./report.ts";
import type { Sizes } from "./workload-ids.ts";

const sizes: Sizes = { sizeMiB: 1024, smallCount: 1000, clients: 16, cold: true };
const run = (rep: number, value: number | null): Measurement => ({ rep, value, ms: 1, ok: 1, errors: value === null ? 1 : 0, errorSamples: [] });
const fig = (...values: (number | null)[]): Figure => {
  const runs = values.map((v, k) => run(k, v));
  return { runs, median: medianOf(runs) };
};

describe("medians", () => {
  test("of the repetitions that produced a value; none gives null", () => {
    expect(medianOf([run(0, 3), run(1, 1), run(2, 2)])).toBe(2);
    expect(medianOf([run(0, 3), run(1, null), run(2, 1)])).toBe(1);
    expect(medianOf([run(0, null)])).toBeNull();
    expect(ceilingFigure("ext4Create1", "files/s", [300, null, 100, 200], sizes).median).toBe(200);
  });
});

describe("comparisons", () => {
  const results: CompareReport["results"] = {
    write: { glusterfs: fig(170, 175, 172), moosefs: fig(168, 171, 170), orrery: fig(120, 125, 123) },
    "write-quorum": { orrery: fig(150) },
    "s3-rclone": { orrery: fig(15) },
    create: { glusterfs: fig(183), moosefs: fig(null), orrery: fig(231) },
  };
  const ceilings: CompareReport["ceilings"] = { diskWriteThird: ceilingFigure("diskWriteThird", "MB/s", [208], sizes) };
  const rss: CompareReport["peakRssMiB"] = { orrery: { n1: 190, n2: 150, n3: null }, glusterfs: { s1: 60, s2: 58, s3: 59 }, moosefs: { s1: 600, s2: 140, s3: 140 } };
  const rows = compare(results, ceilings, rss, sizes);
  const row = (id: string) => rows.find((r) => r.id === id)!;

  test("Orrery over the better peer and over the ceiling", () => {
    const w = row("write");
    expect(w.bestPeer).toEqual({ system: "glusterfs", value: 172 });
    expect(w.orrery).toBe(123);
    expect(w.vsBestPeer).toBeCloseTo(123 / 172, 10);
    expect(w.vsCeiling).toBeCloseTo(123 / 208, 10);
    expect(w.reference).toBeNull();
  });

  test("a peer without a figure is not the best peer; a missing ceiling gives no ratio", () => {
    const c = row("create");
    expect(c.peers).toEqual({ glusterfs: 183, moosefs: null });
    expect(c.bestPeer).toEqual({ system: "glusterfs", value: 183 });
    expect(c.vsCeiling).toBeNull();
    expect(c.ceiling?.value).toBeNull();
  });

  test("S3 figures are compared with the files API's figure of the same run", () => {
    const s = row("s3-rclone");
    expect(s.bestPeer).toBeNull();
    expect(s.reference).toMatchObject({ id: "write-quorum", value: 150 });
    expect(s.vsReference).toBeCloseTo(0.1, 10);
  });

  test("peak RSS: the worst node of each system, the best peer the lowest", () => {
    const r = row("rss");
    expect(r.better).toBe("lower");
    expect(r.orrery).toBe(190);
    expect(r.peers).toEqual({ glusterfs: 60, moosefs: 600 });
    expect(r.bestPeer).toEqual({ system: "glusterfs", value: 60 });
    expect(r.vsBestPeer).toBeCloseTo(190 / 60, 10);
  });

  test("rows follow the results' order, RSS last", () => {
    expect(rows.map((r) => r.id)).toEqual(["write", "write-quorum", "s3-rclone", "create", "rss"]);
  });

  test("the table has a column per system and the ratios", () => {
    const report = {
      machine: { uptimeStart: "load average: 1.00", uptimeEnd: "load average: 2.00" },
      config: { reps: 3, systems: ["glusterfs", "moosefs", "orrery"] },
      comparisons: rows,
      peakRssMiB: rss,
      strace: null,
      cpuProfDir: null,
      problems: ["p"],
    } as unknown as CompareReport;
    const text = renderReport(report);
    const header = text.split("\n").find((l) => l.startsWith("| figure"))!;
    expect(header.split("|").map((s) => s.trim()).filter(Boolean)).toEqual(["figure", "ceiling / reference", "GlusterFS", "MooseFS", "Orrery", "÷ best peer", "÷ ceiling / ref."]);
    const write = text.split("\n").find((l) => l.startsWith("| 1 GiB write, 3 fsynced copies"))!;
    expect(write).toContain("0.72×");
    expect(write).toContain("0.59×");
    expect(text).toContain("(lower is better)");
    expect(text).toContain("  - p");
  });

  test("each workload's worst node, per system, where the workload recorded its peaks", () => {
    const withPeaks: CompareReport["results"] = {
      write: { glusterfs: { ...fig(170), peakRssMiB: { s1: 61, s2: 70, s3: null } }, orrery: { ...fig(120), peakRssMiB: { n1: 130, n2: 141.6, n3: 99 } } },
      "s3-rclone": { orrery: { ...fig(15), peakRssMiB: { n1: 236.9, n2: 150, n3: 140 } } },
      create: { orrery: fig(231) },
    };
    const report = {
      machine: { uptimeStart: "", uptimeEnd: "" },
      config: { reps: 1, systems: ["glusterfs", "orrery"] },
      results: withPeaks,
      comparisons: [],
      peakRssMiB: rss,
      strace: null,
      cpuProfDir: null,
      problems: [],
    } as unknown as CompareReport;
    const lines = renderReport(report).split("\n");
    const at = lines.indexOf("peak RSS of the worst node by workload (MiB):");
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 3)).toEqual(["  GlusterFS: write 70", "  Orrery: write 142, s3-rclone 237"]);
  });
});

test("a run's peaks are the highest of its workloads' per node; a node without one keeps the other's", () => {
  expect(higherPeaks(undefined, { n1: 100, n2: null })).toEqual({ n1: 100, n2: null });
  expect(higherPeaks({ n1: 100, n2: null, n3: 80 }, { n1: 90, n2: 120, n3: null })).toEqual({ n1: 100, n2: 120, n3: 80 });
  expect(higherPeaks({ n1: 100 }, { n1: 130, n4: 5 })).toEqual({ n1: 130, n4: 5 });
});

test("fmt", () => {
  expect(fmt(null)).toBe("–");
  expect(fmt(1234.5, "files/s")).toBe("1,235 files/s");
  expect(fmt(123.44, "MB/s")).toBe("123.4 MB/s");
  expect(fmt(1.234)).toBe("1.23");
  expect(fmt(189.6, "MiB")).toBe("190 MiB");
});
