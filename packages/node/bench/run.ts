#!/usr/bin/env bun
// `pnpm bench`: measures the machine's ceilings, then a local 3-node Orrery cluster (large upload, download,
// small files, RSS) — the "core" part — and then the self-healing part (failure detection and re-replication on
// 5 nodes, bytes moved when a 4th node joins 3), and prints a JSON report and tables. `--only core|heal` runs one
// part. It reports numbers; it never fails on one. `--compare` runs GlusterFS and MooseFS beside Orrery instead
// (bench/compare/main.ts).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, tmpdir, totalmem, type } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { type Ceilings, CeilingServer, measureCeilings } from "./ceilings.ts";
import { BenchCluster } from "./cluster.ts";
import { DETECTION_POLL_MS, type FailureResult, failureBenchmark, HEAL_REPLICATION_FACTOR, type HealContext, type JoinResult, joinBenchmark } from "./heal.ts";
import { healFileSizes } from "./heal-math.ts";
import { runCompare } from "./compare/main.ts";
import { COMPARE_USAGE, type CompareOptions, parseCompareOptions } from "./compare/options.ts";
import { type BenchOptions, parseOptions, USAGE } from "./options.ts";
import { peerSecurityBenchmark, type PeerSecurityResult } from "./peer-security.ts";
import { Payload } from "./payload.ts";
import { type BenchReport, computeRatios, type HealReport, type NodeLog, renderReport, TARGETS, UNITS } from "./report.ts";
import { ProcessSampler } from "./rss.ts";
import { MB, MiB } from "./stats.ts";
import { type DownloadResult, downloadLarge, type SmallFilesResult, smallFiles, type UploadResult, uploadLarge } from "./workloads.ts";

const NODES = 3;
const REPLICATION_FACTOR = 3;
/** The self-healing data set is uploaded in files of this size. */
const HEAL_FILE_MIB = 16;
/** The node's own default, set explicitly for the self-healing nodes so the detection figure means the default. */
const GOSSIP_INTERVAL_MS = 1000;

const t0 = performance.now();
const log = (line: string) => process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);

function machine(): BenchReport["machine"] {
  const c = cpus();
  return {
    cpus: c.length,
    cpuModel: c[0]?.model.trim() ?? "unknown",
    memTotalMB: Math.round(totalmem() / MB),
    kernel: `${type()} ${release()}`,
    bun: Bun.version,
    loadAvgStart: loadavg(),
    loadAvgEnd: [],
  };
}

