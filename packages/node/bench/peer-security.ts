// `pnpm bench --only security`: what encrypting node-to-node traffic costs. The same 3-node workloads (one
// large quorum upload, many 4 KiB quorum PUTs) run on clusters whose peer connections are authenticated
// only (PEER_ENCRYPTION=auto on loopback) and authenticated and encrypted (PEER_ENCRYPTION=always, as
// between hosts), alternating in rounds so that drift of the machine falls on both alike; medians compared.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { BenchCluster } from "./cluster.ts";
import { Payload } from "./payload.ts";
import { median } from "./stats.ts";
import { smallFiles, uploadLarge } from "./workloads.ts";

export type PeerMode = "authenticated" | "encrypted";

export interface PeerSecurityRun {
  mode: PeerMode;
  round: number;
  uploadAckMBps: number | null;
  uploadDurableMBps: number | null;
  putOpsPerSec: number | null;
  putP50Ms: number | null;
}

export interface PeerSecurityResult {
  sizeMiB: number;
  smallCount: number;
  concurrency: number;
  rounds: number;
  runs: PeerSecurityRun[];
  median: Record<PeerMode, { uploadAckMBps: number | null; uploadDurableMBps: number | null; putOpsPerSec: number | null }>;
  /** 1 - encrypted / authenticated: the share of throughput encryption costs (negative: none measurable). */
  encryptionCost: { upload: number | null; put: number | null };
}

export interface PeerSecurityContext {
  root: string;
  sizeMiB: number;
  smallCount: number;
  concurrency: number;
  rounds: number;
  chunkSize: number;
  nonce: string;
  keep: boolean;
  /** Run the nodes under the CPU profiler, profiles in <dir>/<mode>-<round>/. */
  cpuProfDir?: string;
  log: (line: string) => void;
  /** The run's clean-up stops every cluster registered here, whichever way the run ends. */
  register: (c: BenchCluster) => void;
}

async function oneRun(ctx: PeerSecurityContext, mode: PeerMode, round: number, payload: Payload, sha: string): Promise<PeerSecurityRun> {
  const root = join(ctx.root, `${mode}-${round}`);
  mkdirSync(root, { recursive: true });
  const cluster = new BenchCluster({
    root,
    size: 3,
    env: { REPLICATION_FACTOR: "3", LOG_LEVEL: "warn", PEER_ENCRYPTION: mode === "encrypted" ? "always" : "auto" },
    idPrefix: mode === "encrypted" ? "e" : "a",
    cpuProfDir: ctx.cpuProfDir ? join(ctx.cpuProfDir, `${mode}-${round}`) : undefined,
    log: ctx.log,
  });
  ctx.register(cluster);
  try {
    await cluster.start();
    await Bun.sleep(1000);
    const node = cluster.nodes[0]!;
    const up = await uploadLarge(cluster, node, `sec-${ctx.nonce}/large.bin`, payload, sha, ctx.log, () => {});
    const small = await smallFiles(cluster, `sec-${ctx.nonce}/small`, ctx.smallCount, ctx.concurrency, ctx.log, () => {});
    if (small.put.errors) throw new Error(`${small.put.errors} small PUTs failed: ${small.put.errorSamples.join(" | ")}`);
    return {
      mode,
      round,
      uploadAckMBps: up.ackMBps,
      uploadDurableMBps: up.durableMBps,
      putOpsPerSec: small.put.opsPerSec,
      putP50Ms: small.put.latency.p50Ms,
    };
  } finally {
    await cluster.stop();
    if (!ctx.keep) for (const n of cluster.nodes) rmSync(n.dataDir, { recursive: true, force: true });
  }
}

export async function peerSecurityBenchmark(ctx: PeerSecurityContext): Promise<PeerSecurityResult> {
  const payload = new Payload({ size: ctx.sizeMiB * 1024 * 1024, chunkSize: ctx.chunkSize, nonce: ctx.nonce });
  const sha = payload.sha256();
  const runs: PeerSecurityRun[] = [];
  for (let round = 1; round <= ctx.rounds; round++) {
    // Alternate which mode goes first, so a machine that speeds up or slows down over the run favours neither.
    const order: PeerMode[] = round % 2 === 1 ? ["authenticated", "encrypted"] : ["encrypted", "authenticated"];
    for (const mode of order) {
      ctx.log(`peer security: round ${round}/${ctx.rounds}, ${mode}`);
      runs.push(await oneRun(ctx, mode, round, payload, sha));
    }
  }
  const med = (mode: PeerMode, pick: (r: PeerSecurityRun) => number | null) =>
    median(runs.filter((r) => r.mode === mode).map(pick).filter((v): v is number => v !== null));
  const summary = (mode: PeerMode) => ({
    uploadAckMBps: med(mode, (r) => r.uploadAckMBps),
    uploadDurableMBps: med(mode, (r) => r.uploadDurableMBps),
    putOpsPerSec: med(mode, (r) => r.putOpsPerSec),
  });
  const m = { authenticated: summary("authenticated"), encrypted: summary("encrypted") };
  const cost = (a: number | null, e: number | null) => (a && e !== null ? 1 - e / a : null);
  return {
    sizeMiB: ctx.sizeMiB,
    smallCount: ctx.smallCount,
    concurrency: ctx.concurrency,
    rounds: ctx.rounds,
    runs,
    median: m,
    encryptionCost: { upload: cost(m.authenticated.uploadAckMBps, m.encrypted.uploadAckMBps), put: cost(m.authenticated.putOpsPerSec, m.encrypted.putOpsPerSec) },
  };
}

export function renderPeerSecurity(r: PeerSecurityResult): string[] {
  const f = (n: number | null, d = 1) => (n === null ? "-" : n.toFixed(d));
  const pct = (n: number | null) => (n === null ? "-" : `${(n * 100).toFixed(1)} %`);
  const row = (mode: PeerMode) =>
    `  ${mode.padEnd(14)} upload ${f(r.median[mode].uploadAckMBps).padStart(7)} MB/s to 201, ${f(r.median[mode].uploadDurableMBps).padStart(7)} MB/s to 3 copies · 4 KiB PUT ${f(r.median[mode].putOpsPerSec, 0).padStart(5)}/s`;
  return [
    "",
    `Peer security · ${r.rounds} rounds, medians · ${r.sizeMiB} MiB quorum upload, ${r.smallCount} × 4 KiB quorum PUTs at concurrency ${r.concurrency}`,
    "  authenticated = cluster-key handshake (PEER_ENCRYPTION=auto on loopback); encrypted = plus AES-256-GCM records (PEER_ENCRYPTION=always)",
    row("authenticated"),
    row("encrypted"),
    `  cost of encryption: upload ${pct(r.encryptionCost.upload)} (target ≤ 5 %), 4 KiB PUT ${pct(r.encryptionCost.put)} (target ≤ 10 %)`,
  ];
}
