// One run's parameters: everything is drawn from the seed, and any of the main ones can be pinned from
// the command line. The replay command names them all, so it reproduces the run exactly.
import type { Broken } from "./context.ts";
import { chance, choose, int, rngFrom, uniform } from "./rng.ts";

/**
 * The scripted cases (cases.ts): cluster size and chaos length of each, and for some the loss during chaos
 * (default none) and how the cluster boots (default drawn). The scale case ends as soon as its phases are
 * measured; its length is only a bound.
 */
interface CaseShape {
  nodes: number;
  durationS: number;
  loss?: number;
  boot?: "join" | "restart";
}

export const caseShapes = {
  "skew-partition": { nodes: 3, durationS: 62 },
  "delete-folder": { nodes: 4, durationS: 32 },
  "restart-read": { nodes: 3, durationS: 50 },
  "hung-owner": { nodes: 4, durationS: 82 },
  "conditional-race": { nodes: 5, durationS: 40 },
  "unreadable-read": { nodes: 8, durationS: 77 },
  "folder-factors": { nodes: 5, durationS: 160 },
  versions: { nodes: 3, durationS: 40 },
  "folder-burst": { nodes: 3, durationS: 22 },
  "late-decision": { nodes: 5, durationS: 26, boot: "restart" },
  "newcomer-island": { nodes: 3, durationS: 16 },
  "stale-apply": { nodes: 5, durationS: 28 },
  "walk-move": { nodes: 5, durationS: 40 },
  "search-find": { nodes: 5, durationS: 40 },
  "lost-writer": { nodes: 10, durationS: 110 },
  "lagging-loop": { nodes: 5, durationS: 52 },
  scale: { nodes: 1000, durationS: 900, loss: 0.05, boot: "restart" },
} satisfies Record<string, CaseShape>;
export type CaseName = keyof typeof caseShapes;
export const caseNames = Object.keys(caseShapes) as CaseName[];

export interface ScenarioParams {
  seed: number;
  nodes: number;
  /** Message loss during chaos. */
  loss: number;
  /** Length of the chaos phase (workload and faults), seconds of virtual time. */
  durationS: number;
  /** Bound on the time the cluster may take to converge after healing, seconds. */
  healS: number;
  vnodes: number;
  /** Chunk anti-entropy period, seconds (the node's CHUNK_SYNC_INTERVAL_S); 0 = off. */
  chunkSyncS: number;
  /** The surplus sweeper's grace, seconds (REBALANCE_GRACE_S); negative = sweeper off. */
  rebalanceGraceS: number;
  duplicate: number;
  maxDelayMs: number;
  opsPerSecond: number;
  kills: number;
  permanentLoss: boolean;
  partitions: number;
  joins: number;
  /** "join": nodes join one by one through n0; "restart": all start at once knowing each other. */
  boot: "join" | "restart";
  wire: boolean;
  broken: Broken[];
  /** A scripted case instead of the random workload and chaos. */
  case?: CaseName;
  /** Command-line flags for the pinned fault counts (part of the replay command). */
  pins: string[];
}

export interface Overrides {
  nodes?: number;
  loss?: number;
  durationS?: number;
  healS?: number;
  vnodes?: number;
  chunkSyncS?: number;
  rebalanceGraceS?: number;
  wire?: boolean;
  broken?: Broken[];
  case?: CaseName;
  kills?: number;
  partitions?: number;
  joins?: number;
  permanentLoss?: boolean;
  boot?: "join" | "restart";
}

export const DEFAULT_HEAL_S = 300;
export const DEFAULT_CHUNK_SYNC_S = 300;
export const DEFAULT_REBALANCE_GRACE_S = 120;

