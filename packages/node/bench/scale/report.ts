// What `pnpm scale` found, summarised (pure): convergence, false suspicions and deaths after it, the light
// workload's failures, RSS and CPU per node; and the table printed for people.
import { fmt, renderTable } from "../report.ts";
import type { ScaleOptions } from "./options.ts";

/** A member's states as one node saw them at one moment (GET /status). */
export interface ViewSample {
  node: string;
  at: number;
  alive: number;
  suspect: number;
  dead: number;
  /** The node did not answer the sample. */
  error?: string;
}

/** A suspicion or death a node recorded in its event log. */
export interface MemberEvent {
  node: string;
  at: number;
  type: "suspect" | "dead";
  member: string;
}

export interface ProcessFigures {
  node: string;
  rssMiB: number;
  /** CPU (user + system) over the idle window right after convergence, percent of one core. */
  idleCpuPct: number;
  /** CPU over the idle window at the end of the watch, once the writes stopped (NaN: no such window). */
  settledIdleCpuPct: number;
  /** CPU over the whole watch (idle window and workload), percent of one core. */
  holdCpuPct: number;
}

export interface IoCounts {
  writes: number;
  writeFailures: number;
  reads: number;
  readFailures: number;
  samples: string[];
}

export interface ScaleInput {
  options: ScaleOptions;
  startedAt: number;
  /** ms from the first spawn until the last node answered HTTP. */
  readyMs: number;
  /** ms from the first spawn until every node saw all N alive and nobody suspect or dead; null if never. */
  convergedMs: number | null;
  /** Wall-clock time the watch began (events from then on count as false). */
  watchFrom: number;
  idleWindowS: number;
  samples: ViewSample[];
  events: MemberEvent[];
  processes: ProcessFigures[];
  io: IoCounts;
  machine: { cpus: number; loadStart: number[]; loadEnd: number[] };
  problems: string[];
}

export interface ScaleReport {
  schema: "orrery-scale/1";
  command: string;
  startedAt: string;
  options: ScaleOptions;
  machine: ScaleInput["machine"];
  readyS: number;
  convergedS: number | null;
  watch: {
    seconds: number;
    idleWindowS: number;
    samples: number;
    /** Sampled views that lacked a member (fewer than N alive) or held one suspect or dead. */
    imperfectViews: number;
    unansweredSamples: number;
    /** Suspicion events in the nodes' logs: one accusation counts once per node that heard of it. */
    falseSuspicions: number;
    falseDeaths: number;
    /** Members suspected or declared dead at least once by anyone during the watch. */
    membersAccused: number;
  };
  io: IoCounts;
  perNode: { rssMiB: Stat; idleCpuPct: Stat; settledIdleCpuPct: Stat; holdCpuPct: Stat };
  problems: string[];
}

export interface Stat {
  mean: number;
  max: number;
}

function stat(values: number[]): Stat {
  if (values.length === 0) return { mean: 0, max: 0 };
  return { mean: values.reduce((a, b) => a + b, 0) / values.length, max: Math.max(...values) };
}

export function summarise(input: ScaleInput, command: string): ScaleReport {
  const n = input.options.nodes;
  const watched = input.samples.filter((s) => s.at >= input.watchFrom);
  const accusations = input.events.filter((e) => e.at >= input.watchFrom);
  return {
    schema: "orrery-scale/1",
    command,
    startedAt: new Date(input.startedAt).toISOString(),
    options: input.options,
    machine: input.machine,
    readyS: input.readyMs / 1000,
    convergedS: input.convergedMs === null ? null : input.convergedMs / 1000,
    watch: {
      seconds: input.options.holdS,
      idleWindowS: input.idleWindowS,
      samples: watched.length,
      imperfectViews: watched.filter((s) => !s.error && (s.alive < n || s.suspect > 0 || s.dead > 0)).length,
      unansweredSamples: watched.filter((s) => s.error).length,
      falseSuspicions: accusations.filter((e) => e.type === "suspect").length,
      falseDeaths: accusations.filter((e) => e.type === "dead").length,
      membersAccused: new Set(accusations.map((e) => e.member)).size,
    },
    io: input.io,
    perNode: {
      rssMiB: stat(input.processes.map((p) => p.rssMiB)),
      idleCpuPct: stat(input.processes.map((p) => p.idleCpuPct)),
      settledIdleCpuPct: stat(input.processes.map((p) => p.settledIdleCpuPct)),
      holdCpuPct: stat(input.processes.map((p) => p.holdCpuPct)),
    },
    problems: input.problems,
  };
}

export function renderScale(r: ScaleReport): string {
  const w = r.watch;
  const rows: string[][] = [
    ["nodes started", `${r.options.nodes}${r.options.staggerMs ? `, ${r.options.staggerMs} ms apart` : ", all at once"}`, ""],
    ["all answering HTTP", `${fmt(r.readyS)} s`, ""],
    ["converged (every view: N alive, none suspect/dead)", r.convergedS === null ? "never" : `${fmt(r.convergedS)} s`, "≤ 120 s"],
    [`suspicion events over ${w.seconds} s (every observer's)`, String(w.falseSuspicions), "0"],
    [`death events over ${w.seconds} s (every observer's)`, String(w.falseDeaths), "0"],
    ["members accused at least once", String(w.membersAccused), "0"],
    ["sampled views imperfect / unanswered", `${w.imperfectViews} / ${w.unansweredSamples} of ${w.samples}`, "0"],
    ["writes failed / reads failed", `${r.io.writeFailures} of ${r.io.writes} / ${r.io.readFailures} of ${r.io.reads}`, "0"],
    ["RSS per node, mean / max", `${fmt(r.perNode.rssMiB.mean)} / ${fmt(r.perNode.rssMiB.max)} MiB`, "mean ≤ 80 MiB"],
    [`CPU per node, ${w.idleWindowS} s idle right after convergence, mean / max`, `${fmt(r.perNode.idleCpuPct.mean, 2)} / ${fmt(r.perNode.idleCpuPct.max, 2)} % of a core`, ""],
    [`idle CPU per node, the last ${w.idleWindowS} s (writes over), mean / max`, `${fmt(r.perNode.settledIdleCpuPct.mean, 2)} / ${fmt(r.perNode.settledIdleCpuPct.max, 2)} % of a core`, "≤ 0.5 %"],
    ["CPU per node over the watch, mean / max", `${fmt(r.perNode.holdCpuPct.mean, 2)} / ${fmt(r.perNode.holdCpuPct.max, 2)} % of a core`, ""],
  ];
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(", ");
  const lines = [
    `pnpm scale: ${r.options.nodes} nodes on ${r.machine.cpus} cores; load average ${load(r.machine.loadStart)} → ${load(r.machine.loadEnd)}`,
    "",
    renderTable(["figure", "result", "target (issue 14)"], rows, ""),
  ];
  if (r.problems.length) lines.push("", "problems:", ...r.problems.map((p) => `  - ${p}`));
  if (r.io.samples.length) lines.push("", "failed requests (samples):", ...r.io.samples.map((p) => `  - ${p}`));
  return lines.join("\n");
}
