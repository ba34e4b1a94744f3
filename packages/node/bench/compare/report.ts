// The compare run's results as one JSON document and one table. Pure: medians, the best peer, every Orrery
// figure divided by the best peer's and by the machine's ceiling (or, for the S3 figures, by the files API's
// figure of the same run), formatting. Nothing here measures or judges.
import { median } from "../stats.ts";
import type { StraceReport } from "./strace.ts";
import { PEER_IDS, type SystemId } from "./systems/system.ts";
import { type CeilingId, ceilingTitle, type Sizes, type Unit, WORKLOADS, type WorkloadId, workloadTitle } from "./workload-ids.ts";

/** One repetition of one workload on one system. */
export interface Measurement {
  rep: number;
  /** MB/s or files/s; null when the run failed. */
  value: number | null;
  ms: number | null;
  ok: number;
  errors: number;
  errorSamples: string[];
  /** Every byte on 3 servers after a large write (null: verified, or not applicable). */
  copiesProblem?: string | null;
  latencyP50Ms?: number | null;
  latencyP99Ms?: number | null;
  /** CPU seconds each server process used during the repetition (systems that know their processes). */
  cpuSec?: Record<string, number | null>;
}

export interface Figure {
  runs: Measurement[];
  /** Median of the repetitions that produced a value. */
  median: number | null;
  skipped?: string;
  /** Peak RSS per server node over this workload's repetitions (high-water marks reset before them), MiB. */
  peakRssMiB?: Record<string, number | null>;
}

/** Per node, the higher of two peaks (null where neither has one): a run's peak from its parts' peaks. */
export function higherPeaks(a: Record<string, number | null> | undefined, b: Record<string, number | null>): Record<string, number | null> {
  const out: Record<string, number | null> = { ...a };
  for (const [node, v] of Object.entries(b)) {
    const prev = out[node] ?? null;
    out[node] = v === null ? prev : prev === null ? v : Math.max(prev, v);
  }
  return out;
}

/** The worst node's peak, or null when no node has one. */
export function worstNode(nodes: Record<string, number | null> | undefined): number | null {
  const v = Object.values(nodes ?? {}).filter((x): x is number => x !== null);
  return v.length ? Math.max(...v) : null;
}

export interface CeilingFigure {
  id: CeilingId;
  title: string;
  unit: Unit;
  values: (number | null)[];
  median: number | null;
  note?: string;
}

export interface Comparison {
  id: WorkloadId | "rss";
  title: string;
  unit: Unit;
  better: "higher" | "lower";
  orrery: number | null;
  peers: Partial<Record<SystemId, number | null>>;
  bestPeer: { system: SystemId; value: number } | null;
  /** Orrery ÷ best peer: above 1 is ahead for "higher" figures, below 1 for "lower" ones. */
  vsBestPeer: number | null;
  ceiling: { id: CeilingId; title: string; value: number | null } | null;
  vsCeiling: number | null;
  /** For Orrery-only figures: another Orrery figure of this run they are compared with. */
  reference: { id: WorkloadId; title: string; value: number | null } | null;
  vsReference: number | null;
}

export interface CompareReport {
  schema: "orrery-bench-compare/1";
  startedAt: string;
  finishedAt: string;
  command: string;
  machine: {
    cpus: number;
    cpuModel: string;
    memTotalMB: number;
    kernel: string;
    bun: string;
    uptimeStart: string;
    uptimeEnd: string;
    loadAvgStart: number[];
    loadAvgEnd: number[];
  };
  config: {
    systems: SystemId[];
    workloads: WorkloadId[];
    reps: number;
    sizeMiB: number;
    smallCount: number;
    clients: number;
    dropCaches: boolean;
    quick: boolean;
    dataRoot: string;
    client: string;
    systemsDetail: Partial<Record<SystemId, Record<string, unknown>>>;
  };
  ceilings: Partial<Record<CeilingId, CeilingFigure>>;
  results: Partial<Record<WorkloadId, Partial<Record<SystemId, Figure>>>>;
  /** Peak RSS per server node over the run, MiB (kernel VmHWM; a peer's node is the sum of its daemons). */
  peakRssMiB: Partial<Record<SystemId, Record<string, number | null>>>;
  comparisons: Comparison[];
  strace: StraceReport | null;
  cpuProfDir: string | null;
  problems: string[];
  error?: string;
}

