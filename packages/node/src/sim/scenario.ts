// One run's parameters: everything is drawn from the seed, and any of the main ones can be pinned from
// the command line. The replay command names them all, so it reproduces the run exactly.
import type { Broken } from "./context.ts";
import { chance, choose, int, rngFrom, uniform } from "./rng.ts";

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
}

export interface Overrides {
  nodes?: number;
  loss?: number;
  durationS?: number;
  healS?: number;
  vnodes?: number;
  wire?: boolean;
  broken?: Broken[];
}

export const DEFAULT_HEAL_S = 300;

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
  const nodes = o.nodes ?? drawn.nodes;
  const durationS = o.durationS ?? drawn.durationS;
  return {
    seed,
    nodes,
    loss: o.loss ?? drawn.loss,
    durationS,
    healS: o.healS ?? DEFAULT_HEAL_S,
    vnodes: o.vnodes ?? (nodes > 100 ? 8 : 16),
    duplicate: drawn.duplicate,
    maxDelayMs: drawn.maxDelayMs,
    opsPerSecond: drawn.opsPerSecond,
    kills: Math.round((drawn.killsPerMinute * durationS) / 60),
    permanentLoss: drawn.permanentLoss,
    partitions: drawn.partitions,
    joins: drawn.joins,
    boot: nodes > 100 || drawn.restartBoot ? "restart" : "join",
    wire: o.wire ?? false,
    broken: o.broken ?? [],
  };
}

/** The command that replays this run. */
export function replayCommand(p: ScenarioParams): string {
  const parts = [`pnpm sim --seed ${p.seed} --nodes ${p.nodes} --loss ${p.loss} --duration-s ${p.durationS}`];
  if (p.healS !== DEFAULT_HEAL_S) parts.push(`--heal-s ${p.healS}`);
  if (p.vnodes !== (p.nodes > 100 ? 8 : 16)) parts.push(`--vnodes ${p.vnodes}`);
  if (p.wire) parts.push("--wire");
  for (const b of p.broken) parts.push(`--broken ${b}`);
  return parts.join(" ");
}

export function describe(p: ScenarioParams): string {
  return (
    `${p.nodes} nodes (${p.boot} boot), ${p.durationS} s chaos: loss ${(p.loss * 100).toFixed(1)}%, dup ${(p.duplicate * 100).toFixed(1)}%, ` +
    `delay ≤${p.maxDelayMs} ms, ${p.kills} crashes, ${p.permanentLoss ? "1 permanent loss" : "no permanent loss"}, ` +
    `${p.partitions} partitions, ${p.joins} joins, ${p.opsPerSecond} ops/s`
  );
}
