// One fuzz campaign: a real 3-node cluster (test harness), a baseline of files, then every input family
// at once against every node, paced to reach the input count in the time given, then the checks: every
// node up, membership as before, every baseline byte as before, nothing new anywhere, RSS flat, and no
// anomaly (a write accepted, a request never answered). Returns everything the report prints.
import { ClusterKey } from "../src/security/cluster-key.ts";
import { Keyring } from "../src/security/keyring.ts";
import { TestCluster, waitFor } from "../test/harness/cluster.ts";
import { type BaselineFile, membershipSettled, type NodeView, viewCluster, writeBaseline } from "./cluster-state.ts";
import { type FuzzMember, GossipInputs } from "./gossip-inputs.ts";
import { HttpInputs } from "./http-inputs.ts";
import { runHttp } from "./http-driver.ts";
import { errorLinesSince, levelsSince, logOffsets } from "./node-logs.ts";
import { type Counters, counterDelta, type Lag, readMetrics } from "./node-metrics.ts";
import { Pace } from "./pace.ts";
import { Rng } from "./rng.ts";
import { rssMiB } from "./rss.ts";
import { type RecentInput, Tally } from "./tally.ts";
import { runConnections, runFrameSessions } from "./transfer-driver.ts";
import { ConnectionInputs, FrameInputs } from "./transfer-inputs.ts";
import { runUdp } from "./udp-driver.ts";
import { MAX_CHUNK_SIZE_BYTES } from "../src/store/chunk-storage.ts";

export interface CampaignOptions {
  seed: number;
  /** Inputs to send (the campaign stops once they are sent). */
  inputs: number;
  /** Hard bound on the sending phase, in seconds. */
  seconds: number;
  /** RSS is taken as the reference once this share of the campaign is done (default: 10 %, and at least 10 s). */
  warmup?: number;
  /** Allowed RSS change from the warm-up figure to the end, as a fraction. */
  rssTolerance?: number;
  log?: (line: string) => void;
}

/** Shares of the input volume; UDP also takes up whatever the others fall behind. */
const SHARES = { udp: 0.55, frames: 0.33, http: 0.1, connections: 0.02 };
const WORKERS = { framesPerNode: 2, http: 6, connections: 3 };

