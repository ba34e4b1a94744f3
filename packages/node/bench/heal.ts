// The self-healing benchmarks, each on its own fresh cluster:
//   failure — 5 nodes, RF 3: SIGKILL one; how long until the others call it dead, and until every chunk is back
//             at 3 copies on live nodes (bytes re-replicated, MB/s);
//   join    — 3 nodes, RF 3: a 4th joins; bytes moved (chunk files that appeared anywhere) against the least a
//             join can move (one copy of every chunk the newcomer owns), and the time until the hand-off is over.
// Both first upload the same kind of data set (16 MiB files at durability=quorum, round-robin over the nodes).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { BenchCluster, type BenchNode, type LogEntry } from "./cluster.ts";
import {
  appeared,
  chunkSizesOf,
  copyCounts,
  type CopySummary,
  detectionTimes,
  handoffBytes,
  type HandoffBytes,
  healFileSizes,
  idealHandoff,
  type IdealHandoff,
  placementMatches,
  settledAt,
  summarizeCopies,
  sumSizes,
  transferLog,
  type TransferLog,
} from "./heal-math.ts";
import { hashedGet, streamedPut } from "./http-client.ts";
import { Payload } from "./payload.ts";
import { type PhaseStats, ProcessSampler } from "./rss.ts";
import { MiB, mbps, ratio } from "./stats.ts";

type Log = (line: string) => void;

export const HEAL_REPLICATION_FACTOR = 3;
/** How often each survivor's GET /api/cluster is polled after the kill. */
export const DETECTION_POLL_MS = 50;
/** How often the chunk directories are listed while waiting for copies. */
const COPIES_POLL_MS = 100;
const UPLOAD_CONCURRENCY = 2;

export interface HealSettings {
  sizeMiB: number;
  fileMiB: number;
  /** REBALANCE_BANDWIDTH_MBPS given to every node (the node reads it as MiB/s per node's queue worker). */
  bandwidthMBps: number;
  /** REBALANCE_GRACE_S for the join benchmark. */
  graceS: number;
  /** GOSSIP_INTERVAL_MS: the node's default, set explicitly so the figure is not a test setting. */
  gossipIntervalMs: number;
  logLevel: "debug";
  chunkSize: number;
}

export interface HealContext {
  root: string;
  nonce: string;
  settings: HealSettings;
  /** Run the nodes under `bun --cpu-prof` with profiles written here (--cpu-prof). */
  cpuProfDir?: string;
  log: Log;
  /** Every cluster is registered before its first node starts, so the run's clean-up can stop it. */
  register: (cluster: BenchCluster) => void;
}

/** CPU and RSS of the bench and the scenario's nodes, per phase (shown like the core benchmark's phases). */
export interface ScenarioProcs {
  phases: PhaseStats[];
  peakSampledMB: Record<string, number | null>;
}

/** Runs a scenario with its own process sampler, stopped however the scenario ends. */
async function sampled<T>(body: (sampler: ProcessSampler) => Promise<T>): Promise<T & { procs: ScenarioProcs }> {
  const sampler = new ProcessSampler({ bench: process.pid }, 100);
  sampler.start("start nodes");
  try {
    const result = await body(sampler);
    const peakSampledMB = sampler.peaks();
    return { ...result, procs: { phases: sampler.stop(), peakSampledMB } };
  } finally {
    sampler.stop();
  }
}

// ---- the data set ----

export interface HealUploadResult {
  files: number;
  bytes: number;
  chunks: number;
  /** First PUT → last 201. */
  ms: number;
  mbps: number | null;
  /** Last 201 → RF copies of every chunk on disk and every replication queue empty. */
  settleMs: number;
}

interface Uploaded {
  result: HealUploadResult;
  files: Array<{ path: string; size: number; sha256: string; chunks: string[] }>;
  ids: string[];
  sizes: Map<string, number>;
}

