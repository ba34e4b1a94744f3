// Smoke test of the whole `pnpm bench --compare` harness, as CI can afford it: a tiny run without the peers
// (no root, no namespaces, no page-cache drop, which would slow every other test on the machine), every
// workload once, then the JSON report's shape. The figures themselves are not judged.
import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CompareReport } from "./report.ts";
import { WORKLOAD_IDS } from "./workload-ids.ts";

const PKG = join(import.meta.dir, "..", "..");

test(
  "pnpm bench --compare --quick --no-peers runs every workload and writes the report",
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "orrery-compare-test-"));
    const json = join(dir, "report.json");
    try {
      const args = ["--compare", "--quick", "--no-peers", "--no-drop-caches", "--size-mb", "8", "--small-count", "24", "--clients", "4", "--dir", dir, "--json", json];
      const proc = Bun.spawn([process.execPath, "bench/run.ts", ...args], { cwd: PKG, stdout: "pipe", stderr: "pipe" });
      const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      expect(code, `exit ${code}\n${stderr.slice(-3000)}\n${stdout}`).toBe(0);
      expect(stdout).toContain(`JSON report: ${json}`);
      expect(stdout).toContain("| figure");

      const r = JSON.parse(readFileSync(json, "utf8")) as CompareReport;
      expect(r.schema).toBe("orrery-bench-compare/1");
      expect(r.machine.uptimeStart).toContain("load average");
      expect(r.config).toMatchObject({ systems: ["orrery"], reps: 1, sizeMiB: 8, smallCount: 24, clients: 4, dropCaches: false });
      expect(r.config.workloads).toEqual([...WORKLOAD_IDS]);

      for (const id of ["diskWriteThird", "httpGetLargeCold", "ext4Create1", "ext4CreateN", "httpGetSmall"] as const) {
        expect(r.ceilings[id]?.median, `ceiling ${id}`).toBeGreaterThan(0);
      }
      for (const id of WORKLOAD_IDS) {
        const f = r.results[id]?.orrery;
        expect(f, `results.${id}.orrery`).toBeDefined();
        if (f!.skipped) continue; // an S3 client that is not installed
        expect(f!.runs).toHaveLength(1);
        expect(f!.median, `${id}: ${JSON.stringify(f!.runs[0]?.errorSamples)}`).toBeGreaterThan(0);
        expect(r.results[id]?.glusterfs).toBeUndefined();
      }
      expect(r.comparisons.map((c) => c.id)).toEqual([...WORKLOAD_IDS, "rss"]);
      for (const c of r.comparisons) {
        expect(Object.keys(c).sort()).toEqual(["bestPeer", "better", "ceiling", "id", "orrery", "peers", "reference", "title", "unit", "vsBestPeer", "vsCeiling", "vsReference"]);
        expect(c.bestPeer).toBeNull();
      }
      expect(r.comparisons.find((c) => c.id === "write")!.vsCeiling).toBeGreaterThan(0);
      expect(Object.keys(r.peakRssMiB.orrery ?? {})).toEqual(["n1", "n2", "n3"]);
      for (const v of Object.values(r.peakRssMiB.orrery ?? {})) expect(v).toBeGreaterThan(0);
      // Each workload's own peaks (high-water marks reset before it), none above the run's.
      for (const id of WORKLOAD_IDS) {
        const peaks = r.results[id]!.orrery!.peakRssMiB ?? {};
        expect(Object.keys(peaks), `peaks of ${id}`).toEqual(["n1", "n2", "n3"]);
        for (const [node, v] of Object.entries(peaks)) {
          expect(v).toBeGreaterThan(0);
          expect(v).toBeLessThanOrEqual(r.peakRssMiB.orrery![node]!);
        }
      }
      expect(stdout).toContain("peak RSS of the worst node by workload (MiB):");
      expect(r.strace).toBeNull();
      // The run's directory is gone (not --keep), and nothing is mounted under it.
      expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(dir);
      expect(Bun.spawnSync(["ls", r.config.dataRoot]).exitCode).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
  240_000,
);
