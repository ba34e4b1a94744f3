// `pnpm sim`: runs the deterministic cluster simulator over one or many seeds and prints, per failure,
// the invariant, the offending path/chunk/node and the command that replays it; then a summary.
import { parseArgs } from "node:util";
import { loadHash64 } from "../ring/hash.ts";
import { type Broken, brokenModes } from "./context.ts";
import { runScenario } from "./runner.ts";
import { type CaseName, caseNames, deriveScenario, describe, type Overrides } from "./scenario.ts";

const USAGE = `usage: pnpm sim [--seeds K] [--seed S] [--nodes N] [--loss P] [--duration-s T] [--heal-s H]
                [--vnodes V] [--chunk-sync-s S] [--rebalance-grace-s G] [--wire] [--broken ${brokenModes.join("|")}]
                [--case ${caseNames.join("|")}] [--kills N] [--partitions N] [--joins N]
                [--permanent-loss 0|1] [--boot join|restart] [--trace] [--quiet]
  --seeds K       run K seeds (from --seed, default 1); default: 5 seeds
  --seed S        the (first) seed
  --nodes N       cluster size (default: drawn from the seed, 5-50)
  --loss P        message loss during chaos, 0-1 (default: drawn, 0-10%)
  --duration-s T  chaos phase in virtual seconds (default: drawn, 20-90)
  --heal-s H      bound on convergence after healing, virtual seconds (default 300)
  --vnodes V      virtual nodes per member on the ring (default 16, 8 above 100 nodes)
  --chunk-sync-s S       chunk anti-entropy period (CHUNK_SYNC_INTERVAL_S, default 300, or off)
  --rebalance-grace-s G  surplus sweeper grace (REBALANCE_GRACE_S, default 120, or off)
  --wire          send every gossip datagram through its wire encoding (peer calls always go through JSON and zod)
  --broken X      put an old or wrong rule back (to see the checker catch it)
  --case X        run a scripted case of the consistency issue instead of random chaos (see cases.ts)
  --kills, --partitions, --joins, --permanent-loss, --boot   pin these fault counts (default: drawn)
  --trace         print the event log of every run
  --trace-grep R  with --trace, only the lines matching the regular expression R
  --jobs J        run the seeds in J processes (default 1)
  --quiet         print only the seeds that fail, and the summary`;

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

function numberFlag(values: Record<string, unknown>, name: string, check: (n: number) => boolean): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || !check(n)) fail(`invalid --${name}: ${String(raw)}`);
  return n;
}