async function uploadSet(cluster: BenchCluster, ctx: HealContext, dir: string): Promise<Uploaded> {
  const { settings, log } = ctx;
  const sizes = healFileSizes(settings.sizeMiB, settings.fileMiB);
  const nodes = cluster.live();
  const files: Uploaded["files"] = [];
  const chunkSizes = new Map<string, number>();
  log(`  upload ${sizes.length} × ${settings.fileMiB} MiB at durability=quorum, round-robin over ${nodes.map((n) => n.id).join(", ")}, ${UPLOAD_CONCURRENCY} at a time`);
  const t0 = performance.now();
  let next = 0;
  let lastReport = t0;
  const worker = async () => {
    for (let i = next++; i < sizes.length; i = next++) {
      const size = sizes[i]!;
      const node = nodes[i % nodes.length]!;
      const path = `${dir}/f${String(i).padStart(4, "0")}.bin`;
      const payload = new Payload({ size, chunkSize: settings.chunkSize, nonce: `${ctx.nonce}/${dir}/${i}` });
      const put = await streamedPut(`${node.url}/api/files/${path}?durability=quorum`, payload.pieces());
      if (put.status !== 201) throw new Error(`PUT ${path} to ${node.id}: HTTP ${put.status}: ${put.bodyText.slice(0, 300)}`);
      const body = put.body as { size: number; sha256: string; chunks: string[]; chunkSize?: number };
      if (body.size !== size) throw new Error(`PUT ${path}: node stored ${body.size} bytes, sent ${size}`);
      files[i] = { path, size, sha256: body.sha256, chunks: body.chunks };
      for (const [id, s] of chunkSizesOf(size, body.chunkSize ?? settings.chunkSize, body.chunks)) chunkSizes.set(id, s);
      if (performance.now() - lastReport > 5000) {
        lastReport = performance.now();
        log(`    ${files.filter(Boolean).length}/${sizes.length} files stored`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(UPLOAD_CONCURRENCY, sizes.length) }, worker));
  const ms = performance.now() - t0;
  const bytes = sizes.reduce((a, b) => a + b, 0);
  const ids = [...chunkSizes.keys()];
  log(`  stored ${(bytes / MiB).toFixed(0)} MiB in ${ids.length} chunks in ${(ms / 1000).toFixed(1)} s (${mbps(bytes, ms)?.toFixed(1)} MB/s); waiting for ${HEAL_REPLICATION_FACTOR} copies of each`);

  const t1 = performance.now();
  await waitForCopies(cluster, ids, (s, depth) => s.below === 0 && depth === 0, "every chunk at 3 copies, queues empty", log);
  const settleMs = performance.now() - t1;
  log(`  settled after ${(settleMs / 1000).toFixed(1)} s`);
  return { result: { files: sizes.length, bytes, chunks: ids.length, ms, mbps: mbps(bytes, ms), settleMs }, files, ids, sizes: chunkSizes };
}

const listings = (nodes: BenchNode[]) => new Map(nodes.map((n) => [n.id, n.chunkFiles()] as const));
const queueDepth = async (nodes: BenchNode[]) => (await Promise.all(nodes.map((n) => n.status()))).reduce((s, st) => s + st.queue.depth, 0);

async function waitForCopies(
  cluster: BenchCluster,
  ids: string[],
  done: (s: CopySummary, queueDepth: number) => boolean,
  what: string,
  log: Log,
  timeoutMs = 600_000,
): Promise<void> {
  let lastReport = performance.now();
  await cluster.waitFor(async () => {
    const live = cluster.live();
    const s = summarizeCopies(copyCounts(listings(live).values(), ids), HEAL_REPLICATION_FACTOR);
    const depth = await queueDepth(live);
    if (performance.now() - lastReport > 5000) {
      lastReport = performance.now();
      log(`    copies min ${s.min} max ${s.max}, ${s.below} chunks below 3, queue depth ${depth}`);
    }
    return done(s, depth);
  }, timeoutMs, what, 250);
}

/** GETs a few files from `node` and compares their SHA-256 with what the PUTs reported. */
async function spotCheck(node: BenchNode, files: Uploaded["files"], count: number): Promise<{ checked: number; mismatches: string[] }> {
  const picks = [...new Set(Array.from({ length: Math.min(count, files.length) }, (_, k) => Math.floor((k * files.length) / Math.min(count, files.length))))];
  const mismatches: string[] = [];
  for (const i of picks) {
    const f = files[i]!;
    const got = await hashedGet(`${node.url}/api/files/${f.path}`);
    if (got.status !== 200 || got.bytes !== f.size || got.sha256 !== f.sha256) mismatches.push(`${f.path} from ${node.id}: HTTP ${got.status}, ${got.bytes} bytes, sha256 ${got.sha256.slice(0, 12)}…`);
  }
  return { checked: picks.length, mismatches };
}

const logsSince = (nodes: BenchNode[], offsets: Map<string, number>) =>
  new Map<string, LogEntry[]>(nodes.map((n) => [n.id, n.logSince(offsets.get(n.id) ?? 0)]));

const deliveredTotal = async (nodes: BenchNode[]) => {
  const out = new Map<string, number>();
  for (const n of nodes) out.set(n.id, (await n.health()).queue.delivered);
  return out;
};

function newCluster(ctx: HealContext, name: string, prefix: string, size: number, env: Record<string, string>): BenchCluster {
  const root = join(ctx.root, name);
  mkdirSync(root, { recursive: true });
  const cluster = new BenchCluster({ root, size, idPrefix: prefix, env, cpuProfDir: ctx.cpuProfDir, log: ctx.log });
  ctx.register(cluster);
  return cluster;
}

function nodeEnv(s: HealSettings, extra: Record<string, string> = {}): Record<string, string> {
  return {
    REPLICATION_FACTOR: String(HEAL_REPLICATION_FACTOR),
    GOSSIP_INTERVAL_MS: String(s.gossipIntervalMs),
    REBALANCE_BANDWIDTH_MBPS: String(s.bandwidthMBps),
    LOG_LEVEL: s.logLevel,
    ...extra,
  };
}

function trackNodes(sampler: ProcessSampler, cluster: BenchCluster): void {
  for (const n of cluster.nodes) sampler.addProcess(n.id, n.pid);
}

// ---- 1. failure detection and re-replication ----

export interface FailureResult {
  nodes: number;
  victim: string;
  survivors: string[];
  upload: HealUploadResult;
  detection: {
    pollMs: number;
    /** Per survivor: ms from the SIGKILL until its GET /api/cluster first showed the victim suspect / dead. */
    perNode: Record<string, { suspectMs: number | null; deadMs: number | null; deadInLogMs: number | null }>;
    firstSuspectMs: number | null;
    firstDeadMs: number | null;
    allDeadMs: number | null;
  };
  rereplication: {
    /** Copies of the uploaded chunks the victim held: the copies that had to be made again. */
    copiesLost: number;
    bytesLost: number;
    /** SIGKILL → every uploaded chunk has 3 copies on live nodes (chunk files listed every 100 ms). */
    completeMs: number | null;
    completeError?: string;
    /** SIGKILL → also every survivor's replication queue empty. */
    queuesEmptyMs: number | null;
    /** SIGKILL → the first survivor's placement check queued copies (its log line). */
    firstPlacementCheckMs: number | null;
    /** Chunk files of the uploaded data that appeared on the survivors, and their bytes. */
    copiesMade: number;
    bytesMade: number;
    /** copiesMade ÷ copiesLost: 1 when nothing was copied to a node that did not need it. */
    copiesMadeVsLost: number | null;
    /** Bytes of every chunk PUT the survivors received (their debug logs), ÷ bytesLost: counts repeated sends too. */
    bytesSent: number;
    bytesSentVsLost: number | null;
    /** bytesMade over the time from the kill, and over the time from the first `dead` (the repair itself). */
    mbpsFromKill: number | null;
    mbpsFromFirstDead: number | null;
    after: CopySummary;
  };
  /** The survivors' queue workers: copies sent (GET /api/health queue.delivered, before → after). */
  deliveredByNode: Record<string, number>;
  transfers: TransferLog;
  readBack: { checked: number; mismatches: string[] };
  procs: ScenarioProcs;
}

export const failureBenchmark = (ctx: HealContext) => sampled((sampler) => failure(ctx, sampler));

async function failure(ctx: HealContext, sampler: ProcessSampler): Promise<Omit<FailureResult, "procs">> {
  const { settings: s, log } = ctx;
  const NODES = 5;
  const cluster = newCluster(ctx, "failure", "k", NODES, nodeEnv(s));
  log(`heal/failure: starting ${NODES} nodes (RF 3, GOSSIP_INTERVAL_MS=${s.gossipIntervalMs}, REBALANCE_BANDWIDTH_MBPS=${s.bandwidthMBps}, LOG_LEVEL=${s.logLevel})`);
  await cluster.start();
  trackNodes(sampler, cluster);
  sampler.phase("upload + settle");
  const up = await uploadSet(cluster, ctx, `heal-${ctx.nonce}/failure`);
  const idSet = new Set(up.ids);
  const sizeOf = (id: string) => up.sizes.get(id) ?? s.chunkSize;

  const victim = cluster.nodes[2]!;
  const survivors = cluster.nodes.filter((n) => n !== victim);
  const before = listings(cluster.nodes);
  const lost = [...before.get(victim.id)!].filter((id) => idSet.has(id));
  const delivered0 = await deliveredTotal(survivors);
  const offsets = new Map(survivors.map((n) => [n.id, n.logOffset()] as const));
  await Bun.sleep(1000);

  sampler.phase("kill → 3 copies, queues empty");
  log(`heal/failure: SIGKILL ${victim.id} (pid ${victim.pid}), which held ${lost.length} of the ${up.ids.length * 3} chunk copies`);
  const killWall = Date.now();
  const tKill = victim.kill();
  const since = () => performance.now() - tKill;
  const timeoutMs = Math.max(300_000, (sumSizes(lost, sizeOf) / 2e6) * 1000);

  const perNode: FailureResult["detection"]["perNode"] = {};
  for (const n of survivors) perNode[n.id] = { suspectMs: null, deadMs: null, deadInLogMs: null };
  let stopPolling = false;
  const detect = Promise.all(
    survivors.map(async (n) => {
      const p = perNode[n.id]!;
      while (!stopPolling && p.deadMs === null && since() < timeoutMs) {
        const tick = performance.now();
        try {
          const state = (await n.members(2000)).find((m) => m.id === victim.id)?.state;
          const at = since();
          if (state === "suspect" && p.suspectMs === null) p.suspectMs = at;
          if (state === "dead") {
            p.deadMs = at;
            log(`  ${n.id} reports ${victim.id} dead after ${(at / 1000).toFixed(2)} s`);
          }
        } catch {
          // a slow answer is retried at the next tick
        }
        await Bun.sleep(Math.max(0, DETECTION_POLL_MS - (performance.now() - tick)));
      }
    }),
  );

  let completeMs: number | null = null;
  let completeError: string | undefined;
  let lastReport = performance.now();
  try {
    for (;;) {
      cluster.assertAlive();
      const counts = summarizeCopies(copyCounts(listings(survivors).values(), up.ids), 3);
      if (counts.below === 0) {
        completeMs = since();
        break;
      }
      if (since() > timeoutMs) throw new Error(`not at 3 copies after ${(timeoutMs / 1000).toFixed(0)} s: ${counts.below} chunks below 3`);
      if (performance.now() - lastReport > 5000) {
        lastReport = performance.now();
        log(`    ${(since() / 1000).toFixed(1)} s: ${counts.below} of ${up.ids.length} chunks below 3 live copies`);
      }
      await Bun.sleep(COPIES_POLL_MS);
    }
    log(`  every chunk back at 3 live copies ${(completeMs / 1000).toFixed(2)} s after the kill`);
  } catch (err) {
    completeError = (err as Error).message;
    log(`  re-replication not complete: ${completeError}`);
  }
  // Every survivor calls the victim dead in the end; wait for the last one (at most until the timeout).
  if (completeMs !== null) await Promise.race([detect, Bun.sleep(Math.max(0, timeoutMs - since()))]);
  stopPolling = true;
  await detect;

  let queuesEmptyMs: number | null = null;
  try {
    await cluster.waitFor(async () => (await queueDepth(survivors)) === 0, 120_000, "empty queues on the survivors", 100);
    queuesEmptyMs = since();
  } catch (err) {
    log(`  queues not empty: ${(err as Error).message}`);
  }
  sampler.phase("counting, read-back");
  // Let stragglers (a second sender, a late placement check) land before counting what appeared.
  await Bun.sleep(3000);
  const after = listings(survivors);
  const made = [...appeared(before, after, idSet).values()].flat();
  const delivered1 = await deliveredTotal(survivors);
  const transfers = transferLog(logsSince(survivors, offsets), sizeOf, victim.id);
  for (const n of survivors) {
    const t = transfers.deadAt[n.id];
    perNode[n.id]!.deadInLogMs = t === undefined ? null : t - killWall;
  }
  const dead = detectionTimes(survivors.map((n) => perNode[n.id]!.deadMs));
  const suspect = detectionTimes(survivors.map((n) => perNode[n.id]!.suspectMs));
  const bytesMade = sumSizes(made, sizeOf);
  const readBack = await spotCheck(survivors[0]!, up.files, 4);

  return {
    nodes: NODES,
    victim: victim.id,
    survivors: survivors.map((n) => n.id),
    upload: up.result,
    detection: { pollMs: DETECTION_POLL_MS, perNode, firstSuspectMs: suspect.firstMs, firstDeadMs: dead.firstMs, allDeadMs: dead.allMs },
    rereplication: {
      copiesLost: lost.length,
      bytesLost: sumSizes(lost, sizeOf),
      completeMs,
      ...(completeError ? { completeError } : {}),
      queuesEmptyMs,
      firstPlacementCheckMs: transfers.firstPlacementCheckAt === null ? null : transfers.firstPlacementCheckAt - killWall,
      copiesMade: made.length,
      bytesMade,
      copiesMadeVsLost: ratio(made.length, lost.length),
      bytesSent: transfers.receivedBytes,
      bytesSentVsLost: ratio(transfers.receivedBytes, sumSizes(lost, sizeOf)),
      mbpsFromKill: completeMs === null ? null : mbps(bytesMade, completeMs),
      mbpsFromFirstDead: completeMs === null || dead.firstMs === null ? null : mbps(bytesMade, completeMs - dead.firstMs),
      after: summarizeCopies(copyCounts(after.values(), up.ids), 3),
    },
    deliveredByNode: Object.fromEntries(survivors.map((n) => [n.id, (delivered1.get(n.id) ?? 0) - (delivered0.get(n.id) ?? 0)])),
    transfers,
    readBack,
  };
}

// ---- 2. bytes moved when a 4th node joins ----

export interface JoinResult {
  nodesBefore: number;
  newcomer: string;
  graceS: number;
  upload: HealUploadResult;
  /** Start of the newcomer's process → its HTTP port answers; → every node sees 4 alive members. */
  readyMs: number;
  membershipMs: number | null;
  /** Start → the newcomer's chunk count reached its final value (from the 250 ms listings). */
  newcomerFilledMs: number | null;
  /** Start → chunk files exactly match the owner sets (3 copies of every chunk, surplus deleted) and all queues empty. */
  completeMs: number | null;
  completeError?: string;
  moved: HandoffBytes;
  ideal: IdealHandoff;
  /** moved ÷ ideal (copies of the chunks the newcomer owns): the target is ≤ 1.15. */
  movedVsIdeal: number | null;
  /** moved ÷ an even share (all copies ÷ 4). */
  movedVsEvenShare: number | null;
  /**
   * Bytes of every chunk PUT any node received in the window (the nodes' debug logs), ÷ ideal. Unlike `moved`
   * (files that appeared) it also counts a chunk sent to a node that already had it.
   */
  sentBytes: number;
  sentVsIdeal: number | null;
  after: CopySummary;
  deliveredByNode: Record<string, number>;
  transfers: TransferLog;
  readBack: { checked: number; mismatches: string[] };
  procs: ScenarioProcs;
}

export const joinBenchmark = (ctx: HealContext) => sampled((sampler) => joinScenario(ctx, sampler));

async function joinScenario(ctx: HealContext, sampler: ProcessSampler): Promise<Omit<JoinResult, "procs">> {
  const { settings: s, log } = ctx;
  const NODES = 3;
  const cluster = newCluster(ctx, "join", "j", NODES, nodeEnv(s, { REBALANCE_GRACE_S: String(s.graceS) }));
  log(`heal/join: starting ${NODES} nodes (RF 3, REBALANCE_GRACE_S=${s.graceS}, REBALANCE_BANDWIDTH_MBPS=${s.bandwidthMBps}, LOG_LEVEL=${s.logLevel})`);
  await cluster.start();
  trackNodes(sampler, cluster);
  sampler.phase("upload + settle");
  const up = await uploadSet(cluster, ctx, `heal-${ctx.nonce}/join`);
  const sizeOf = (id: string) => up.sizes.get(id) ?? s.chunkSize;
  const old = [...cluster.nodes];
  const before = listings(old);
  const delivered0 = await deliveredTotal(old);
  const offsets = new Map(old.map((n) => [n.id, n.logOffset()] as const));
  await Bun.sleep(1000);

  sampler.phase("join → hand-off complete");
  const seed = old[0]!;
  log(`heal/join: starting a 4th node with SEEDS=${seed.gossipAddr} (${seed.id})`);
  const t0 = performance.now();
  const since = () => performance.now() - t0;
  const newcomer = await cluster.addNode([seed.gossipAddr]);
  const readyMs = since();
  sampler.addProcess(newcomer.id, newcomer.pid);
  offsets.set(newcomer.id, 0);
  log(`  ${newcomer.id} up after ${(readyMs / 1000).toFixed(2)} s: pid ${newcomer.pid}, http ${newcomer.httpPort}, gossip ${newcomer.gossipPort}`);

  const nodes = cluster.nodes;
  const seen = new Map<string, Set<string>>(nodes.map((n) => [n.id, new Set(before.get(n.id) ?? [])] as const));
  const newcomerCounts: Array<{ ms: number; value: number }> = [];
  const timeoutMs = Math.max(600_000, (up.result.bytes / 2e6) * 1000);
  let membershipMs: number | null = null;
  let completeMs: number | null = null;
  let completeError: string | undefined;
  let owners = new Map<string, string[]>();
  let lastReport = performance.now();
  try {
    for (;;) {
      cluster.assertAlive();
      const at = since();
      const sets = listings(nodes);
      for (const [id, set] of sets) for (const c of set) seen.get(id)!.add(c);
      newcomerCounts.push({ ms: at, value: sets.get(newcomer.id)!.size });
      if (membershipMs === null) {
        const alive = await Promise.all(nodes.map((n) => n.aliveMembers().catch(() => 0)));
        if (alive.every((a) => a === nodes.length)) {
          membershipMs = since();
          log(`  every node sees ${nodes.length} alive members after ${(membershipMs / 1000).toFixed(2)} s`);
        }
      }
      const copies = summarizeCopies(copyCounts(sets.values(), up.ids), 3);
      if (performance.now() - lastReport > 5000) {
        lastReport = performance.now();
        log(`    ${(at / 1000).toFixed(1)} s: ${newcomer.id} holds ${sets.get(newcomer.id)!.size} chunks; ${copies.above} chunks above 3 copies, ${copies.below} below`);
      }
      if (membershipMs !== null && copies.below === 0 && copies.above === 0 && sets.get(newcomer.id)!.size > 0 && (await queueDepth(nodes)) === 0) {
        // The cheap signs say done: confirm against the nodes' own placement (owners of every chunk).
        owners = await ownersOf(newcomer, up.files);
        if (placementMatches(owners, listings(nodes))) {
          completeMs = at;
          break;
        }
      }
      if (at > timeoutMs) throw new Error(`hand-off not complete after ${(timeoutMs / 1000).toFixed(0)} s`);
      await Bun.sleep(250);
    }
    log(`  hand-off complete after ${(completeMs / 1000).toFixed(2)} s: every chunk exactly on its 3 owners, queues empty`);
  } catch (err) {
    completeError = (err as Error).message;
    log(`  hand-off not complete: ${completeError}`);
  }
  sampler.phase("counting, read-back");
  if (owners.size === 0) owners = await ownersOf(newcomer, up.files).catch(() => new Map());
  await Bun.sleep(1000);
  const final = listings(nodes);
  for (const [id, set] of final) for (const c of set) seen.get(id)!.add(c);
  newcomerCounts.push({ ms: since(), value: final.get(newcomer.id)!.size });
  const moved = handoffBytes(before, seen, newcomer.id, sizeOf);
  const ideal = idealHandoff(owners, newcomer.id, sizeOf, HEAL_REPLICATION_FACTOR, nodes.length);
  const delivered1 = await deliveredTotal(nodes);
  const transfers = transferLog(logsSince(nodes, offsets), sizeOf);
  const readBack = await spotCheck(newcomer, up.files, 4);
  return {
    nodesBefore: NODES,
    newcomer: newcomer.id,
    graceS: s.graceS,
    upload: up.result,
    readyMs,
    membershipMs,
    newcomerFilledMs: settledAt(newcomerCounts, final.get(newcomer.id)!.size),
    completeMs,
    ...(completeError ? { completeError } : {}),
    moved,
    ideal,
    movedVsIdeal: ratio(moved.movedBytes, ideal.bytes),
    movedVsEvenShare: ratio(moved.movedBytes, ideal.evenShareBytes),
    sentBytes: transfers.receivedBytes,
    sentVsIdeal: ratio(transfers.receivedBytes, ideal.bytes),
    after: summarizeCopies(copyCounts(final.values(), up.ids), 3),
    deliveredByNode: Object.fromEntries(nodes.map((n) => [n.id, (delivered1.get(n.id) ?? 0) - (delivered0.get(n.id) ?? 0)])),
    transfers,
    readBack,
  };
}

/** Owners of every chunk of the files, as `node` places them (GET /api/stat). */
async function ownersOf(node: BenchNode, files: Uploaded["files"]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const f of files) {
    const res = await fetch(`${node.url}/api/stat/${f.path}`, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`GET /api/stat/${f.path} on ${node.id}: HTTP ${res.status}`);
    const body = (await res.json()) as { chunks: Array<{ id: string; owners: string[] }> };
    for (const c of body.chunks) out.set(c.id, c.owners);
  }
  return out;
}