async function run(opts: BenchOptions): Promise<number> {
  const startedAt = new Date().toISOString();
  const mach = machine();
  const root = mkdtempSync(join(tmpdir(), "orrery-bench-"));
  const size = opts.sizeMiB * MiB;
  const chunkSize = Math.round(Number(process.env.CHUNK_SIZE_MB || 4) * MiB);
  const nonce = crypto.randomUUID().slice(0, 8);
  const problems: string[] = [];
  let exitCode = 0;
  const core = opts.parts.includes("core");

  const server = new CeilingServer();
  const cluster = new BenchCluster({
    root,
    size: NODES,
    env: { REPLICATION_FACTOR: String(REPLICATION_FACTOR), LOG_LEVEL: "warn" },
    cpuProfDir: opts.cpuProfDir,
    log,
  });
  /** Every cluster of the run (the core one, and each self-healing one as it is created). */
  const clusters: BenchCluster[] = [cluster];
  let sampler: ProcessSampler | undefined;

  // Everything this run started is stopped by its PID, once, whichever way the run ends.
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      sampler?.stop();
      await server.stop().catch(() => server.killNow());
      await Promise.all(clusters.map((c) => c.stop().catch(() => c.killNow())));
      if (!opts.keep) rmSync(root, { recursive: true, force: true });
    })());
  const onSignal = (signal: NodeJS.Signals, code: number) => {
    log(`${signal}: stopping the nodes and cleaning up`);
    cleanup().finally(() => process.exit(code));
  };
  process.once("SIGINT", () => onSignal("SIGINT", 130));
  process.once("SIGTERM", () => onSignal("SIGTERM", 143));
  process.once("exit", () => {
    server.killNow();
    for (const c of clusters) c.killNow();
  });

  let ceilings: Ceilings | null = null;
  let upload: UploadResult | null = null;
  let download: DownloadResult | null = null;
  let small: SmallFilesResult | null = null;
  let runError: string | undefined;
  let hwm: Record<string, number | null> = {};
  let observedChunkSize: number | null = null;

  log(`data root ${root}; chunk ${chunkSize / MiB} MiB, run ${nonce}; parts: ${opts.parts.join(", ")}`);
  if (core) try {
    log(`payload ${opts.sizeMiB} MiB`);
    const payload = new Payload({ size, chunkSize, nonce });
    const th = performance.now();
    const expectedSha = payload.sha256();
    log(`payload sha256 ${expectedSha.slice(0, 16)}… (${((performance.now() - th) / 1000).toFixed(1)} s, not timed)`);

    const ceilDir = join(root, "ceilings");
    mkdirSync(ceilDir);
    try {
      ceilings = await measureCeilings(ceilDir, size, payload, server, log);
    } catch (err) {
      problems.push(`ceilings could not be measured: ${(err as Error).message}`);
      log(`ceilings failed: ${(err as Error).message}`);
    }

    log(`starting ${NODES} nodes (RF ${REPLICATION_FACTOR}, LOG_LEVEL=warn)`);
    await cluster.start();
    const pids: Record<string, number> = {};
    for (const n of cluster.nodes) pids[n.id] = n.pid;
    pids.bench = process.pid;
    sampler = new ProcessSampler(pids, 100);
    sampler.start("idle after start");
    const statuses = await cluster.statuses();
    observedChunkSize = statuses[0]!.chunkSize;
    if (statuses.some((s) => s.chunkSize !== chunkSize)) {
      problems.push(`nodes report chunk sizes ${statuses.map((s) => s.chunkSize).join(", ")}, the payload assumed ${chunkSize}: chunks may share content`);
    }
    log(`cluster ready: every node sees ${NODES} alive members`);
    await Bun.sleep(2000);

    const s = sampler;
    const writer = cluster.nodes[0]!;
    const path = `bench-${nonce}/large-${opts.sizeMiB}MiB.bin`;
    s.phase("upload until 201");
    log(`upload ${opts.sizeMiB} MiB to ${writer.id} at durability=quorum`);
    upload = await uploadLarge(cluster, writer, path, payload, expectedSha, log, () => s.phase("upload 201 → 3 copies"));
    if (upload.durableError) problems.push(`all 3 copies were not confirmed: ${upload.durableError}`);

    // Read from a node that did not coordinate the write: its copies came over the transfer port.
    const reader = cluster.nodes[1]!;
    log(`download from ${reader.id}`);
    download = await downloadLarge(reader, path, size, expectedSha, log, (name) => s.phase(name));
    if (!download.warm.sha256Ok || (download.cold && !download.cold.sha256Ok)) {
      problems.push("INTEGRITY: the downloaded bytes do not hash to the uploaded sha256");
      exitCode = 1;
    }

    log(`small files`);
    small = await smallFiles(cluster, `bench-${nonce}/small`, opts.smallCount, opts.concurrency, log, (name) => s.phase(name));
    if (small.put.errors || small.get.errors) {
      problems.push(`small files: ${small.put.errors} PUT and ${small.get.errors} GET errors: ${[...small.put.errorSamples, ...small.get.errorSamples].join(" | ")}`);
      exitCode = 1;
    }
    if (small.settleError) problems.push(`small files did not settle: ${small.settleError}`);

    s.phase("idle after workloads");
    await Bun.sleep(2000);
    hwm = s.highWaterMarks();
  } catch (err) {
    runError = (err as Error).message;
    log(`run failed: ${(err as Error).stack ?? runError}`);
    exitCode = 1;
  }

  const peaks = sampler?.peaks() ?? {};
  const phases = sampler?.stop() ?? [];
  sampler = undefined;
  const nodeLogs: BenchReport["nodeLogs"] = {};
  const stopAndSummarize = async (c: BenchCluster, into: Record<string, NodeLog>, prefix = "") => {
    if (c.nodes.length) log("stopping nodes (SIGTERM)");
    await c.stop().catch((err) => problems.push(`${prefix}stopping nodes: ${(err as Error).message}`));
    if (c.nodes.length) log(`nodes stopped: ${c.nodes.map((n) => `${n.id} ${n.killed ? "(SIGKILLed by the benchmark)" : n.stopResult ? `${n.stopResult.ms.toFixed(0)} ms` : "?"}`).join(", ")}`);
    for (const n of c.nodes) {
      const summary = n.logSummary();
      into[n.id] = { ...summary, ...(n.unexpectedExit ? { unexpectedExit: n.unexpectedExit } : {}), ...(n.stopResult ? { stop: n.stopResult } : {}) };
      if (n.stopResult?.killedAfterGrace) problems.push(`${prefix}node ${n.id} did not exit within 10 s of SIGTERM and was SIGKILLed`);
      if (n.unexpectedExit) {
        problems.push(`${prefix}node ${n.id} died during the run: ${n.unexpectedExit}`);
        exitCode = 1;
      }
      if (summary.errors) problems.push(`${prefix}node ${n.id} logged ${summary.errors} error(s)`);
    }
  };
  await stopAndSummarize(cluster, nodeLogs);
  if (core && !opts.keep) for (const n of cluster.nodes) rmSync(n.dataDir, { recursive: true, force: true });

  let security: PeerSecurityResult | null = null;
  if (opts.parts.includes("security")) {
    try {
      security = await peerSecurityBenchmark({
        root: join(root, "security"),
        sizeMiB: opts.sizeMiB,
        smallCount: opts.smallCount,
        concurrency: opts.concurrency,
        rounds: opts.securityRounds,
        chunkSize,
        nonce,
        keep: opts.keep,
        cpuProfDir: opts.cpuProfDir,
        log,
        register: (c) => clusters.push(c),
      });
    } catch (err) {
      problems.push(`security part failed: ${(err as Error).message}`);
      log(`security part failed: ${(err as Error).stack ?? (err as Error).message}`);
      exitCode = 1;
    }
  }

  let heal: HealReport | null = null;
  if (opts.parts.includes("heal")) {
    const files = healFileSizes(opts.healSizeMiB, HEAL_FILE_MIB);
    heal = {
      config: {
        replicationFactor: HEAL_REPLICATION_FACTOR,
        sizeMiB: opts.healSizeMiB,
        fileMiB: Math.min(HEAL_FILE_MIB, opts.healSizeMiB),
        files: files.length,
        durability: "quorum",
        gossipIntervalMs: GOSSIP_INTERVAL_MS,
        rebalanceBandwidthMBps: opts.healBandwidthMBps,
        graceS: opts.healGraceS,
        logLevel: "debug",
        detectionPollMs: DETECTION_POLL_MS,
        placementCheckDebounceMs: 1000,
      },
      failure: null,
      join: null,
      nodeLogs: {},
    };
    let current: BenchCluster | undefined;
    const ctx: HealContext = {
      root: join(root, "heal"),
      nonce,
      settings: {
        sizeMiB: opts.healSizeMiB,
        fileMiB: HEAL_FILE_MIB,
        bandwidthMBps: opts.healBandwidthMBps,
        graceS: opts.healGraceS,
        gossipIntervalMs: GOSSIP_INTERVAL_MS,
        logLevel: "debug",
        chunkSize,
      },
      cpuProfDir: opts.cpuProfDir,
      log,
      register: (c) => {
        current = c;
        clusters.push(c);
      },
    };
    const h = heal;
    // Each benchmark has its own cluster, stopped (and its data removed) before the next one starts.
    const scenario = async <T,>(name: "failure" | "join", body: () => Promise<T>): Promise<T | null> => {
      current = undefined;
      let result: T | null = null;
      try {
        result = await body();
      } catch (err) {
        const msg = (err as Error).message;
        if (name === "failure") h.failureError = msg;
        else h.joinError = msg;
        problems.push(`heal/${name} failed: ${msg.split("\n")[0]}`);
        log(`heal/${name} failed: ${(err as Error).stack ?? msg}`);
        exitCode = 1;
      }
      const c = current as BenchCluster | undefined;
      if (c) {
        await stopAndSummarize(c, h.nodeLogs, `heal/${name}: `);
        if (!opts.keep) for (const n of c.nodes) rmSync(n.dataDir, { recursive: true, force: true });
      }
      return result;
    };
    h.failure = await scenario<FailureResult>("failure", () => failureBenchmark(ctx));
    h.join = await scenario<JoinResult>("join", () => joinBenchmark(ctx));
    for (const [name, r] of [["failure", h.failure], ["join", h.join]] as const) {
      if (!r) continue;
      if (r.readBack.mismatches.length) {
        problems.push(`INTEGRITY: heal/${name}: read-back after the heal does not match the upload: ${r.readBack.mismatches.join("; ")}`);
        exitCode = 1;
      }
    }
    if (h.failure?.rereplication.completeError) problems.push(`heal/failure: ${h.failure.rereplication.completeError}`);
    if (h.failure && h.failure.detection.allDeadMs === null) problems.push("heal/failure: not every survivor reported the killed node dead");
    if (h.join?.completeError) problems.push(`heal/join: ${h.join.completeError}`);
  }

  if (mach.loadAvgStart[0]! > 0.5) {
    problems.push(`the machine was busy at start (load average ${mach.loadAvgStart[0]!.toFixed(2)}): other work competes for the CPUs and disk`);
  }
  if (opts.cpuProfDir) log(`CPU profiles of the nodes are in ${opts.cpuProfDir}`);
  const tc = performance.now();
  await cleanup();
  if (!opts.keep) log(`removed ${root} in ${((performance.now() - tc) / 1000).toFixed(1)} s`);
  if (opts.keep) log(`kept data dirs and node logs in ${root}`);

  mach.loadAvgEnd = loadavg();
  const base: Omit<BenchReport, "ratios"> = {
    schema: "orrery-bench/1",
    startedAt,
    finishedAt: new Date().toISOString(),
    units: UNITS,
    machine: mach,
    config: {
      parts: opts.parts,
      nodes: NODES,
      replicationFactor: REPLICATION_FACTOR,
      durability: "quorum",
      chunkSize: observedChunkSize ?? (core ? null : chunkSize),
      sizeMiB: opts.sizeMiB,
      smallCount: opts.smallCount,
      securityRounds: opts.securityRounds,
      concurrency: opts.concurrency,
      quick: opts.quick,
      dataRoot: root,
      kept: opts.keep,
    },
    targets: TARGETS,
    ceilings,
    upload,
    download,
    smallFiles: small,
    security,
    heal,
    rss: { peakSampledMB: peaks, hwmMB: hwm },
    phases,
    nodeLogs,
    problems,
    ...(runError ? { error: runError } : {}),
  };
  const report: BenchReport = { ...base, ratios: computeRatios(base, cluster.nodes.map((n) => n.id)) };
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const table = renderReport(report);
  if (opts.jsonFile) {
    writeFileSync(opts.jsonFile, json);
    process.stdout.write(`\n${table}`);
    log(`JSON report written to ${opts.jsonFile}`);
  } else {
    process.stderr.write(`\n${table}\n`);
    process.stdout.write(json);
  }
  return exitCode;
}

