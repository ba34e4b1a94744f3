// Runs one seed: boot the cluster, run a script (the random workload under random chaos, or one of the
// scripted cases), heal, then wait (bounded) until every invariant holds; returns the violations, the
// statistics and the trace digest.
import type { Member } from "../membership/types.ts";
import type { Hash64 } from "../ring/ring.ts";
import { cases } from "./cases.ts";
import { Cluster } from "./cluster.ts";
import { defaultSettings } from "./context.ts";
import { Chaos } from "./faults.ts";
import { checkConditional, checkInvariants, checkMembership, checkOrder, checkReads, type Violation } from "./invariants.ts";
import { fork, type Rng, rngFrom, uniform } from "./rng.ts";
import { replayCommand, type ScenarioParams } from "./scenario.ts";
import { Trace } from "./trace.ts";
import { addressOf } from "./virtual-node.ts";
import { defaultWorkload, History, Workload } from "./workload.ts";

export interface RunOptions {
  hash: Hash64;
  /** Print each trace line as it happens. */
  print?: (line: string) => void;
  /** Keep the trace lines in the result. */
  keepTrace?: boolean;
  /** Looks at the cluster at the end of the run (debugging, tests). */
  inspect?: (cluster: Cluster) => void;
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
  writes: { attempted: number; acked: number; failed: number; unknown: number };
  deletes: { attempted: number; acked: number };
  reads: { attempted: number; acked: number };
  conditional: { attempted: number; acked: number; refused: number };
  lost: string[];
  digest: string;
  trace: string[];
  wallMs: number;
  replay: string;
  /** What the script measured, for people (printed under the run's line). */
  report: string[];
  /** The same, by name (ScriptRun.measures). */
  measures: Record<string, number>;
}

/** The chaos phase of a run: schedules its workload and faults on [start, end). */
export interface Script {
  /** Nodes the script needs (a case pins the cluster size). */
  nodes?: number;
  schedule(run: RunContext, start: number, end: number): ScriptRun;
}

export interface ScriptRun {
  /** The end of chaos: undo every fault (a calm network, no partition, crashed nodes back, clocks fixed). */
  heal(): void;
  /** Nodes lost for good. */
  lost?: () => string[];
  /** Checks of the script's own (e.g. how long a read took). */
  check?: () => Violation[];
  /** The script has done all it came to do: chaos ends now rather than at the end of its phase. */
  finished?: () => boolean;
  /** Lines for the run's report (what the script measured). */
  report?: () => string[];
  /** What the script measured, by name, for tests to hold it to bounds. */
  measures?: () => Record<string, number>;
}

export interface RunContext {
  cluster: Cluster;
  history: History;
  params: ScenarioParams;
  rng: Rng;
  workload: Workload;
  /** Adds a node (for joins). */
  newNode: () => string;
}

const BOOT_LIMIT_MS = 180_000;
const CHECK_EVERY_MS = 1000;
const STUCK_MS = 60_000;

/** The default script: clients at random live nodes while the network and the nodes misbehave at random. */
export const randomChaos: Script = {
  schedule(run, start, end) {
    const { cluster, params, rng, workload } = run;
    workload.schedule(start, end);
    const chaos = new Chaos(
      cluster,
      fork(rng),
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
      run.newNode,
      "n0",
    );
    chaos.schedule(start, end);
    return { heal: () => chaos.heal(), lost: () => chaos.lost };
  },
};

function buildCluster(params: ScenarioParams, opts: RunOptions, rng: Rng, trace: Trace): Cluster {
  return new Cluster({
    rng,
    trace,
    hash: opts.hash,
    settings: {
      vnodes: params.vnodes,
      sweeper: params.rebalanceGraceS >= 0,
      chunkSync: params.chunkSyncS > 0,
      core: {
        ...defaultSettings.core,
        CHUNK_SYNC_INTERVAL_S: params.chunkSyncS > 0 ? params.chunkSyncS : defaultSettings.core.CHUNK_SYNC_INTERVAL_S,
        REBALANCE_GRACE_S: Math.max(0, params.rebalanceGraceS),
      },
    },
    wire: params.wire,
    broken: params.broken,
  });
}

