// `pnpm bench --compare`: the ceilings of this machine, then GlusterFS, MooseFS and Orrery side by side, the same
// workloads through the same client program, every figure a median of N repetitions, systems taking turns within
// each repetition (and the first turn rotating) so that the machine's noise falls on all of them alike. Writes a
// JSON report and prints a table. Everything it starts is stopped by PID, its mounts unmounted and its network
// namespaces deleted at the end, also on an error or Ctrl-C.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, tmpdir, totalmem, type } from "node:os";
import { join } from "node:path";
import { CeilingServer } from "../ceilings.ts";
import { MB, MiB } from "../stats.ts";
import { measureCeilings } from "./ceilings.ts";
import { type CompareOptions } from "./options.ts";
import { BenchLan, removeStale } from "./netns.ts";
import { OwnProcesses } from "./own-processes.ts";
import { compare, type CompareReport, type Figure, higherPeaks, medianOf, renderReport } from "./report.ts";
import { SkipWorkload } from "./s3.ts";
import { StraceSession, type StracePass, summarizePass } from "./strace.ts";
import { GlusterSystem } from "./systems/glusterfs.ts";
import { MooseSystem } from "./systems/moosefs.ts";
import { OrrerySystem } from "./systems/orrery.ts";
import type { SystemId, SystemUnderTest } from "./systems/system.ts";
import { type CeilingId, type Sizes, WORKLOADS, type WorkloadId, withSetups, workloadTitle } from "./workload-ids.ts";
import { WorkloadRunner } from "./workloads.ts";

const REPO = join(import.meta.dir, "..", "..", "..", "..");
const t0 = performance.now();
const log = (line: string) => process.stderr.write(`[compare ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
const uptime = () => Bun.spawnSync(["uptime"], { stdout: "pipe" }).stdout.toString().trim();

/** Mount points at or below `dir` (a FUSE mount left there must never be walked by rm -r). */
function mountsUnder(dir: string): string[] {
  try {
    return readFileSync("/proc/self/mountinfo", "utf8")
      .split("\n")
      .map((l) => l.split(" ")[4] ?? "")
      .filter((t) => t === dir || t.startsWith(`${dir}/`));
  } catch {
    return [];
  }
}

function ensurePeerTools(): void {
  const script = join(REPO, "scripts", "system-deps.sh");
  const r = Bun.spawnSync(["sh", script, "compare"], { stdout: "inherit", stderr: "inherit" });
  if (r.exitCode !== 0) throw new Error(`the peers' packages are missing and could not be installed (sh ${script} compare)`);
}