const { values } = (() => {
  try {
    return parseArgs({
      args: process.argv.slice(2),
      options: {
        seeds: { type: "string" },
        seed: { type: "string" },
        nodes: { type: "string" },
        loss: { type: "string" },
        "duration-s": { type: "string" },
        "heal-s": { type: "string" },
        vnodes: { type: "string" },
        "chunk-sync-s": { type: "string" },
        "rebalance-grace-s": { type: "string" },
        wire: { type: "boolean" },
        broken: { type: "string", multiple: true },
        case: { type: "string" },
        kills: { type: "string" },
        partitions: { type: "string" },
        joins: { type: "string" },
        "permanent-loss": { type: "string" },
        boot: { type: "string" },
        trace: { type: "boolean" },
        "trace-grep": { type: "string" },
        quiet: { type: "boolean" },
        jobs: { type: "string" },
        stride: { type: "string" },
        "summary-json": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
})();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const isInt = (n: number) => Number.isSafeInteger(n);
const firstSeed = numberFlag(values, "seed", (n) => isInt(n) && n >= 0 && n < 2 ** 32) ?? 1;
const seedCount = numberFlag(values, "seeds", (n) => isInt(n) && n >= 1) ?? (values.seed !== undefined ? 1 : 5);
for (const b of values.broken ?? []) if (!brokenModes.includes(b as Broken)) fail(`unknown --broken ${b}`);
if (values.case !== undefined && !caseNames.includes(values.case as CaseName)) fail(`unknown --case ${values.case}`);
const overrides: Overrides = {
  nodes: numberFlag(values, "nodes", (n) => isInt(n) && n >= 1 && n <= 5000),
  loss: numberFlag(values, "loss", (n) => n >= 0 && n < 1),
  durationS: numberFlag(values, "duration-s", (n) => n > 0),
  healS: numberFlag(values, "heal-s", (n) => n > 0),
  vnodes: numberFlag(values, "vnodes", (n) => isInt(n) && n >= 1 && n <= 4096),
  chunkSyncS: values["chunk-sync-s"] === "off" ? 0 : numberFlag(values, "chunk-sync-s", (n) => n >= 0),
  rebalanceGraceS: values["rebalance-grace-s"] === "off" ? -1 : numberFlag(values, "rebalance-grace-s", (n) => n >= 0),
  wire: values.wire,
  broken: values.broken as Broken[] | undefined,
  case: values.case as CaseName | undefined,
  kills: numberFlag(values, "kills", (n) => isInt(n) && n >= 0),
  partitions: numberFlag(values, "partitions", (n) => isInt(n) && n >= 0),
  joins: numberFlag(values, "joins", (n) => isInt(n) && n >= 0),
  permanentLoss: ((n) => (n === undefined ? undefined : n === 1))(numberFlag(values, "permanent-loss", (n) => n === 0 || n === 1)),
  boot: ((b) => (b === undefined || b === "join" || b === "restart" ? b : fail(`invalid --boot ${b}`)))(values.boot),
};

interface Totals {
  seeds: number;
  failed: number;
  violations: number;
  virtualMs: number;
  messages: number;
  acked: number;
  writes: number;
  deletes: number;
  reads: number;
  conditional: number;
  maxConverge: number;
  replays: string[];
}
const newTotals = (): Totals => ({
  seeds: 0, failed: 0, violations: 0, virtualMs: 0, messages: 0, acked: 0, writes: 0, deletes: 0, reads: 0, conditional: 0, maxConverge: 0, replays: [],
});
const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n));
const SUMMARY_TAG = "@@sim-summary ";

/** Runs seeds first, first + stride, ... (count of them) in this process. */
async function runHere(first: number, count: number, stride: number): Promise<Totals> {
  const hash = await loadHash64();
  const grep = values["trace-grep"] === undefined ? undefined : new RegExp(values["trace-grep"]);
  const print = !values.trace ? undefined : grep ? (line: string) => grep.test(line) && console.log(line) : (line: string) => console.log(line);
  const totals = newTotals();
  for (let i = 0; i < count; i++) {
    const seed = (first + i * stride) >>> 0;
    const params = deriveScenario(seed, overrides);
    if (values.trace) console.log(`# seed ${seed}: ${describe(params)}`);
    const r = await runScenario(params, { hash, print });
    totals.seeds++;
    totals.virtualMs += r.virtualMs;
    totals.messages += r.messages;
    totals.acked += r.writes.acked;
    totals.reads += r.reads.acked;
    totals.conditional += r.conditional.acked;
    totals.writes += r.writes.attempted;
    totals.deletes += r.deletes.acked;
    if (r.convergedAfterMs !== undefined) totals.maxConverge = Math.max(totals.maxConverge, r.convergedAfterMs);
    const ok = r.violations.length === 0;
    const lines: string[] = [];
    if (!values.quiet || !ok) {
      lines.push(
        `seed ${String(seed).padEnd(6)} ${String(params.nodes).padStart(3)} nodes ${params.boot.padEnd(7)} ` +
          `virt ${(r.virtualMs / 1000).toFixed(0).padStart(4)} s  msgs ${fmt(r.messages).padStart(6)}  ` +
          `writes ${r.writes.acked}/${r.writes.attempted}, deletes ${r.deletes.acked}/${r.deletes.attempted}, ` +
          `reads ${r.reads.acked}/${r.reads.attempted}, conditional ${r.conditional.acked}/${r.conditional.attempted} (${r.conditional.refused} refused)  ` +
          `${r.lost.length ? `lost ${r.lost.join(",")}  ` : ""}` +
          `converged ${r.convergedAfterMs === undefined ? "never" : `${(r.convergedAfterMs / 1000).toFixed(0)} s`}  ` +
          `wall ${(r.wallMs / 1000).toFixed(2)} s  ${ok ? "ok" : "VIOLATION"}`,
      );
    }
    if (!values.quiet || !ok) lines.push(...r.report.map((line) => `  ${line}`));
    if (!ok) {
      totals.failed++;
      totals.violations += r.violations.length;
      totals.replays.push(r.replay);
      lines.push(`  scenario: ${describe(params)}`);
      for (const v of r.violations) {
        const where = [v.path && `path ${v.path}`, v.chunk && `chunk ${v.chunk}`, v.node && `node ${v.node}`].filter(Boolean).join(", ");
        lines.push(`  seed ${seed} invariant ${v.invariant}: ${v.message}${where ? `\n    (${where})` : ""}`);
      }
      const focus = r.violations.find((v) => v.chunk)?.chunk?.slice(0, 8) ?? r.violations.find((v) => v.path)?.path;
      lines.push(`  replay: ${r.replay}`);
      lines.push(`  event log: add --trace${focus ? ` (e.g. --trace --trace-grep '${focus}|KILL|RESTART|PARTITION|HEAL|JOIN')` : ""}`);
    }
    if (lines.length > 0) console.log(lines.join("\n"));
  }
  return totals;
}

/** Splits the seeds over `jobs` child processes (seed i goes to child i mod jobs) and adds up their totals. */
async function runInChildren(first: number, count: number, jobs: number): Promise<Totals> {
  const own = new Set(["--jobs", "--seed", "--seeds"]);
  const args: string[] = [];
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const name = a.split("=")[0]!;
    if (own.has(name)) {
      if (!a.includes("=")) i++;
      continue;
    }
    args.push(a);
  }
  const children = Array.from({ length: Math.min(jobs, count) }, (_, k) => {
    const n = Math.ceil((count - k) / jobs);
    return Bun.spawn(
      [process.execPath, import.meta.path, ...args, "--seed", String(first + k), "--seeds", String(n), "--stride", String(jobs), "--summary-json"],
      { stdout: "pipe", stderr: "inherit" },
    );
  });
  const totals = newTotals();
  await Promise.all(
    children.map(async (child) => {
      let buffered = "";
      const decoder = new TextDecoder();
      const onLine = (line: string) => {
        if (!line.startsWith(SUMMARY_TAG)) return console.log(line);
        const t = JSON.parse(line.slice(SUMMARY_TAG.length)) as Totals;
        for (const k of ["seeds", "failed", "violations", "virtualMs", "messages", "acked", "writes", "deletes", "reads", "conditional"] as const) totals[k] += t[k];
        totals.maxConverge = Math.max(totals.maxConverge, t.maxConverge);
        totals.replays.push(...t.replays);
      };
      for await (const chunk of child.stdout) {
        buffered += decoder.decode(chunk, { stream: true });
        const lines = buffered.split("\n");
        buffered = lines.pop()!;
        lines.forEach(onLine);
      }
      if (buffered) onLine(buffered);
      const code = await child.exited;
      if (code !== 0 && code !== 1) throw new Error(`a simulator process exited with code ${code}`);
    }),
  );
  return totals;
}

const wallStart = performance.now();
const jobs = numberFlag(values, "jobs", (n) => isInt(n) && n >= 1 && n <= 64) ?? 1;
const stride = numberFlag(values, "stride", (n) => isInt(n) && n >= 1) ?? 1;
if (jobs > 1 && values.trace) fail("--trace needs --jobs 1");
const totals = jobs > 1 && seedCount > 1 ? await runInChildren(firstSeed, seedCount, jobs) : await runHere(firstSeed, seedCount, stride);
if (values["summary-json"]) {
  console.log(SUMMARY_TAG + JSON.stringify(totals));
  process.exit(0);
}
const wallS = (performance.now() - wallStart) / 1000;
console.log(
  `\n${totals.seeds} seed(s), ${(totals.virtualMs / 1000).toFixed(0)} s virtual, ${fmt(totals.messages)} messages, ` +
    `${totals.acked}/${totals.writes} writes, ${totals.deletes} deletes, ${totals.reads} reads and ${totals.conditional} conditional writes acknowledged, ` +
    `slowest convergence ${totals.failed === totals.seeds ? "-" : `${(totals.maxConverge / 1000).toFixed(0)} s`}, ` +
    `${totals.violations} violation(s) in ${totals.failed} seed(s), wall ${wallS.toFixed(1)} s`,
);
if (totals.replays.length > 0) {
  console.log("replay:");
  for (const r of totals.replays) console.log(`  ${r}`);
}
process.exit(totals.replays.length > 0 ? 1 : 0);
