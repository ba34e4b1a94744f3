// The litmus WebDAV compliance suite (basic, copymove, props, locks, http) against a real node:
// every suite must run and report zero failures. One node of a 3-node cluster, so writes wait for a quorum.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TestCluster } from "../harness/cluster.ts";

const SUITES = ["basic", "copymove", "props", "locks", "http"];

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await TestCluster.start(3, { replicationFactor: 3 });
});
afterAll(async () => {
  await cluster?.stop();
});

/** "<- summary for `basic': of 16 tests run: 16 passed, 0 failed. 100.0%" per suite. */
function parseLitmusSummaries(output: string): Map<string, { run: number; passed: number; failed: number }> {
  const out = new Map<string, { run: number; passed: number; failed: number }>();
  for (const m of output.matchAll(/<- summary for `(\w+)': of (\d+) tests run: (\d+) passed, (\d+) failed/g)) {
    out.set(m[1]!, { run: Number(m[2]), passed: Number(m[3]), failed: Number(m[4]) });
  }
  return out;
}

test("litmus passes every suite with no failures", async () => {
  if (!Bun.which("litmus")) throw new Error("litmus is not installed (apt-get install -y litmus)");
  // litmus writes debug.log and child.log into its working directory.
  const cwd = mkdtempSync(join(tmpdir(), "orrery-litmus-"));
  try {
    const proc = Bun.spawn(["litmus", `${cluster.nodes[0]!.url}/dav/`], { cwd, stdout: "pipe", stderr: "pipe" });
    const timer = setTimeout(() => proc.kill(), 90_000);
    const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
    await proc.exited;
    clearTimeout(timer);
    const output = stdout + stderr;
    const summaries = parseLitmusSummaries(output);
    for (const line of output.split("\n")) if (/<- summary|FAIL|WARNING/.test(line)) console.log(line.trim());
    const failing = output.split("\n").filter((l) => /FAIL/.test(l));
    expect(failing).toEqual([]);
    for (const suite of SUITES) {
      const s = summaries.get(suite);
      expect(s, `suite ${suite} did not report a summary:\n${output}`).toBeDefined();
      expect(s!.failed).toBe(0);
      expect(s!.passed).toBe(s!.run);
    }
  } finally {
    if (process.env.KEEP_TEST_DATA) console.log(`litmus logs in ${cwd}`);
    else rmSync(cwd, { recursive: true, force: true });
  }
}, 120_000);
