// `pnpm sim`: runs the deterministic cluster simulator over one or many seeds and prints, per failure,
// the invariant, the offending path/chunk/node and the command that replays it; then a summary.
import { parseArgs } from "node:util";
import { loadHash64 } from "../ring/hash.ts";
import { type Broken, brokenModes, type WhatIf, whatIfModes } from "./context.ts";
import { runScenario, type RunResult } from "./runner.ts";
import { deriveScenario, describe, type Overrides } from "./scenario.ts";

const USAGE = `usage: pnpm sim [--seeds K] [--seed S] [--nodes N] [--loss P] [--duration-s T] [--heal-s H]
                [--vnodes V] [--wire] [--broken ${brokenModes.join("|")}]
                [--what-if ${whatIfModes.join("|")}] [--kills N] [--partitions N] [--joins N]
                [--permanent-loss 0|1] [--boot join|restart] [--trace] [--quiet]
  --seeds K       run K seeds (from --seed, default 1); default: 5 seeds
  --seed S        the (first) seed
  --nodes N       cluster size (default: drawn from the seed, 5-50)
  --loss P        message loss during chaos, 0-1 (default: drawn, 0-10%)
  --duration-s T  chaos phase in virtual seconds (default: drawn, 20-90)
  --heal-s H      bound on convergence after healing, virtual seconds (default 300)
  --vnodes V      virtual nodes per member on the ring (default 16, 8 above 100 nodes)
  --wire          send every message through its wire encoding and schema
  --broken X      deliberately break a rule (to see the checker catch it)
  --what-if X     try a candidate change to a real rule (simulator only)
  --kills, --partitions, --joins, --permanent-loss, --boot   pin these fault counts (default: drawn)
  --trace         print the event log of every run`;

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
        wire: { type: "boolean" },
        broken: { type: "string", multiple: true },
        "what-if": { type: "string", multiple: true },
        kills: { type: "string" },
        partitions: { type: "string" },
        joins: { type: "string" },
        "permanent-loss": { type: "string" },
        boot: { type: "string" },
        trace: { type: "boolean" },
        quiet: { type: "boolean" },
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
for (const w of values["what-if"] ?? []) if (!whatIfModes.includes(w as WhatIf)) fail(`unknown --what-if ${w}`);
const overrides: Overrides = {
  nodes: numberFlag(values, "nodes", (n) => isInt(n) && n >= 1 && n <= 5000),
  loss: numberFlag(values, "loss", (n) => n >= 0 && n < 1),
  durationS: numberFlag(values, "duration-s", (n) => n > 0),
  healS: numberFlag(values, "heal-s", (n) => n > 0),
  vnodes: numberFlag(values, "vnodes", (n) => isInt(n) && n >= 1 && n <= 4096),
  wire: values.wire,
  broken: values.broken as Broken[] | undefined,
  whatIf: values["what-if"] as WhatIf[] | undefined,
  kills: numberFlag(values, "kills", (n) => isInt(n) && n >= 0),
  partitions: numberFlag(values, "partitions", (n) => isInt(n) && n >= 0),
  joins: numberFlag(values, "joins", (n) => isInt(n) && n >= 0),
  permanentLoss: ((n) => (n === undefined ? undefined : n === 1))(numberFlag(values, "permanent-loss", (n) => n === 0 || n === 1)),
  boot: ((b) => (b === undefined || b === "join" || b === "restart" ? b : fail(`invalid --boot ${b}`)))(values.boot),
};

const hash = await loadHash64();
const wallStart = performance.now();
const totals = { seeds: 0, failed: 0, violations: 0, virtualMs: 0, messages: 0, acked: 0, weak: 0, writes: 0, deletes: 0, maxConverge: 0 };
const failures: RunResult[] = [];
const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n));

for (let i = 0; i < seedCount; i++) {
  const seed = (firstSeed + i) >>> 0;
  const params = deriveScenario(seed, overrides);
  if (values.trace) console.log(`# seed ${seed}: ${describe(params)}`);
  const r = await runScenario(params, { hash, print: values.trace ? (line) => console.log(line) : undefined });
  totals.seeds++;
  totals.virtualMs += r.virtualMs;
  totals.messages += r.messages;
  totals.acked += r.writes.acked;
  totals.weak += r.writes.weak;
  totals.writes += r.writes.attempted;
  totals.deletes += r.deletes.acked;
  if (r.convergedAfterMs !== undefined) totals.maxConverge = Math.max(totals.maxConverge, r.convergedAfterMs);
  const ok = r.violations.length === 0;
  if (!values.quiet || !ok) {
    console.log(
      `seed ${String(seed).padEnd(6)} ${String(params.nodes).padStart(3)} nodes ${params.boot.padEnd(7)} ` +
        `virt ${(r.virtualMs / 1000).toFixed(0).padStart(4)} s  msgs ${fmt(r.messages).padStart(6)}  ` +
        `writes ${r.writes.acked}/${r.writes.attempted} acked${r.writes.weak ? ` (${r.writes.weak} under a reduced quorum)` : ""}, ` +
        `deletes ${r.deletes.acked}/${r.deletes.attempted}  ` +
        `${r.lost.length ? `lost ${r.lost.join(",")}  ` : ""}` +
        `converged ${r.convergedAfterMs === undefined ? "never" : `${(r.convergedAfterMs / 1000).toFixed(0)} s`}  ` +
        `wall ${(r.wallMs / 1000).toFixed(2)} s  ${ok ? "ok" : "VIOLATION"}`,
    );
  }
  if (!ok) {
    totals.failed++;
    totals.violations += r.violations.length;
    failures.push(r);
    console.log(`  scenario: ${describe(params)}`);
    for (const v of r.violations) {
      const where = [v.path && `path ${v.path}`, v.chunk && `chunk ${v.chunk}`, v.node && `node ${v.node}`].filter(Boolean).join(", ");
      console.log(`  seed ${seed} invariant ${v.invariant}: ${v.message}${where ? `\n    (${where})` : ""}`);
    }
    console.log(`  replay: ${r.replay}   (add --trace for the event log)`);
  }
}

const wallS = (performance.now() - wallStart) / 1000;
console.log(
  `\n${totals.seeds} seed(s), ${(totals.virtualMs / 1000).toFixed(0)} s virtual, ${fmt(totals.messages)} messages, ` +
    `${totals.acked}/${totals.writes} writes (${totals.weak} with a quorum below ⌊RF/2⌋+1) and ${totals.deletes} deletes acknowledged, ` +
    `slowest convergence ${(totals.maxConverge / 1000).toFixed(0)} s, ` +
    `${totals.violations} violation(s) in ${totals.failed} seed(s), wall ${wallS.toFixed(1)} s`,
);
if (failures.length > 0) {
  console.log("replay:");
  for (const f of failures) console.log(`  ${f.replay}`);
}
process.exit(failures.length > 0 ? 1 : 0);
