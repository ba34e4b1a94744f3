// Runs one seed: boot the cluster, run the workload under chaos, heal, then wait (bounded) until every
// invariant holds; returns the violations, the statistics and the trace digest.
import type { Member } from "../membership/types.ts";
import type { Hash64 } from "../ring/ring.ts";
import { Chaos } from "./faults.ts";
import { Cluster } from "./cluster.ts";
import { checkInvariants, checkMembership, type Violation } from "./invariants.ts";
import { fork, rngFrom, uniform } from "./rng.ts";
import { replayCommand, type ScenarioParams } from "./scenario.ts";
import { Trace } from "./trace.ts";
import { addressOf } from "./virtual-node.ts";
import { History, Workload } from "./workload.ts";

export interface RunOptions {
  hash: Hash64;
  /** Print each trace line as it happens. */
  print?: (line: string) => void;
  /** Keep the trace lines in the result. */
  keepTrace?: boolean;
}

export interface RunResult {
  params: ScenarioParams;
  violations: Violation[];
  /** Virtual ms from the start of healing until every invariant held; undefined if it never did. */
  convergedAfterMs: number | undefined;
  virtualMs: number;
  messages: number;
  dropped: number;
  events: number;
  writes: { attempted: number; acked: number; failed: number; unknown: number; weak: number };
  deletes: { attempted: number; acked: number };
  lost: string[];
  digest: string;
  trace: string[];
  wallMs: number;
  replay: string;
}

const BOOT_LIMIT_MS = 180_000;
const CHECK_EVERY_MS = 1000;
const STUCK_MS = 60_000;