const ratio = (a: number | null | undefined, b: number | null | undefined) => (a == null || b == null || !(b > 0) ? null : a / b);

export function medianOf(runs: Measurement[]): number | null {
  const values = runs.map((r) => r.value).filter((v): v is number => v !== null && Number.isFinite(v));
  return values.length ? median(values) : null;
}

export function ceilingFigure(id: CeilingId, unit: Unit, values: (number | null)[], sizes: Sizes, note?: string): CeilingFigure {
  const ok = values.filter((v): v is number => v !== null);
  return { id, title: ceilingTitle(id, sizes), unit, values, median: ok.length ? median(ok) : null, ...(note ? { note } : {}) };
}

function best(values: Partial<Record<SystemId, number | null>>, better: "higher" | "lower"): { system: SystemId; value: number } | null {
  let out: { system: SystemId; value: number } | null = null;
  for (const [system, value] of Object.entries(values) as [SystemId, number | null][]) {
    if (value === null || value === undefined) continue;
    if (!out || (better === "higher" ? value > out.value : value < out.value)) out = { system, value };
  }
  return out;
}

/** Every Orrery figure against the best peer and its ceiling or reference, in workload order, then peak RSS. */
export function compare(
  results: CompareReport["results"],
  ceilings: CompareReport["ceilings"],
  peakRss: CompareReport["peakRssMiB"],
  sizes: Sizes,
): Comparison[] {
  const out: Comparison[] = [];
  for (const [id, bySystem] of Object.entries(results) as [WorkloadId, Partial<Record<SystemId, Figure>>][]) {
    const spec = WORKLOADS[id];
    const orrery = bySystem.orrery?.median ?? null;
    const peers: Partial<Record<SystemId, number | null>> = {};
    for (const p of PEER_IDS) if (bySystem[p]) peers[p] = bySystem[p]!.median;
    const bestPeer = best(peers, "higher");
    const ceil = spec.ceiling ? ceilings[spec.ceiling] : undefined;
    const refValue = spec.reference ? (results[spec.reference]?.orrery?.median ?? null) : null;
    out.push({
      id,
      title: workloadTitle(id, sizes),
      unit: spec.unit,
      better: "higher",
      orrery,
      peers,
      bestPeer,
      vsBestPeer: ratio(orrery, bestPeer?.value),
      ceiling: spec.ceiling ? { id: spec.ceiling, title: ceilingTitle(spec.ceiling, sizes), value: ceil?.median ?? null } : null,
      vsCeiling: ratio(orrery, ceil?.median),
      reference: spec.reference ? { id: spec.reference, title: workloadTitle(spec.reference, sizes), value: refValue } : null,
      vsReference: ratio(orrery, refValue),
    });
  }
  const worst = worstNode;
  if (peakRss.orrery) {
    const peers: Partial<Record<SystemId, number | null>> = {};
    for (const p of PEER_IDS) if (peakRss[p]) peers[p] = worst(peakRss[p]);
    const orrery = worst(peakRss.orrery);
    const bestPeer = best(peers, "lower");
    out.push({
      id: "rss",
      title: "peak RSS of a node over the run",
      unit: "MiB",
      better: "lower",
      orrery,
      peers,
      bestPeer,
      vsBestPeer: ratio(orrery, bestPeer?.value),
      ceiling: null,
      vsCeiling: null,
      reference: null,
      vsReference: null,
    });
  }
  return out;
}

export function fmt(value: number | null | undefined, unit?: Unit): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  const digits = unit === "MiB" ? 0 : value >= 1000 ? 0 : value >= 100 ? 1 : value >= 10 ? 1 : 2;
  const n = value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return unit ? `${n} ${unit}` : n;
}

const times = (r: number | null) => (r === null ? "–" : `${r.toFixed(2)}×`);

/** Plain columns, padded to width (no box drawing: it pastes into Markdown as a table). */
export function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, k) => Math.max(Bun.stringWidth(h), ...rows.map((r) => Bun.stringWidth(r[k] ?? ""))));
  const line = (cells: string[]) => `| ${cells.map((c, k) => c + " ".repeat(widths[k]! - Bun.stringWidth(c))).join(" | ")} |`;
  return [line(header), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...rows.map(line)].join("\n");
}

