// Self-healing benchmark: 5 nodes, RF 3; SIGKILL one. How long until the others call it dead, and until
// every chunk is back at 3 copies on live nodes (bytes re-replicated, MB/s).
import { appeared, copyCounts, type CopySummary, detectionTimes, summarizeCopies, sumSizes, transferLog, type TransferLog } from "./heal-math.ts";
import { ProcessSampler } from "./rss.ts";
import { mbps, ratio } from "./stats.ts";
import { COPIES_POLL_MS, DETECTION_POLL_MS, HealContext, HealUploadResult, ScenarioProcs, deliveredTotal, listings, logsSince, newCluster, nodeEnv, queueDepth, sampled, spotCheck, trackNodes, uploadSet } from "./heal-common.ts";

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