/** pnpm runs the script in packages/node; relative paths given on its command line mean the caller's directory. */
const callerPath = (p: string | undefined) => (p === undefined || isAbsolute(p) ? p : resolve(process.env.INIT_CWD ?? process.cwd(), p));

// `--compare` is its own benchmark with its own flags (bench/compare/).
const argv = process.argv.slice(2);
if (argv.includes("--compare")) {
  const rest = argv.filter((a) => a !== "--compare");
  let copts: CompareOptions;
  try {
    const parsed = parseCompareOptions(rest);
    copts = { ...parsed, jsonFile: callerPath(parsed.jsonFile), cpuProfDir: callerPath(parsed.cpuProfDir), dir: callerPath(parsed.dir) };
  } catch (err) {
    process.stderr.write(`bench --compare: ${(err as Error).message}\n${COMPARE_USAGE}\n`);
    process.exit(2);
  }
  if (copts.help) {
    process.stdout.write(`${COMPARE_USAGE}\n`);
    process.exit(0);
  }
  process.exit(await runCompare(copts, rest));
}

let opts: BenchOptions;
try {
  const parsed = parseOptions(argv);
  opts = { ...parsed, jsonFile: callerPath(parsed.jsonFile), cpuProfDir: callerPath(parsed.cpuProfDir) };
} catch (err) {
  process.stderr.write(`bench: ${(err as Error).message}\n${USAGE}\n`);
  process.exit(2);
}
if (opts.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
process.exit(await run(opts));
