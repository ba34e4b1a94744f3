// Shared by the self-healing benchmarks (heal-failure.ts, heal-join.ts): settings, the data set upload,
// waiting for copies, read-back spot checks, per-phase process sampling.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { BenchCluster, type BenchNode, type LogEntry } from "./cluster.ts";
import { chunkSizesOf, copyCounts, type CopySummary, healFileSizes, summarizeCopies } from "./heal-math.ts";
import { hashedGet, streamedPut } from "./http-client.ts";
import { Payload } from "./payload.ts";
import { type PhaseStats, ProcessSampler } from "./rss.ts";
import { MiB, mbps } from "./stats.ts";

export type Log = (line: string) => void;

export const HEAL_REPLICATION_FACTOR = 3;
/** How often each survivor's GET /api/cluster is polled after the kill. */
export const DETECTION_POLL_MS = 50;
/** How often the chunk directories are listed while waiting for copies. */
export const COPIES_POLL_MS = 100;
export const UPLOAD_CONCURRENCY = 2;

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
export async function sampled<T>(body: (sampler: ProcessSampler) => Promise<T>): Promise<T & { procs: ScenarioProcs }> {
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

export interface Uploaded {
  result: HealUploadResult;
  files: Array<{ path: string; size: number; sha256: string; chunks: string[] }>;
  ids: string[];
  sizes: Map<string, number>;
}

export async function uploadSet(cluster: BenchCluster, ctx: HealContext, dir: string): Promise<Uploaded> {
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

export const listings = (nodes: BenchNode[]) => new Map(nodes.map((n) => [n.id, n.chunkFiles()] as const));
export const queueDepth = async (nodes: BenchNode[]) => (await Promise.all(nodes.map((n) => n.status()))).reduce((s, st) => s + st.queue.depth, 0);

export async function waitForCopies(
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
export async function spotCheck(node: BenchNode, files: Uploaded["files"], count: number): Promise<{ checked: number; mismatches: string[] }> {
  const picks = [...new Set(Array.from({ length: Math.min(count, files.length) }, (_, k) => Math.floor((k * files.length) / Math.min(count, files.length))))];
  const mismatches: string[] = [];
  for (const i of picks) {
    const f = files[i]!;
    const got = await hashedGet(`${node.url}/api/files/${f.path}`);
    if (got.status !== 200 || got.bytes !== f.size || got.sha256 !== f.sha256) mismatches.push(`${f.path} from ${node.id}: HTTP ${got.status}, ${got.bytes} bytes, sha256 ${got.sha256.slice(0, 12)}…`);
  }
  return { checked: picks.length, mismatches };
}

export const logsSince = (nodes: BenchNode[], offsets: Map<string, number>) =>
  new Map<string, LogEntry[]>(nodes.map((n) => [n.id, n.logSince(offsets.get(n.id) ?? 0)]));

export const deliveredTotal = async (nodes: BenchNode[]) => {
  const out = new Map<string, number>();
  for (const n of nodes) out.set(n.id, (await n.health()).queue.delivered);
  return out;
};

export function newCluster(ctx: HealContext, name: string, prefix: string, size: number, env: Record<string, string>): BenchCluster {
  const root = join(ctx.root, name);
  mkdirSync(root, { recursive: true });
  const cluster = new BenchCluster({ root, size, idPrefix: prefix, env, cpuProfDir: ctx.cpuProfDir, log: ctx.log });
  ctx.register(cluster);
  return cluster;
}

export function nodeEnv(s: HealSettings, extra: Record<string, string> = {}): Record<string, string> {
  return {
    REPLICATION_FACTOR: String(HEAL_REPLICATION_FACTOR),
    GOSSIP_INTERVAL_MS: String(s.gossipIntervalMs),
    REBALANCE_BANDWIDTH_MBPS: String(s.bandwidthMBps),
    LOG_LEVEL: s.logLevel,
    ...extra,
  };
}

export function trackNodes(sampler: ProcessSampler, cluster: BenchCluster): void {
  for (const n of cluster.nodes) sampler.addProcess(n.id, n.pid);
}

// ---- 1. failure detection and re-replication ----