/** Draws the parameters of `seed`; the draws do not depend on the overrides, so pinning one changes nothing else. */
export function deriveScenario(seed: number, o: Overrides = {}): ScenarioParams {
  const rng = rngFrom(seed ^ 0x5eed5eed);
  const drawn = {
    nodes: int(rng, 5, 50),
    loss: Math.round(uniform(rng, 0, 0.1) * 1000) / 1000,
    durationS: int(rng, 20, 90),
    duplicate: Math.round(uniform(rng, 0, 0.05) * 1000) / 1000,
    maxDelayMs: choose(rng, [5, 20, 50, 150])!,
    opsPerSecond: Math.round(uniform(rng, 0.5, 3) * 10) / 10,
    killsPerMinute: uniform(rng, 1, 5),
    permanentLoss: chance(rng, 0.5),
    partitions: int(rng, 0, 2),
    joins: int(rng, 0, 2),
    restartBoot: chance(rng, 0.3),
  };
  const shape: CaseShape | undefined = o.case ? caseShapes[o.case] : undefined;
  const nodes = o.nodes ?? shape?.nodes ?? drawn.nodes;
  const durationS = o.durationS ?? shape?.durationS ?? drawn.durationS;
  const pins: string[] = [];
  if (o.kills !== undefined) pins.push(`--kills ${o.kills}`);
  if (o.partitions !== undefined) pins.push(`--partitions ${o.partitions}`);
  if (o.joins !== undefined) pins.push(`--joins ${o.joins}`);
  if (o.permanentLoss !== undefined) pins.push(`--permanent-loss ${o.permanentLoss ? 1 : 0}`);
  if (o.boot !== undefined) pins.push(`--boot ${o.boot}`);
  return {
    seed,
    nodes,
    loss: o.loss ?? (shape ? (shape.loss ?? 0) : drawn.loss),
    durationS,
    healS: o.healS ?? DEFAULT_HEAL_S,
    vnodes: o.vnodes ?? defaultVnodes(nodes),
    chunkSyncS: o.chunkSyncS ?? DEFAULT_CHUNK_SYNC_S,
    rebalanceGraceS: o.rebalanceGraceS ?? DEFAULT_REBALANCE_GRACE_S,
    duplicate: drawn.duplicate,
    maxDelayMs: drawn.maxDelayMs,
    opsPerSecond: drawn.opsPerSecond,
    kills: o.kills ?? Math.round((drawn.killsPerMinute * durationS) / 60),
    permanentLoss: o.permanentLoss ?? drawn.permanentLoss,
    partitions: o.partitions ?? drawn.partitions,
    joins: o.joins ?? drawn.joins,
    boot: o.boot ?? shape?.boot ?? (nodes > 100 || drawn.restartBoot ? "restart" : "join"),
    wire: o.wire ?? false,
    broken: o.broken ?? [],
    case: o.case,
    pins,
  };
}

/** Ring points per member: fewer in big clusters, where 500 nodes rebuilding rings dominate the run. */
function defaultVnodes(nodes: number): number {
  return nodes > 100 ? 8 : 16;
}

/** The command that replays this run. */
export function replayCommand(p: ScenarioParams): string {
  const parts = [`pnpm sim --seed ${p.seed} --nodes ${p.nodes} --loss ${p.loss} --duration-s ${p.durationS}`];
  if (p.healS !== DEFAULT_HEAL_S) parts.push(`--heal-s ${p.healS}`);
  if (p.vnodes !== defaultVnodes(p.nodes)) parts.push(`--vnodes ${p.vnodes}`);
  if (p.chunkSyncS !== DEFAULT_CHUNK_SYNC_S) parts.push(`--chunk-sync-s ${p.chunkSyncS > 0 ? p.chunkSyncS : "off"}`);
  if (p.rebalanceGraceS !== DEFAULT_REBALANCE_GRACE_S) parts.push(`--rebalance-grace-s ${p.rebalanceGraceS >= 0 ? p.rebalanceGraceS : "off"}`);
  parts.push(...p.pins);
  if (p.case) parts.push(`--case ${p.case}`);
  if (p.wire) parts.push("--wire");
  for (const b of p.broken) parts.push(`--broken ${b}`);
  return parts.join(" ");
}

export function describe(p: ScenarioParams): string {
  if (p.case) return `case ${p.case}: ${p.nodes} nodes, ${p.durationS} s`;
  return (
    `${p.nodes} nodes (${p.boot} boot), ${p.durationS} s chaos: loss ${(p.loss * 100).toFixed(1)}%, dup ${(p.duplicate * 100).toFixed(1)}%, ` +
    `delay ≤${p.maxDelayMs} ms, ${p.kills} crashes, ${p.permanentLoss ? "1 permanent loss" : "no permanent loss"}, ` +
    `${p.partitions} partitions, ${p.joins} joins, ${p.opsPerSecond} ops/s`
  );
}
