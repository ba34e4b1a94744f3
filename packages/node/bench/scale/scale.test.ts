// pnpm scale: its flags, its summary (what counts as a false suspicion, an imperfect view), and a short real
// run (5 nodes at once, 8 s watched) as CI's version of the 100-node run.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { parseScaleArgs, ScaleUsageError } from "./options.ts";
import { renderScale, type ScaleInput, type ScaleReport, summarise } from "./report.ts";

describe("pnpm scale options", () => {
  test("defaults: 100 nodes at once, 3 seeds, 10 minutes watched", () => {
    expect(parseScaleArgs([])).toMatchObject({ nodes: 100, staggerMs: 0, seeds: 3, holdS: 600, convergeTimeoutS: 300 });
    expect(parseScaleArgs(["--nodes", "2", "--seeds", "5"]).seeds).toBe(2);
  });
  test("bad values are refused with the flag's name", () => {
    expect(() => parseScaleArgs(["--nodes", "0"])).toThrow(ScaleUsageError);
    expect(() => parseScaleArgs(["--hold-s", "x"])).toThrow("--hold-s");
    expect(() => parseScaleArgs(["--bogus"])).toThrow(ScaleUsageError);
  });
});

describe("pnpm scale summary", () => {
  const base = (over: Partial<ScaleInput> = {}): ScaleInput => ({
    options: parseScaleArgs(["--nodes", "3", "--hold-s", "60"]),
    startedAt: 0,
    readyMs: 2000,
    convergedMs: 9000,
    watchFrom: 10_000,
    idleWindowS: 20,
    samples: [],
    events: [],
    processes: [
      { node: "n1", rssMiB: 70, idleCpuPct: 0.4, settledIdleCpuPct: 0.2, holdCpuPct: 1 },
      { node: "n2", rssMiB: 90, idleCpuPct: 0.6, settledIdleCpuPct: 0.4, holdCpuPct: 2 },
    ],
    io: { writes: 3, writeFailures: 0, reads: 3, readFailures: 0, samples: [] },
    machine: { cpus: 2, loadStart: [1, 1, 1], loadEnd: [2, 2, 2] },
    problems: [],
    ...over,
  });

  test("only accusations after convergence count as false; views short of N alive are imperfect", () => {
    const r = summarise(
      base({
        events: [
          { node: "n1", at: 5000, type: "suspect", member: "n3" }, // during the join: not counted
          { node: "n1", at: 11_000, type: "suspect", member: "n2" },
          { node: "n3", at: 12_000, type: "dead", member: "n2" },
        ],
        samples: [
          { node: "n1", at: 9000, alive: 2, suspect: 0, dead: 0 }, // before the watch
          { node: "n1", at: 11_000, alive: 3, suspect: 0, dead: 0 },
          { node: "n2", at: 11_000, alive: 3, suspect: 1, dead: 0 },
          { node: "n3", at: 11_000, alive: 0, suspect: 0, dead: 0, error: "timeout" },
        ],
      }),
      "pnpm scale",
    );
    expect(r.watch).toMatchObject({ falseSuspicions: 1, falseDeaths: 1, membersAccused: 1, samples: 3, imperfectViews: 1, unansweredSamples: 1 });
    expect(r.perNode.rssMiB).toEqual({ mean: 80, max: 90 });
    expect(r.perNode.settledIdleCpuPct.max).toBe(0.4);
    expect(r.perNode.settledIdleCpuPct.mean).toBeCloseTo(0.3);
    expect(renderScale(r)).toContain("the last 20 s (writes over)");
    expect(r.convergedS).toBe(9);
    expect(renderScale(r)).toContain("9.0 s");
  });

  test("a cluster that never converged says so", () => {
    const r = summarise(base({ convergedMs: null, problems: ["not converged within 300 s"] }), "pnpm scale");
    expect(r.convergedS).toBeNull();
    expect(renderScale(r)).toContain("never");
    expect(renderScale(r)).toContain("not converged");
  });
});

test(
  "a real run: 5 nodes started at once converge, nobody is accused, writes and reads work through any node",
  async () => {
    const proc = Bun.spawn([process.execPath, join(import.meta.dir, "run.ts"), "--nodes", "5", "--hold-s", "8", "--sample-every-s", "2", "--converge-timeout-s", "90"], {
      stdout: "pipe",
      stderr: "pipe",
    });
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    if (code !== 0) console.error(err);
    const report = JSON.parse(out) as ScaleReport;
    expect(code).toBe(0);
    expect(report.convergedS).not.toBeNull();
    expect(report.watch).toMatchObject({ falseSuspicions: 0, falseDeaths: 0, unansweredSamples: 0 });
    expect(report.io.writes).toBeGreaterThan(0);
    expect(report.io.writeFailures + report.io.readFailures).toBe(0);
    expect(report.perNode.rssMiB.mean).toBeGreaterThan(10);
    // Both idle windows were measured: right after convergence, and at the end once the writes stopped.
    expect(report.perNode.idleCpuPct.mean).toBeGreaterThan(0);
    expect(report.perNode.settledIdleCpuPct.mean).toBeGreaterThan(0);
  },
  120_000,
);
