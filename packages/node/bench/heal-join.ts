// Self-healing benchmark: 3 nodes, RF 3; a 4th joins. Bytes moved (chunk files that appeared anywhere)
// against the least a join can move, and the time until the hand-off is over.
import type { ResponseOf } from "@orrery/api";
import { type BenchNode } from "./cluster.ts";
import { copyCounts, type CopySummary, handoffBytes, type HandoffBytes, idealHandoff, type IdealHandoff, placementMatches, settledAt, summarizeCopies, transferLog, type TransferLog } from "./heal-math.ts";
import { ProcessSampler } from "./rss.ts";
import { ratio } from "./stats.ts";
import { HEAL_REPLICATION_FACTOR, HealContext, HealUploadResult, ScenarioProcs, Uploaded, deliveredTotal, listings, logsSince, newCluster, nodeEnv, queueDepth, sampled, spotCheck, trackNodes, uploadSet } from "./heal-common.ts";

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
    const body = (await res.json()) as ResponseOf<"stat">;
    for (const c of body.chunks) out.set(c.id, c.owners);
  }
  return out;
}