export async function runCompare(opts: CompareOptions, argv: string[]): Promise<number> {
  const startedAt = new Date().toISOString();
  const uptimeStart = uptime();
  const loadAvgStart = loadavg();
  const problems: string[] = [];
  let failures = 0;
  const isRoot = process.getuid?.() === 0;

  if (opts.peers && !isRoot) {
    process.stderr.write("bench --compare: the peers need root (network namespaces, FUSE mounts); run as root or pass --no-peers\n");
    return 2;
  }
  if (opts.strace && !Bun.which("strace")) {
    process.stderr.write("bench --compare --strace: strace is not installed (sh scripts/system-deps.sh compare)\n");
    return 2;
  }
  if (opts.peers) {
    ensurePeerTools();
    removeStale(log);
  }

  const base = opts.dir ?? tmpdir();
  mkdirSync(base, { recursive: true });
  const root = mkdtempSync(join(base, `orrery-compare-${process.pid}-`));
  const nonce = crypto.randomUUID().slice(0, 8);
  const chunkSize = Math.round(Number(process.env.CHUNK_SIZE_MB || 4) * MiB);
  const sizes: Sizes = { sizeMiB: opts.sizeMiB, smallCount: opts.smallCount, clients: opts.clients, cold: opts.dropCaches };
  const own = new OwnProcesses();
  const ceilingServer = new CeilingServer();
  const lan = opts.peers ? new BenchLan() : undefined;
  const orrery = new OrrerySystem({ root, cpuProfDir: opts.cpuProfDir, log });
  const peers: SystemUnderTest[] = [];
  const started: SystemUnderTest[] = [];

  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      // Mounts first: a client blocked on a FUSE mount cannot be killed before it is gone.
      for (const p of peers) await p.stop().catch((err) => problems.push(`stopping ${p.id}: ${(err as Error).message}`));
      await orrery.stop();
      await ceilingServer.stop().catch(() => ceilingServer.killNow());
      await own.stopAll();
      if (lan) problems.push(...(await lan.destroy()));
      const left = mountsUnder(root);
      if (left.length) problems.push(`mounts still present, ${root} kept: ${left.join(", ")}`);
      else if (!opts.keep) rmSync(root, { recursive: true, force: true });
    })());
  const onSignal = (signal: NodeJS.Signals, code: number) => {
    log(`${signal}: unmounting, stopping every process this run started, deleting its namespaces`);
    cleanup().finally(() => process.exit(code));
  };
  process.once("SIGINT", () => onSignal("SIGINT", 130));
  process.once("SIGTERM", () => onSignal("SIGTERM", 143));
  process.once("exit", () => {
    for (const m of mountsUnder(root)) Bun.spawnSync(["umount", "-l", m]);
    own.killNow();
    orrery.cluster.killNow();
    ceilingServer.killNow();
    lan?.destroyNow();
  });

  const ctx = { own, size: opts.sizeMiB * MiB, smallCount: opts.smallCount, clients: opts.clients, chunkSize, nonce, dropCaches: opts.dropCaches, root, log, problems };
  const runner = new WorkloadRunner(ctx);
  const plan = withSetups(opts.workloads);
  const results: CompareReport["results"] = {};
  let ceilings: CompareReport["ceilings"] = {};
  const peakRssMiB: CompareReport["peakRssMiB"] = {};
  const systemsDetail: CompareReport["config"]["systemsDetail"] = {};
  let straceReport: CompareReport["strace"] = null;
  let runError: string | undefined;

  log(`run directory ${root}; nonce ${nonce}; ${opts.reps} repetition(s); workloads: ${plan.map((p) => (p.timed ? p.id : `(${p.id}, untimed setup)`)).join(", ")}`);
  log(`load: ${uptimeStart}`);
  try {
    const wanted = new Set<CeilingId>(opts.workloads.map((w) => WORKLOADS[w].ceiling).filter((c): c is CeilingId => c !== undefined));
    if (wanted.size) {
      log("ceilings of this machine");
      try {
        ceilings = await measureCeilings(ctx, ceilingServer, opts.reps, sizes, wanted);
      } catch (err) {
        problems.push(`ceilings: ${(err as Error).message}`);
        log(`ceilings failed: ${(err as Error).message}`);
      }
    }

    if (lan) {
      log(`network namespaces ${lan.tag}-* on ${lan.subnet}.0/24`);
      lan.create();
      for (const make of [() => new GlusterSystem(lan, own, root, log), () => new MooseSystem(lan, own, root, log)]) {
        const sys = make();
        peers.push(sys);
        log(`starting ${sys.id}`);
        try {
          await sys.start();
          started.push(sys);
        } catch (err) {
          failures++;
          problems.push(`${sys.id} did not start: ${(err as Error).message.split("\n")[0]}`);
          log(`${sys.id} did not start: ${(err as Error).message}`);
        }
      }
    }
    log("starting orrery (3 nodes)");
    await orrery.start();
    started.push(orrery);
    for (const s of started) systemsDetail[s.id] = s.describe();

    for (const step of plan) {
      const spec = WORKLOADS[step.id];
      const systems = started.filter((s) => spec.peers || s.id === "orrery");
      const title = workloadTitle(step.id, sizes);
      // High-water marks from here: each workload's own peak, and the run's as the highest of them.
      for (const s of systems) s.resetPeakRss();
      const foldPeaks = () => {
        const peaks = systems.map((s) => [s, s.peakRssMiB()] as const);
        for (const [s, p] of peaks) peakRssMiB[s.id] = higherPeaks(peakRssMiB[s.id], p);
        return new Map(peaks.map(([s, p]) => [s.id, p]));
      };
      if (!step.timed) {
        log(`${title}: untimed setup for a workload that reads its files`);
        for (const s of systems) await runner.run(step.id, s, "setup");
        foldPeaks();
        continue;
      }
      log(title);
      const figures: Partial<Record<SystemId, Figure>> = {};
      for (const s of systems) figures[s.id] = { runs: [], median: null };
      for (let rep = 0; rep < opts.reps; rep++) {
        for (let k = 0; k < systems.length; k++) {
          const s = systems[(k + rep) % systems.length]!;
          const fig = figures[s.id]!;
          if (fig.skipped) continue;
          try {
            const cpuBefore = s.cpuSeconds?.();
            const m = await runner.run(step.id, s, rep);
            if (cpuBefore) m.cpuSec = cpuSpent(cpuBefore, s.cpuSeconds!());
            fig.runs.push(m);
            if (m.value === null) failures++;
            log(`  ${s.id.padEnd(9)} rep ${rep + 1}: ${m.value === null ? `FAILED ${m.errorSamples[0] ?? ""}` : `${m.value.toFixed(1)} ${spec.unit}`}${m.latencyP50Ms != null ? ` (p50 ${m.latencyP50Ms.toFixed(1)} ms, p99 ${m.latencyP99Ms?.toFixed(1)} ms)` : ""}${m.cpuSec ? `, CPU s per node ${Object.values(m.cpuSec).map((v) => (v === null ? "-" : v.toFixed(1))).join(" / ")}` : ""}`);
          } catch (err) {
            if (!(err instanceof SkipWorkload)) throw err;
            fig.skipped = err.message;
            log(`  ${s.id}: skipped: ${err.message}`);
          }
        }
      }
      for (const f of Object.values(figures)) f!.median = medianOf(f!.runs);
      for (const [id, peaks] of foldPeaks()) figures[id]!.peakRssMiB = peaks;
      results[step.id] = figures;
    }

    // Read before anything stops: the kernel's high-water marks go with the processes.
    for (const s of started) peakRssMiB[s.id] = higherPeaks(peakRssMiB[s.id], s.peakRssMiB());

    if (opts.strace) straceReport = await stracePasses(opts, runner, orrery, own, root, sizes, chunkSize, problems);
  } catch (err) {
    runError = (err as Error).message;
    failures++;
    log(`run failed: ${(err as Error).stack ?? runError}`);
  }

  log("stopping: unmounting, stopping every process of the run, deleting the namespaces");
  for (const s of started) peakRssMiB[s.id] = higherPeaks(peakRssMiB[s.id], s.peakRssMiB());
  await cleanup();
  for (const n of orrery.nodes) {
    if (n.unexpectedExit) {
      failures++;
      problems.push(`orrery node ${n.id} died during the run: ${n.unexpectedExit}`);
    }
    const summary = n.logSummary();
    if (summary.errors) problems.push(`orrery node ${n.id} logged ${summary.errors} error(s): ${summary.samples[0]?.slice(0, 200) ?? ""}`);
  }
  if (opts.cpuProfDir) log(`CPU profiles of the Orrery nodes: ${opts.cpuProfDir}`);
  if (loadAvgStart[0]! > 1) problems.push(`the machine was busy at the start (load average ${loadAvgStart.map((l) => l.toFixed(2)).join(", ")}): absolute figures are noisy; the ratios of one run are what to read`);

  const c = cpus();
  const report: CompareReport = {
    schema: "orrery-bench-compare/1",
    startedAt,
    finishedAt: new Date().toISOString(),
    command: `pnpm bench --compare ${argv.join(" ")}`.trim(),
    machine: {
      cpus: c.length,
      cpuModel: c[0]?.model.trim() ?? "unknown",
      memTotalMB: Math.round(totalmem() / MB),
      kernel: `${type()} ${release()}`,
      bun: Bun.version,
      uptimeStart,
      uptimeEnd: uptime(),
      loadAvgStart,
      loadAvgEnd: loadavg(),
    },
    config: {
      systems: [...(opts.peers ? (["glusterfs", "moosefs"] as SystemId[]) : []), "orrery"],
      workloads: opts.workloads,
      reps: opts.reps,
      sizeMiB: opts.sizeMiB,
      smallCount: opts.smallCount,
      clients: opts.clients,
      dropCaches: opts.dropCaches,
      quick: opts.quick,
      dataRoot: root,
      client:
        "bench/compare/client.ts, one Bun process per client: FUSE mounts through node:fs (open, 1 MiB writes or 4 KiB, fsync, close; 1 MiB reads), Orrery through fetch (streamed PUT ?durability=…, GET); bodies SHA-256 checked",
      systemsDetail,
    },
    ceilings,
    results,
    peakRssMiB,
    comparisons: compare(results, ceilings, peakRssMiB, sizes),
    strace: straceReport,
    cpuProfDir: opts.cpuProfDir ?? null,
    problems,
    ...(runError ? { error: runError } : {}),
  };
  const jsonFile = opts.jsonFile ?? join(tmpdir(), `orrery-compare-${startedAt.replace(/[:.]/g, "-")}.json`);
  writeFileSync(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\n${renderReport(report)}`);
  process.stdout.write(`\nJSON report: ${jsonFile}\n`);
  if (opts.keep && existsSync(root)) log(`kept ${root}`);
  return failures ? 1 : 0;
}

/** One more run of each timed files-API workload on Orrery with strace -c on every node. */
async function stracePasses(
  opts: CompareOptions,
  runner: WorkloadRunner,
  orrery: OrrerySystem,
  own: OwnProcesses,
  root: string,
  sizes: Sizes,
  chunkSize: number,
  problems: string[],
): Promise<NonNullable<CompareReport["strace"]>> {
  const dir = join(root, "strace");
  mkdirSync(dir, { recursive: true });
  const passes: StracePass[] = [];
  for (const id of opts.workloads) {
    const unit = WORKLOADS[id].straceUnit;
    if (!unit) continue;
    const units = unit === "chunk" ? Math.ceil((opts.sizeMiB * MiB) / chunkSize) : opts.smallCount;
    const base = { workload: id, title: workloadTitle(id as WorkloadId, sizes), unit, units };
    log(`strace pass: ${base.title} (${units} ${unit}s)`);
    const session = new StraceSession(own);
    try {
      await session.attach(orrery.nodes.map((n) => ({ node: n.id, pid: n.pid, file: join(dir, `${id}-${n.id}.txt`) })));
      const m = await runner.run(id, orrery, "strace");
      const counts = await session.detach();
      const pass = summarizePass(base, counts);
      if (m.value === null) pass.error = `the workload failed under strace: ${m.errorSamples[0] ?? ""}`;
      passes.push(pass);
      log(`  ${pass.fsyncsPerUnit?.toFixed(2)} fsyncs and ${pass.syscallsPerUnit?.toFixed(1)} syscalls per ${unit} (all nodes)`);
    } catch (err) {
      await session.detach().catch(() => ({}));
      problems.push(`strace pass ${id}: ${(err as Error).message}`);
      passes.push({ ...summarizePass(base, {}), error: (err as Error).message });
    }
  }
  return { command: "strace -c -f -p <node pid>, attached for the workload only, one per node", passes };
}

/** CPU seconds per process between two readings (null for one that was not there both times). */
function cpuSpent(before: Record<string, number | null>, after: Record<string, number | null>): Record<string, number | null> {
  return Object.fromEntries(Object.entries(after).map(([id, a]) => [id, a !== null && before[id] != null ? Math.round((a - before[id]!) * 100) / 100 : null]));
}