/** Starts every node (one by one through n0, or all at once knowing each other) and waits until all agree. */
async function boot(cluster: Cluster, params: ScenarioParams, rng: Rng): Promise<Violation[]> {
  const { events, trace } = cluster;
  const ids = [...cluster.nodes.keys()];
  if (params.boot === "join") {
    let t = 0;
    for (const id of ids) {
      events.at(t, () => cluster.start(id, id === "n0" ? [] : [addressOf("n0")]));
      t += uniform(rng, 20, 200);
    }
  } else {
    // A whole cluster restarting: every peers table lists everyone (as alive, incarnation 0).
    const known: Member[] = ids.map((id) => ({ ...cluster.node(id).info, state: "alive", incarnation: 0, stateChangedAt: 0 }));
    for (const id of ids) {
      events.at(uniform(rng, 0, 1000), () => cluster.start(id, id === "n0" ? [] : [addressOf("n0")], { known, peersAsSeeds: false }));
    }
  }
  trace.log(0, "sim", `boot ${ids.length} nodes (${params.boot})`);
  while (events.now < BOOT_LIMIT_MS) {
    await cluster.runUntil(events.now + 500);
    if (cluster.liveIds().length === ids.length && checkMembership(cluster, true).length === 0) return [];
  }
  return checkMembership(cluster).slice(0, 5).map((v) => ({ ...v, invariant: "boot" as const }));
}

/**
 * Heals, then waits until every invariant holds (and no client operation is still running), and 10 s more.
 * Gives up early when nothing is left that could repair the state for STUCK_MS: membership agreed,
 * manifests converged, every replication queue empty, and the same chunks missing with no copy the
 * backstops could spread (with both off, nothing moves a copy without a ring change).
 */
async function healAndSettle(cluster: Cluster, history: History, params: ScenarioParams, treeRule: boolean): Promise<number | undefined> {
  const { events, trace } = cluster;
  const healedAt = events.now;
  const deadline = healedAt + params.healS * 1000;
  const backstops = params.chunkSyncS > 0 || params.rebalanceGraceS >= 0;
  let stuck: { since: number; fingerprint: string } | undefined;
  let convergedAfterMs: number | undefined;
  while (events.now < deadline) {
    await cluster.runUntil(Math.min(deadline, events.now + CHECK_EVERY_MS));
    if (history.inFlight > 0) continue;
    const pending = checkInvariants(cluster, history, true, treeRule);
    if (trace.enabled && pending.length > 0) trace.log(events.now, "check", `not yet: ${pending.length} e.g. ${pending[0]!.invariant}: ${pending[0]!.message}`);
    if (pending.length === 0) {
      convergedAfterMs = events.now - healedAt;
      break;
    }
    const fingerprint = pending.map((v) => `${v.invariant} ${v.message}`).join("\n");
    const idle =
      pending.every((v) => v.invariant === "2 durability" && v.chunk !== undefined && (!backstops || v.holders === 0)) &&
      cluster.liveIds().every((id) => cluster.node(id).queue.depth() === 0);
    if (!idle) stuck = undefined;
    else if (stuck?.fingerprint !== fingerprint) stuck = { since: events.now, fingerprint };
    else if (events.now - stuck.since >= STUCK_MS) {
      trace.log(events.now, "sim", `stuck for ${STUCK_MS / 1000} s with empty queues: giving up`);
      break;
    }
  }
  if (convergedAfterMs !== undefined) await cluster.runUntil(events.now + 10_000);
  trace.log(events.now, "sim", convergedAfterMs === undefined ? "did NOT converge" : `converged ${(convergedAfterMs / 1000).toFixed(1)} s after healing`);
  return convergedAfterMs;
}

