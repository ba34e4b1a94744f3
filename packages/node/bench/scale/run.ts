// `pnpm scale`: N real nodes on this host started together, how long they take to agree on who is alive,
// whether they keep agreeing (no false suspicions or deaths) while idle and under a light workload, and what
// a node costs in RSS and CPU. Every process is stopped at the end, also on an error or Ctrl-C.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { NodeStatus, ResponseOf } from "@orrery/api";
import { BenchNode } from "../cluster.ts";
import { freePort } from "../../test/harness/ports.ts";
import { parseScaleArgs, SCALE_USAGE, ScaleUsageError, type ScaleOptions } from "./options.ts";
import { type IoCounts, type MemberEvent, type ProcessFigures, renderScale, summarise, type ViewSample } from "./report.ts";

const log = (line: string) => process.stderr.write(`[scale ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
const t0 = performance.now();

/** CPU ticks (user + system, in ms) and RSS (MiB) of a process, from /proc. */
function proc(pid: number): { cpuMs: number; rssMiB: number } {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    return { cpuMs: (Number(f[11]) + Number(f[12])) * 10, rssMiB: rss / 1024 };
  } catch {
    return { cpuMs: Number.NaN, rssMiB: Number.NaN };
  }
}

async function getJson<T>(url: string, timeoutMs = 5000): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return (await res.json()) as T;
}

async function sampleViews(nodes: BenchNode[]): Promise<ViewSample[]> {
  return Promise.all(
    nodes.map(async (n): Promise<ViewSample> => {
      const at = Date.now();
      try {
        const { members } = await getJson<NodeStatus>(`${n.url}/status`);
        return { node: n.id, at, alive: members.alive, suspect: members.suspect, dead: members.dead };
      } catch (err) {
        return { node: n.id, at, alive: 0, suspect: 0, dead: 0, error: (err as Error).message };
      }
    }),
  );
}

const perfect = (s: ViewSample, n: number) => !s.error && s.alive === n && s.suspect === 0 && s.dead === 0;

async function start(opts: ScaleOptions, root: string): Promise<BenchNode[]> {
  const clusterKey = randomBytes(32).toString("base64url");
  const nodes: BenchNode[] = [];
  for (let i = 1; i <= opts.nodes; i++) {
    nodes.push(new BenchNode(`n${i}`, join(root, `n${i}`), join(root, `n${i}.log`), await freePort(), await freePort(), await freePort()));
  }
  const seeds = nodes.slice(0, opts.seeds).map((n) => n.gossipAddr);
  const env = { CLUSTER_KEY: clusterKey, LOG_LEVEL: "warn", S3_PORT: "0", REPLICATION_FACTOR: "3" };
  const command = opts.binary ? [resolve(opts.binary)] : undefined;
  for (const n of nodes) {
    n.start(seeds.filter((s) => s !== n.gossipAddr), env, undefined, command);
    if (opts.staggerMs) await Bun.sleep(opts.staggerMs);
  }
  return nodes;
}

/**
 * Until every node answers HTTP; ms since the first spawn. A node of a hundred started on two cores can take
 * seconds to answer anything, so each attempt may take 10 s (the harness's 1 s never succeeded there).
 */
async function waitReady(nodes: BenchNode[], began: number, timeoutS: number): Promise<number> {
  const deadline = began + timeoutS * 1000;
  await Promise.all(
    nodes.map(async (n) => {
      for (;;) {
        n.assertAlive();
        try {
          await getJson(`${n.url}/status`, 10_000);
          return;
        } catch (err) {
          if (performance.now() > deadline) throw new Error(`${n.id} does not answer GET /status after ${timeoutS} s: ${(err as Error).message}`);
          await Bun.sleep(500);
        }
      }
    }),
  );
  return performance.now() - began;
}

async function waitConverged(nodes: BenchNode[], opts: ScaleOptions, began: number, samples: ViewSample[]): Promise<number | null> {
  const deadline = began + opts.convergeTimeoutS * 1000;
  let lastSay = 0;
  while (performance.now() < deadline) {
    for (const n of nodes) n.assertAlive();
    const round = await sampleViews(nodes);
    samples.push(...round);
    const good = round.filter((s) => perfect(s, opts.nodes)).length;
    if (good === nodes.length) return performance.now() - began;
    if (performance.now() - lastSay > 10_000) {
      lastSay = performance.now();
      const answered = round.filter((s) => !s.error);
      const worst = answered.length ? answered.reduce((w, s) => (s.alive < w.alive ? s : w)) : undefined;
      const suspect = answered.reduce((a, s) => a + s.suspect, 0);
      const dead = answered.reduce((a, s) => a + s.dead, 0);
      const fewest = worst ? `fewest alive ${worst.alive} (${worst.node})` : "none answered";
      log(`  ${good}/${nodes.length} views complete, ${round.length - answered.length} unanswered; ${fewest}; suspect entries ${suspect}, dead ${dead}; load ${loadavg()[0]!.toFixed(1)}`);
    }
    await Bun.sleep(2000);
  }
  return null;
}

/** Writes a small file through one random node and reads it back through another, every 2 s, until `stop`. */
async function workload(nodes: BenchNode[], stop: () => boolean, io: IoCounts): Promise<void> {
  const pick = () => nodes[Math.floor(Math.random() * nodes.length)]!;
  for (let i = 0; !stop(); i++) {
    const body = randomBytes(4096);
    const path = `scale/f${i}.bin`;
    const [w, r] = [pick(), pick()];
    io.writes++;
    try {
      const res = await fetch(`${w.url}/api/files/${path}?durability=quorum`, { method: "PUT", body, signal: AbortSignal.timeout(30_000) });
      if (res.status !== 201) throw new Error(`PUT via ${w.id}: ${res.status} ${(await res.text()).slice(0, 200)}`);
      io.reads++;
      const got = await fetch(`${r.url}/api/files/${path}`, { signal: AbortSignal.timeout(30_000) });
      const bytes = new Uint8Array(await got.arrayBuffer());
      if (got.status !== 200 || !Buffer.from(bytes).equals(body)) {
        io.readFailures++;
        if (io.samples.length < 10) io.samples.push(`GET via ${r.id}: ${got.status}, ${bytes.byteLength} bytes`);
      }
    } catch (err) {
      io.writeFailures++;
      if (io.samples.length < 10) io.samples.push((err as Error).message);
    }
    await Bun.sleep(2000);
  }
}

async function collectEvents(nodes: BenchNode[], problems: string[]): Promise<MemberEvent[]> {
  const out: MemberEvent[] = [];
  await Promise.all(
    nodes.map(async (n) => {
      try {
        const { events } = await getJson<ResponseOf<"recentEvents">>(`${n.url}/api/events/recent?scope=node&limit=1000`);
        for (const e of events) if ((e.type === "suspect" || e.type === "dead") && e.member) out.push({ node: n.id, at: e.at, type: e.type, member: e.member });
      } catch (err) {
        problems.push(`events of ${n.id}: ${(err as Error).message}`);
      }
    }),
  );
  return out;
}

/**
 * The watch: an idle window right after convergence (the join's tail: catch-up rounds with every new peer),
 * then a write and a read every 2 s, then the same idle window again at the end (writes stopped: the steady
 * cost of a quiet cluster, the figure issue 14's idle target is about).
 */
async function watch(nodes: BenchNode[], opts: ScaleOptions, samples: ViewSample[], io: IoCounts) {
  const idleWindowS = Math.min(120, Math.floor(opts.holdS / 3));
  const t0 = performance.now();
  const cpu0 = nodes.map((n) => proc(n.pid).cpuMs);
  const end = t0 + opts.holdS * 1000;
  const idleEnd = t0 + idleWindowS * 1000;
  const loadEnd = end - idleWindowS * 1000;
  let cpuIdle: number[] | undefined;
  let cpuSettled: number[] | undefined;
  let settledAt: number | undefined;
  let load: Promise<void> | undefined;
  log(`watching for ${opts.holdS} s: ${idleWindowS} s idle, then a write and a read every 2 s, then ${idleWindowS} s idle again`);
  while (performance.now() < end) {
    if (!cpuIdle && performance.now() >= idleEnd) {
      cpuIdle = nodes.map((n) => proc(n.pid).cpuMs);
      load = workload(nodes, () => performance.now() >= loadEnd, io);
    }
    if (cpuIdle && !cpuSettled && performance.now() >= loadEnd) {
      await load;
      cpuSettled = nodes.map((n) => proc(n.pid).cpuMs);
      settledAt = performance.now();
    }
    samples.push(...(await sampleViews(nodes)));
    await Bun.sleep(Math.max(0, Math.min(opts.sampleEveryS * 1000, end - performance.now())));
  }
  cpuIdle ??= nodes.map((n) => proc(n.pid).cpuMs);
  await load;
  const settledS = settledAt === undefined ? 0 : (performance.now() - settledAt) / 1000;
  const processes: ProcessFigures[] = nodes.map((n, i) => {
    const now = proc(n.pid);
    return {
      node: n.id,
      rssMiB: now.rssMiB,
      idleCpuPct: idleWindowS ? ((cpuIdle![i]! - cpu0[i]!) / (idleWindowS * 1000)) * 100 : Number.NaN,
      settledIdleCpuPct: cpuSettled && settledS > 0 ? ((now.cpuMs - cpuSettled[i]!) / (settledS * 1000)) * 100 : Number.NaN,
      holdCpuPct: opts.holdS ? ((now.cpuMs - cpu0[i]!) / (opts.holdS * 1000)) * 100 : Number.NaN,
    };
  });
  return { idleWindowS, processes };
}

async function stopAll(nodes: BenchNode[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.stop().catch(() => {})));
}

async function main(argv: string[]): Promise<number> {
  let opts: ScaleOptions;
  try {
    opts = parseScaleArgs(argv);
  } catch (err) {
    if (!(err instanceof ScaleUsageError)) throw err;
    process.stderr.write(`pnpm scale: ${err.message}\n\n${SCALE_USAGE}\n`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(`${SCALE_USAGE}\n`);
    return 0;
  }
  const root = mkdtempSync(join(tmpdir(), "orrery-scale-"));
  const loadStart = loadavg();
  const startedAt = Date.now();
  const samples: ViewSample[] = [];
  const io: IoCounts = { writes: 0, writeFailures: 0, reads: 0, readFailures: 0, samples: [] };
  const problems: string[] = [];
  let nodes: BenchNode[] = [];
  let stopping: Promise<void> | undefined;
  const onSignal = () => {
    stopping ??= stopAll(nodes).then(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    log(`starting ${opts.nodes} nodes${opts.staggerMs ? ` ${opts.staggerMs} ms apart` : " at once"} (data and logs in ${root})`);
    const began = performance.now();
    nodes = await start(opts, root);
    const readyMs = await waitReady(nodes, began, opts.convergeTimeoutS);
    log(`all ${nodes.length} answer HTTP after ${(readyMs / 1000).toFixed(1)} s; waiting for every view to be complete`);
    const convergedMs = await waitConverged(nodes, opts, began, samples);
    if (convergedMs === null) problems.push(`not converged within ${opts.convergeTimeoutS} s`);
    else log(`converged after ${(convergedMs / 1000).toFixed(1)} s`);
    const watchFrom = Date.now();
    const { idleWindowS, processes } = await watch(nodes, opts, samples, io);
    const events = await collectEvents(nodes, problems);
    for (const n of nodes) if (n.unexpectedExit) problems.push(`${n.id} ${n.unexpectedExit}`);
    const report = summarise(
      { options: opts, startedAt, readyMs, convergedMs, watchFrom, idleWindowS, samples, events, processes, io, problems, machine: { cpus: cpus().length, loadStart, loadEnd: loadavg() } },
      `pnpm scale ${argv.join(" ")}`.trim(),
    );
    const json = JSON.stringify(report, null, 2);
    if (opts.jsonFile) writeFileSync(opts.jsonFile, `${json}\n`);
    else process.stdout.write(`${json}\n`);
    process.stderr.write(`\n${renderScale(report)}\n`);
    const clean = convergedMs !== null && report.watch.falseDeaths === 0 && report.watch.falseSuspicions === 0 && io.writeFailures + io.readFailures === 0;
    return clean ? 0 : 1;
  } finally {
    log("stopping every node");
    await (stopping ?? stopAll(nodes));
    if (opts.keep) log(`kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
}

process.exit(await main(process.argv.slice(2)));