export interface NodeReport {
  pid: number;
  rssWarmupMiB?: number;
  rssEndMiB?: number;
  rssPeakMiB?: number;
  rssChange?: number;
  /** Median RSS of each tenth of the campaign, MiB. */
  rssTraceMiB: Array<number | undefined>;
  counters: Counters;
  /** The node's own event-loop lag over the campaign (seconds): a stall shows here, whatever caused it. */
  eventLoopLag: Lag;
  logLevels: Record<string, number>;
  errorLines: string[];
  incarnations: Record<string, [number, number]>;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface CampaignResult {
  seed: number;
  requested: number;
  sent: number;
  seconds: number;
  rate: number;
  /** The fuzzer's longest event-loop stall, ms (its timings of answers include it). */
  fuzzerLagMs: number;
  byFamily: Record<string, number>;
  byNode: Record<string, number>;
  httpStatus: Record<string, number>;
  anomalies: Record<string, { count: number; examples: string[] }>;
  notes: Record<string, number>;
  /** The slowest HTTP answers and frame batches, with what was sent. */
  slowest: Array<{ ms: number; what: string }>;
  filtered: { gossipValidSkipped: number; rpcValidSkipped: number; httpRegenerated: number };
  nodes: Record<string, NodeReport>;
  checks: Check[];
  ok: boolean;
  /** Only when a check failed: the last inputs each node received. */
  recentInputs?: Record<string, RecentInput[]>;
}

export async function runCampaign(opts: CampaignOptions): Promise<CampaignResult> {
  const log = opts.log ?? (() => {});
  // Before ~10 s the nodes' heaps are still growing into the load whatever the inputs are.
  const warmup = opts.warmup ?? Math.min(0.5, Math.max(0.1, 10 / opts.seconds));
  const tolerance = opts.rssTolerance ?? 0.2;
  const root = new Rng(opts.seed);
  log(`seed ${opts.seed}: starting 3 nodes`);
  const cluster = await TestCluster.start(3, { chunkSizeMb: 1, gossipIntervalMs: 1000, env: { LOG_LEVEL: "warn" } });
  try {
    const baseline = await writeBaseline(cluster, root.fork("baseline"));
    const ids = cluster.nodes.map((n) => n.id).sort();
    await waitFor(async () => membershipSettled(await viewCluster(cluster, baseline), ids), 30_000, "the baseline to be readable everywhere");
    const before = await viewCluster(cluster, baseline);
    // This scrape also restarts the nodes' event-loop lag histograms, so the one after covers the campaign.
    const countersBefore = Object.fromEntries(await Promise.all(cluster.nodes.map(async (n) => [n.id, (await readMetrics(n.url)).counters] as const)));
    const offsets = new Map(cluster.nodes.map((n) => [n.id, logOffsets(n.logFile)]));
    log(`baseline: ${baseline.length} files (${baseline.reduce((s, f) => s + f.chunks.length, 0)} chunks) on ${ids.join(", ")}`);

    const tally = new Tally();
    const send = await sendPhase(cluster, baseline, opts, root, tally, warmup, log);

    log("checking");
    const deadline = Date.now() + 30_000;
    let after = await viewCluster(cluster, baseline);
    while (!membershipSettled(after, ids) && Date.now() < deadline && cluster.nodes.every((n) => n.running)) {
      await Bun.sleep(1000);
      after = await viewCluster(cluster, baseline);
    }
    const nodes: Record<string, NodeReport> = {};
    for (const n of cluster.nodes) {
      const metrics = n.running ? await readMetrics(n.url).catch(() => undefined) : undefined;
      const counters = metrics ? counterDelta(countersBefore[n.id]!, metrics.counters) : {};
      const incarnations: Record<string, [number, number]> = {};
      for (const m of after[n.id]!.members) {
        const was = before[n.id]!.members.find((x) => x.id === m.id)?.incarnation ?? -1;
        if (was !== m.incarnation) incarnations[m.id] = [was, m.incarnation];
      }
      const warm = send.rssWarmup[n.id];
      const end = send.rssEnd[n.id];
      nodes[n.id] = {
        pid: n.proc!.pid,
        rssWarmupMiB: warm,
        rssEndMiB: end,
        rssPeakMiB: send.rssPeak[n.id],
        rssTraceMiB: send.rssTrace.map((t) => t[n.id]),
        rssChange: warm && end ? end / warm - 1 : undefined,
        counters,
        eventLoopLag: metrics?.lag ?? {},
        logLevels: levelsSince(n.logFile, offsets.get(n.id)!),
        errorLines: errorLinesSince(n.logFile, offsets.get(n.id)!),
        incarnations,
      };
    }
    const checks = judge({ cluster: cluster.nodes.map((n) => ({ id: n.id, running: n.running })), ids, before, after, baseline, nodes, tally, opts, tolerance });
    const ok = checks.every((c) => c.ok);
    return {
      seed: opts.seed,
      requested: opts.inputs,
      sent: tally.total,
      seconds: send.seconds,
      fuzzerLagMs: send.fuzzerLagMs,
      rate: Math.round(tally.total / send.seconds),
      byFamily: Object.fromEntries([...tally.byFamily].sort()),
      byNode: Object.fromEntries(tally.byNode),
      httpStatus: Object.fromEntries([...tally.httpStatus].sort()),
      anomalies: Object.fromEntries(tally.anomalies),
      notes: Object.fromEntries(tally.notes),
      slowest: tally.slowest,
      filtered: send.filtered,
      nodes,
      checks,
      ok,
      recentInputs: ok ? undefined : tally.recentInputs(),
    };
  } finally {
    await cluster.stop();
  }
}

interface SendResult {
  seconds: number;
  fuzzerLagMs: number;
  rssWarmup: Record<string, number | undefined>;
  rssEnd: Record<string, number | undefined>;
  rssPeak: Record<string, number | undefined>;
  /** Median RSS of each tenth of the campaign. */
  rssTrace: Array<Record<string, number | undefined>>;
  filtered: CampaignResult["filtered"];
}

/** Runs every worker until the inputs are sent, the time is up, or a node died. */
async function sendPhase(cluster: TestCluster, baseline: BaselineFile[], opts: CampaignOptions, root: Rng, tally: Tally, warmup: number, log: (l: string) => void): Promise<SendResult> {
  const members: FuzzMember[] = cluster.nodes.map((n) => ({ id: n.id, gossipPort: n.gossipPort, httpPort: n.httpPort, transferPort: n.transferPort }));
  const ids = members.map((m) => m.id);
  const keyring = Keyring.of(new ClusterKey(cluster.clusterKey));
  const chunkIds = baseline.flatMap((f) => f.chunks);
  const files = baseline.map((f) => f.path);
  // Aim to finish a little before the bound, so a slow start does not cost the count.
  const rate = opts.inputs / (opts.seconds * 0.85);
  const pace = {
    udp: new Pace(rate * SHARES.udp),
    frames: new Pace(rate * SHARES.frames),
    http: new Pace(rate * SHARES.http),
    connections: new Pace(rate * SHARES.connections),
  };
  let stop = false;
  const stopped = () => stop;
  const gossip = new GossipInputs(root.fork("udp"), members, cluster.clusterKey);
  const frameGens: FrameInputs[] = [];
  const httpGens: HttpInputs[] = [];
  const workers: Promise<void>[] = [runUdp(members, gossip, pace.udp, tally, stopped)];
  for (const m of members) {
    for (let k = 0; k < WORKERS.framesPerNode; k++) {
      const rng = root.fork(`frames/${m.id}/${k}`);
      // A node bounds chunk frames by the ceiling of the live chunk size setting, not by its CHUNK_SIZE_MB.
      const gen = new FrameInputs(rng, ids, chunkIds, MAX_CHUNK_SIZE_BYTES);
      frameGens.push(gen);
      workers.push(runFrameSessions(m, k % 2 === 1, { keyring, gen, rng, pace: pace.frames, tally, stopped }));
    }
  }
  for (let k = 0; k < WORKERS.http; k++) {
    const rng = root.fork(`http/${k}`);
    const gen = new HttpInputs(rng, files);
    httpGens.push(gen);
    workers.push(runHttp(members, { gen, rng, pace: pace.http, tally, stopped }));
  }
  for (let k = 0; k < WORKERS.connections; k++) {
    const rng = root.fork(`connections/${k}`);
    workers.push(runConnections(members, { gen: new ConnectionInputs(rng, cluster.clusterKey), rng, pace: pace.connections, tally, stopped }));
  }

  // The fuzzer's own event-loop lag: a stall here delays every answer it times, so the report tells the two apart.
  let fuzzerLagMs = 0;
  let tick = performance.now();
  const lagTimer = setInterval(() => {
    const now = performance.now();
    fuzzerLagMs = Math.max(fuzzerLagMs, now - tick - 50);
    tick = now;
  }, 50);
  const pids = Object.fromEntries(cluster.nodes.map((n) => [n.id, n.proc!.pid]));
  const samples: RssSample[] = [];
  const t0 = performance.now();
  let pausedMs = 0;
  let lastLog = 0;
  let lastTotal = 0;
  let rssWarmup: Record<string, number | undefined> | undefined;
  for (;;) {
    await Bun.sleep(250);
    const elapsed = (performance.now() - t0 - pausedMs) / 1000;
    const progress = Math.max(tally.total / opts.inputs, elapsed / opts.seconds);
    samples.push({ progress, rss: Object.fromEntries(Object.entries(pids).map(([id, pid]) => [id, rssMiB(pid)])) });
    if (!rssWarmup && progress >= warmup) {
      const pauseStart = performance.now();
      rssWarmup = await settledRss(pids, Object.values(pace));
      pausedMs += performance.now() - pauseStart;
      log(`warm-up RSS (MiB, inputs paused, after a full collection): ${fmtRss(rssWarmup)}`);
    }
    // Behind schedule: the datagrams (cheap for everyone) make up the difference over the next second.
    const behind = rate * elapsed - tally.total;
    pace.udp.rate = rate * SHARES.udp + Math.max(0, Math.min(behind, rate * 2));
    const dead = cluster.nodes.filter((n) => !n.running);
    if (elapsed - lastLog >= 10) {
      log(`${elapsed.toFixed(0)} s: ${tally.total} inputs (${Math.round((tally.total - lastTotal) / (elapsed - lastLog))}/s), RSS ${fmtRss(samples[samples.length - 1]!.rss)}`);
      lastLog = elapsed;
      lastTotal = tally.total;
    }
    if (progress >= 1 || dead.length > 0) {
      if (dead.length > 0) log(`node(s) ${dead.map((n) => n.id).join(", ")} exited`);
      break;
    }
  }
  const final = samples[samples.length - 1]!.progress;
  stop = true;
  await Promise.race([Promise.all(workers), Bun.sleep(30_000)]);
  clearInterval(lagTimer);
  const seconds = (performance.now() - t0 - pausedMs) / 1000;
  const end = await settledRss(pids, []);
  log(`sent ${tally.total} inputs in ${seconds.toFixed(1)} s; RSS at the end (MiB, after a full collection): ${fmtRss(end)}`);
  const peak: Record<string, number | undefined> = {};
  for (const s of samples) for (const [id, v] of Object.entries(s.rss)) if (v !== undefined) peak[id] = Math.max(peak[id] ?? 0, v);
  return {
    seconds,
    fuzzerLagMs: Math.round(fuzzerLagMs),
    rssWarmup: rssWarmup ?? {},
    rssEnd: end,
    rssPeak: peak,
    rssTrace: Array.from({ length: 10 }, (_, i) => medianRss(samples, (i * final) / 10, ((i + 1) * final) / 10)),
    filtered: {
      gossipValidSkipped: gossip.validSkipped,
      rpcValidSkipped: frameGens.reduce((s, g) => s + g.validSkipped, 0),
      httpRegenerated: httpGens.reduce((s, g) => s + g.regenerated, 0),
    },
  };
}

interface RssSample {
  /** Share of the campaign done: of the inputs, or of the time, whichever is further. */
  progress: number;
  rss: Record<string, number | undefined>;
}

/**
 * RSS saws up and down with garbage collection (by a third within seconds while the inputs flow, with the
 * memory governor's collections above MEMORY_LIMIT_MB), so the two figures compared are taken at rest: the
 * inputs paused, each node told to collect its garbage (SIGUSR2, see main.ts), and read once the allocator
 * has had the time to return freed pages (MIMALLOC_PURGE_DELAY, 1 s). What is still there is live: a leak
 * grows it, garbage does not.
 */
async function settledRss(pids: Record<string, number>, paces: Pace[]): Promise<Record<string, number | undefined>> {
  const rates = paces.map((p) => p.rate);
  for (const p of paces) p.rate = 0;
  await Bun.sleep(500); // answers in flight
  for (const pid of Object.values(pids)) {
    try {
      process.kill(pid, "SIGUSR2");
    } catch {
      // gone: rssMiB says so
    }
  }
  await Bun.sleep(1500);
  const rss = Object.fromEntries(Object.entries(pids).map(([id, pid]) => [id, rssMiB(pid)]));
  paces.forEach((p, i) => (p.rate = rates[i]!));
  return rss;
}

function medianRss(samples: RssSample[], from: number, to: number): Record<string, number | undefined> {
  const inWindow = samples.filter((s) => s.progress >= from && s.progress <= to);
  const ids = Object.keys(samples[0]?.rss ?? {});
  return Object.fromEntries(
    ids.map((id) => {
      const values = inWindow.map((s) => s.rss[id]).filter((v): v is number => v !== undefined).sort((a, b) => a - b);
      return [id, values.length === 0 ? undefined : values[Math.floor(values.length / 2)]];
    }),
  );
}

function fmtRss(r: Record<string, number | undefined>): string {
  return Object.entries(r)
    .map(([id, v]) => `${id} ${v === undefined ? "gone" : v.toFixed(0)}`)
    .join(", ");
}

interface JudgeInput {
  cluster: Array<{ id: string; running: boolean }>;
  ids: string[];
  before: Record<string, NodeView>;
  after: Record<string, NodeView>;
  baseline: BaselineFile[];
  nodes: Record<string, NodeReport>;
  tally: Tally;
  opts: CampaignOptions;
  tolerance: number;
}

/** The checks, each with what it saw. */
function judge({ cluster, ids, before, after, baseline, nodes, tally, opts, tolerance }: JudgeInput): Check[] {
  const checks: Check[] = [];
  const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const down = cluster.filter((n) => !n.running || !after[n.id]!.up).map((n) => n.id);
  check("every node up", down.length === 0, down.length === 0 ? `${cluster.length} nodes answer /status` : `down: ${down.join(", ")}`);
  check("inputs sent", tally.total >= opts.inputs, `${tally.total} of ${opts.inputs}`);

  const membership = Object.entries(after).filter(([, v]) => !(v.members.length === ids.length && v.members.every((m, i) => m.id === ids[i] && m.state === "alive")));
  check(
    "membership unchanged",
    membership.length === 0,
    membership.length === 0 ? `every node sees ${ids.join(", ")} alive` : membership.map(([id, v]) => `${id} sees ${v.members.map((m) => `${m.id}:${m.state}`).join(" ") || "nothing"}`).join("; "),
  );

  const changed: string[] = [];
  for (const [id, v] of Object.entries(after)) {
    for (const f of baseline) if (v.files[f.path] !== f.sha256) changed.push(`${f.path} via ${id}: ${v.files[f.path] ?? "missing"}`);
  }
  check("baseline files unchanged", changed.length === 0, changed.length === 0 ? `${baseline.length} files × ${cluster.length} nodes read back with their sha256` : changed.join("; "));

  const listings: string[] = [];
  for (const [id, v] of Object.entries(after)) {
    const was = before[id]!;
    if (v.baselineEntries.join("/") !== was.baselineEntries.join("/")) listings.push(`${id} baseline folder: ${v.baselineEntries.join(", ")}`);
    if (v.rootEntries.join("/") !== was.rootEntries.join("/")) listings.push(`${id} root: ${v.rootEntries.join(", ")}`);
    if (v.scratchStatus !== 404) listings.push(`${id} scratch folder answers ${v.scratchStatus}`);
  }
  check("no new entries", listings.length === 0, listings.length === 0 ? "baseline folder and root list as before; the scratch folder does not exist" : listings.join("; "));

  const rss = Object.entries(nodes).map(([id, n]) => ({ id, ...n }));
  const badRss = rss.filter((n) => n.rssChange === undefined || Math.abs(n.rssChange) > tolerance);
  check(
    `RSS flat (±${Math.round(tolerance * 100)} %)`,
    badRss.length === 0,
    rss.map((n) => `${n.id} ${n.rssWarmupMiB?.toFixed(0)} → ${n.rssEndMiB?.toFixed(0)} MiB (${n.rssChange === undefined ? "?" : `${(n.rssChange * 100).toFixed(1)} %`})`).join(", "),
  );

  for (const kind of ["write-accepted", "unanswered", "handshake-refused", "server-error"] as const) {
    const a = tally.anomalies.get(kind);
    check(`no ${kind}`, !a, a ? `${a.count}× e.g. ${a.examples[0]}` : "none");
  }
  return checks;
}