export async function runScenario(params: ScenarioParams, opts: RunOptions): Promise<RunResult> {
  const wallStart = performance.now();
  const master = rngFrom(params.seed);
  const trace = new Trace({ print: opts.print, keep: opts.keepTrace });
  const cluster = buildCluster(params, opts, fork(master), trace);
  const script = params.case ? cases[params.case] : randomChaos;
  const skewRng = fork(master);
  // NTP keeps machines within tens of milliseconds; a case may move one clock much further.
  const skew = () => Math.round(uniform(skewRng, -100, 100));
  const treeRule = !params.broken.includes("no-tree-rule");
  const { events } = cluster;

  for (let i = 0; i < params.nodes; i++) cluster.add(`n${i}`, skew());
  const violations = await boot(cluster, params, fork(master));
  const history = new History();
  let convergedAfterMs: number | undefined;
  let lost: string[] = [];
  let report: string[] = [];
  let measures: Record<string, number> = {};
  if (violations.length === 0) {
    const start = events.now + 1000;
    const end = start + params.durationS * 1000;
    trace.log(events.now, "sim", `booted; chaos from ${(start / 1000).toFixed(3)} to ${(end / 1000).toFixed(3)}`);
    let next = params.nodes;
    const run: RunContext = {
      cluster,
      history,
      params,
      rng: fork(master),
      workload: new Workload(cluster, history, fork(master), { ...defaultWorkload, opsPerSecond: params.opsPerSecond }),
      newNode: () => {
        const id = `n${next++}`;
        cluster.add(id, skew());
        return id;
      },
    };
    const scripted = script.schedule(run, start, end);
    if (!scripted.finished) await cluster.runUntil(end);
    else while (events.now < end && !scripted.finished()) await cluster.runUntil(Math.min(end, events.now + CHECK_EVERY_MS));
    scripted.heal();
    convergedAfterMs = await healAndSettle(cluster, history, params, treeRule);
    lost = scripted.lost?.() ?? [];
    violations.push(
      ...checkInvariants(cluster, history, false, treeRule),
      ...checkReads(history),
      ...checkOrder(history),
      ...checkConditional(cluster, history),
      ...(scripted.check?.() ?? []),
    );
    report = scripted.report?.() ?? [];
    measures = scripted.measures?.() ?? {};
  }
  opts.inspect?.(cluster);
  return { ...summarize(params, cluster, history, violations, convergedAfterMs, lost, trace, wallStart), report, measures };
}

function summarize(
  params: ScenarioParams,
  cluster: Cluster,
  history: History,
  violations: Violation[],
  convergedAfterMs: number | undefined,
  lost: string[],
  trace: Trace,
  wallStart: number,
): Omit<RunResult, "report" | "measures"> {
  const ops = history.ops;
  const count = (kind: string, outcome?: string) => ops.filter((o) => o.kind === kind && (outcome === undefined || o.outcome === outcome)).length;
  return {
    params,
    violations,
    convergedAfterMs,
    virtualMs: cluster.events.now,
    messages: cluster.net.sent,
    dropped: cluster.net.dropped,
    events: cluster.events.executed,
    writes: { attempted: count("write"), acked: count("write", "acked"), failed: count("write", "failed"), unknown: count("write", "unknown") },
    deletes: { attempted: count("delete") + count("rmdir"), acked: count("delete", "acked") + count("rmdir", "acked") },
    reads: { attempted: count("read"), acked: count("read", "acked") },
    conditional: {
      attempted: count("cas"),
      acked: count("cas", "acked"),
      refused: ops.filter((o) => o.kind === "cas" && o.error?.startsWith("precondition_failed")).length,
    },
    lost,
    digest: trace.digest(),
    trace: trace.kept,
    wallMs: performance.now() - wallStart,
    replay: replayCommand(params),
  };
}