export function renderReport(r: CompareReport): string {
  const peerCols = r.config.systems.filter((s) => s !== "orrery");
  const names: Record<SystemId, string> = { orrery: "Orrery", glusterfs: "GlusterFS", moosefs: "MooseFS" };
  const header = ["figure", "ceiling / reference", ...peerCols.map((p) => names[p]), "Orrery", "÷ best peer", "÷ ceiling / ref."];
  const rows = r.comparisons.map((c) => {
    const limit = c.ceiling
      ? `${c.ceiling.title}: ${fmt(c.ceiling.value, c.unit)}`
      : c.reference
        ? `files API: ${fmt(c.reference.value, c.unit)}`
        : "";
    const peerCells = peerCols.map((p) => (p in c.peers ? fmt(c.peers[p], c.unit) : "n/a"));
    return [
      c.title,
      limit,
      ...peerCells,
      fmt(c.orrery, c.unit),
      c.vsBestPeer === null ? "–" : `${times(c.vsBestPeer)}${c.better === "lower" ? " (lower is better)" : ""}`,
      times(c.vsCeiling ?? c.vsReference),
    ];
  });
  const out = [
    `pnpm bench --compare: every figure a median of ${r.config.reps}, all systems on this machine in one run`,
    `load: ${r.machine.uptimeStart.trim()} (start) → ${r.machine.uptimeEnd.trim()} (end)`,
    "",
    renderTable(header, rows),
  ];
  if (Object.keys(r.peakRssMiB).length) {
    out.push("", "peak RSS per node (MiB): " + Object.entries(r.peakRssMiB).map(([s, nodes]) => `${names[s as SystemId]} ${Object.values(nodes).map((v) => fmt(v)).join(" / ")}`).join("; "));
    const byWorkload = renderPeaksByWorkload(r, names);
    if (byWorkload.length) out.push("peak RSS of the worst node by workload (MiB):", ...byWorkload);
  }
  if (r.strace) out.push("", renderStrace(r.strace));
  if (r.cpuProfDir) out.push("", `CPU profiles of the Orrery nodes: ${r.cpuProfDir}`);
  if (r.problems.length) out.push("", "problems:", ...r.problems.map((p) => `  - ${p}`));
  if (r.error) out.push("", `run failed: ${r.error}`);
  return `${out.join("\n")}\n`;
}

/** One line per system: each workload's worst node (workloads whose peaks were not recorded are left out). */
function renderPeaksByWorkload(r: CompareReport, names: Record<SystemId, string>): string[] {
  return r.config.systems.flatMap((s) => {
    const parts = Object.entries(r.results ?? {}).flatMap(([id, figures]) => {
      const peaks = figures?.[s]?.peakRssMiB;
      const worst = peaks && worstNode(peaks);
      return peaks ? [`${id} ${worst === null ? "–" : Math.round(worst!)}`] : [];
    });
    return parts.length ? [`  ${names[s]}: ${parts.join(", ")}`] : [];
  });
}

export function renderStrace(s: StraceReport): string {
  const header = ["Orrery workload (strace -c -f, 3 nodes)", "per", "units", "fsync-family", "per unit", "syscalls", "per unit", "top syscalls per unit"];
  const rows = s.passes.map((p) => [
    p.title,
    p.unit,
    String(p.units),
    String(p.fsyncs),
    p.fsyncsPerUnit === null ? "–" : p.fsyncsPerUnit.toFixed(2),
    String(p.syscalls),
    p.syscallsPerUnit === null ? "–" : p.syscallsPerUnit.toFixed(1),
    p.top.slice(0, 6).map((t) => `${t.name} ${t.perUnit.toFixed(1)}`).join(", "),
  ]);
  const lines = [renderTable(header, rows)];
  for (const p of s.passes) if (p.error) lines.push(`  ${p.title}: ${p.error}`);
  lines.push("(the strace passes are untimed extra runs: ptrace slows the nodes, so their figures are not in the table above)");
  return lines.join("\n");
}