export async function runScenario(params: ScenarioParams, opts: RunOptions): Promise<RunResult> {
  const wallStart = performance.now();
  const master = rngFrom(params.seed);
  const trace = new Trace({ print: opts.print, keep: opts.keepTrace });
  const cluster = new Cluster({
    rng: fork(master),
    trace,
    hash: opts.hash,
    settings: { vnodes: params.vnodes, chunkSyncIntervalMs: params.chunkSyncS * 1000, rebalanceGraceMs: params.rebalanceGraceS * 1000 },
    wire: params.wire,
    broken: params.broken,
    whatIf: params.whatIf,
  });
  const skewRng = fork(master);
  const skew = () => Math.round(uniform(skewRng, -500, 500));
  const violations: Violation[] = [];
  const { events } = cluster;

  // Boot.
  const ids = Array.from({ length: params.nodes }, (_, i) => `n${i}`);
  for (const id of ids) cluster.add(id, skew());
  const bootRng = fork(master);
  if (params.boot === "join") {
    let t = 0;
    for (const id of ids) {
      events.at(t, () => cluster.start(id, id === "n0" ? [] : [addressOf("n0")]));
      t += uniform(bootRng, 20, 200);
    }
  } else {
    // A whole cluster restarting: every peers table lists everyone (as alive, incarnation 0).
    const known: Member[] = ids.map((id) => ({ ...cluster.node(id).info, state: "alive", incarnation: 0, stateChangedAt: 0 }));
    for (const id of ids) {
      events.at(uniform(bootRng, 0, 1000), () => cluster.start(id, id === "n0" ? [] : [addressOf("n0")], { known, peersAsSeeds: false }));
    }
  }
  trace.log(0, "sim", `boot ${params.nodes} nodes (${params.boot})`);
  let booted = false;
  while (events.now < BOOT_LIMIT_MS) {
    await cluster.runUntil(events.now + 500);
    if (cluster.liveIds().length === ids.length && checkMembership(cluster, true).length === 0) {
      booted = true;
      break;
    }
  }
  if (!booted) {
    violations.push(...checkMembership(cluster).slice(0, 5).map((v) => ({ ...v, invariant: "boot" as const })));
  }

  // Chaos: workload and faults.
  const history = new History();
  let healedAt = events.now;
  let convergedAfterMs: number | undefined;
  let chaos: Chaos | undefined;
  if (booted) {
    const start = events.now + 1000;
    const end = start + params.durationS * 1000;
    trace.log(events.now, "sim", `booted; chaos from ${(start / 1000).toFixed(3)} to ${(end / 1000).toFixed(3)}`);
    const workload = new Workload(cluster, history, fork(master), {
      opsPerSecond: params.opsPerSecond,
      dirs: 3,
      filesPerDir: 8,
      maxChunks: 4,
      deleteShare: 0.25,
    });
    workload.schedule(start, end);
    let next = params.nodes;
    chaos = new Chaos(
      cluster,
      fork(master),
      {
        conditions: { lossRate: params.loss, duplicateRate: params.duplicate, minDelayMs: 1, maxDelayMs: params.maxDelayMs },
        kills: params.kills,
        maxDownMs: 45_000,
        permanentLoss: params.permanentLoss,
        partitions: params.partitions,
        maxPartitionMs: 40_000,
        joins: params.joins,
        maxDown: Math.max(1, Math.floor((params.nodes - 1) / 3)),
      },
      () => {
        const id = `n${next++}`;
        cluster.add(id, skew());
        return id;
      },
      "n0",
    );
    chaos.schedule(start, end);
    await cluster.runUntil(end);

    // Heal, then wait until every invariant holds (and no client operation is still running).
    chaos.heal();
    healedAt = events.now;
    const deadline = healedAt + params.healS * 1000;
    let stuck: { since: number; fingerprint: string } | undefined;
    while (events.now < deadline) {
      await cluster.runUntil(Math.min(deadline, events.now + CHECK_EVERY_MS));
      if (history.inFlight > 0) continue;
      const pending = checkInvariants(cluster, history, true);
      if (trace.enabled && pending.length > 0) trace.log(events.now, "check", `not yet: ${pending.length} e.g. ${pending[0]!.invariant}: ${pending[0]!.message}`);
      if (pending.length === 0) {
        convergedAfterMs = events.now - healedAt;
        break;
      }
      // Nothing left that could repair it, for STUCK_MS: membership agreed, manifests converged, every
      // replication queue empty, and the same chunks missing with no copy the backstops could spread (the
      // sweeper feeds owners from non-owner copies, chunk anti-entropy between co-owners; with both off,
      // nothing moves a copy without a ring change).
      const backstops = params.chunkSyncS > 0 || params.rebalanceGraceS >= 0;
      const fingerprint = pending.map((v) => `${v.invariant} ${v.message}`).join("\n");
      const idle =
        pending.every((v) => v.invariant === "2 durability" && v.chunk !== undefined && (!backstops || v.holders === 0)) &&
        cluster.liveIds().every((id) => cluster.node(id).queue.depth === 0);
      if (!idle) stuck = undefined;
      else if (stuck?.fingerprint !== fingerprint) stuck = { since: events.now, fingerprint };
      else if (events.now - stuck.since >= STUCK_MS) {
        trace.log(events.now, "sim", `stuck for ${STUCK_MS / 1000} s with empty queues: giving up`);
        break;
      }
    }
    if (convergedAfterMs === undefined) {
      violations.push(...checkInvariants(cluster, history));
    } else {
      // Converged: it must stay so.
      await cluster.runUntil(events.now + 10_000);
      violations.push(...checkInvariants(cluster, history));
    }
    trace.log(events.now, "sim", convergedAfterMs === undefined ? "did NOT converge" : `converged ${(convergedAfterMs / 1000).toFixed(1)} s after healing`);
  }

  const ops = history.ops;
  const fullQuorum = Math.floor(Math.min(cluster.settings.replicationFactor, params.nodes) / 2) + 1;
  const writes = ops.filter((o) => o.kind === "write");
  const deletes = ops.filter((o) => o.kind === "delete");
  return {
    params,
    violations,
    convergedAfterMs,
    virtualMs: events.now,
    messages: cluster.net.sent,
    dropped: cluster.net.dropped,
    events: events.executed,
    writes: {
      attempted: writes.length,
      acked: writes.filter((o) => o.outcome === "acked").length,
      failed: writes.filter((o) => o.outcome === "failed").length,
      unknown: writes.filter((o) => o.outcome === "unknown").length,
      // Acknowledged by a coordinator that knew too few members to ask for ⌊RF/2⌋+1 copies.
      weak: writes.filter((o) => o.outcome === "acked" && o.quorum! < fullQuorum).length,
    },
    deletes: { attempted: deletes.length, acked: deletes.filter((o) => o.outcome === "acked").length },
    lost: chaos?.lost ?? [],
    digest: trace.digest(),
    trace: trace.kept,
    wallMs: performance.now() - wallStart,
    replay: replayCommand(params),
  };
}
