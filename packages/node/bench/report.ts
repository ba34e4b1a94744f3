// The benchmark's results as one JSON document and as readable tables. Pure: it formats what run.ts
// measured, computes the ratios to the machine's ceilings and to the targets, and judges nothing.
import type { Ceilings } from "./ceilings.ts";
import type { LogSummary, StopResult } from "./cluster.ts";
import type { PhaseStats } from "./rss.ts";
import { ratio } from "./stats.ts";
import type { DownloadResult, SmallFilesResult, UploadResult } from "./workloads.ts";

/** From the issue, for 2 cores and a ~600 MB/s fsync disk. Reported next to the results, never asserted. */
export const TARGETS = {
  uploadDurableMBps: 180,
  downloadMBps: 1100,
  smallPutOpsPerSec: 2000,
  smallGetOpsPerSec: 8000,
  rssMBPerNode: 150,
} as const;

export interface Machine {
  cpus: number;
  cpuModel: string;
  memTotalMB: number;
  kernel: string;
  bun: string;
  loadAvgStart: number[];
  loadAvgEnd: number[];
}

export interface RunConfig {
  nodes: number;
  replicationFactor: number;
  durability: "quorum";
  chunkSize: number | null;
  sizeMiB: number;
  smallCount: number;
  concurrency: number;
  quick: boolean;
  dataRoot: string;
  kept: boolean;
}

export interface Ratios {
  uploadAckVsHttpPut: number | null;
  uploadDurableVsHttpPut: number | null;
  /** 3 copies written: bytes hitting the disks per second, and that against ceiling (a). */
  diskMBpsAtAck: number | null;
  diskAtAckVsDiskWrite: number | null;
  diskAtAckVsDiskWriteParallel: number | null;
  diskMBpsDurable: number | null;
  diskDurableVsDiskWrite: number | null;
  diskDurableVsDiskWriteParallel: number | null;
  downloadColdVsHttpGetCold: number | null;
  downloadWarmVsHttpGetWarm: number | null;
  vsTarget: {
    uploadDurable: number | null;
    downloadWarm: number | null;
    downloadCold: number | null;
    smallPut: number | null;
    smallGet: number | null;
    /** Highest node RSS (VmHWM, else sampled peak) over the limit: below 1 is within it. */
    rssWorstNode: number | null;
  };
}

export interface BenchReport {
  schema: "orrery-bench/1";
  startedAt: string;
  finishedAt: string;
  units: Record<string, string>;
  machine: Machine;
  config: RunConfig;
  targets: typeof TARGETS;
  ceilings: Ceilings | null;
  upload: UploadResult | null;
  download: DownloadResult | null;
  smallFiles: SmallFilesResult | null;
  rss: { peakSampledMB: Record<string, number | null>; hwmMB: Record<string, number | null> };
  phases: PhaseStats[];
  ratios: Ratios;
  nodeLogs: Record<string, LogSummary & { unexpectedExit?: string; stop?: StopResult }>;
  /** Integrity failures and anything else a reader of the numbers must know. */
  problems: string[];
  error?: string;
}

export const UNITS = {
  throughput: "MB/s, MB = 10^6 bytes",
  sizes: "MiB = 2^20 bytes",
  rss: "MB = 10^6 bytes",
  time: "ms unless the name says otherwise",
  cpu: "cpuMs = user + system CPU time of the process during the phase",
};

const TIMES = (n: number | null | undefined, k: number) => (n == null ? null : n * k);

export function computeRatios(r: Omit<BenchReport, "ratios">, nodeIds: string[]): Ratios {
  const c = r.ceilings;
  const ack = r.upload?.ackMBps ?? null;
  const durable = r.upload?.durableMBps ?? null;
  const copies = r.config.replicationFactor;
  const worstRss = nodeIds
    .map((id) => r.rss.hwmMB[id] ?? r.rss.peakSampledMB[id] ?? null)
    .reduce<number | null>((m, x) => (x == null ? m : m == null ? x : Math.max(m, x)), null);
  return {
    uploadAckVsHttpPut: ratio(ack, c?.httpPut?.mbps),
    uploadDurableVsHttpPut: ratio(durable, c?.httpPut?.mbps),
    diskMBpsAtAck: TIMES(ack, copies),
    diskAtAckVsDiskWrite: ratio(TIMES(ack, copies), c?.diskWrite.mbps),
    diskAtAckVsDiskWriteParallel: ratio(TIMES(ack, copies), c?.diskWriteParallel?.mbps),
    diskMBpsDurable: TIMES(durable, copies),
    diskDurableVsDiskWrite: ratio(TIMES(durable, copies), c?.diskWrite.mbps),
    diskDurableVsDiskWriteParallel: ratio(TIMES(durable, copies), c?.diskWriteParallel?.mbps),
    downloadColdVsHttpGetCold: ratio(r.download?.cold?.mbps, c?.httpGetCold?.mbps),
    downloadWarmVsHttpGetWarm: ratio(r.download?.warm.mbps, c?.httpGetWarm?.mbps),
    vsTarget: {
      uploadDurable: ratio(durable, TARGETS.uploadDurableMBps),
      downloadWarm: ratio(r.download?.warm.mbps, TARGETS.downloadMBps),
      downloadCold: ratio(r.download?.cold?.mbps, TARGETS.downloadMBps),
      smallPut: ratio(r.smallFiles?.put.opsPerSec, TARGETS.smallPutOpsPerSec),
      smallGet: ratio(r.smallFiles?.get.opsPerSec, TARGETS.smallGetOpsPerSec),
      rssWorstNode: ratio(worstRss, TARGETS.rssMBPerNode),
    },
  };
}

// ---- text ----

/** A number with fixed decimals and thousands separators, or "n/a". */
export function fmt(n: number | null | undefined, decimals = 1): string {
  if (n == null || !Number.isFinite(n)) return "n/a";
  return n.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

const times = (n: number | null | undefined, which: string) => (n == null ? "" : `${fmt(n, 2)} × ${which}`);
const both = (a: number | null, a3: number | null) => [times(a, "(a)"), times(a3, "(a3)")].filter(Boolean).join(", ");

/** Left-aligns the first column and right-aligns the others; rows shorter than the header are padded. */
export function renderTable(header: string[], rows: string[][], indent = "  "): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => [...(r[i] ?? "")].length)));
  const pad = (s: string, w: number, left: boolean) => {
    const fill = " ".repeat(Math.max(0, w - [...s].length));
    return left ? s + fill : fill + s;
  };
  const line = (r: string[]) => indent + header.map((_, i) => pad(r[i] ?? "", widths[i]!, i === 0)).join("   ").trimEnd();
  const rule = indent + widths.map((w) => "─".repeat(w)).join("   ");
  return [line(header), rule, ...rows.map(line)].join("\n");
}

/** CPU time is counted in 10 ms ticks, so a share over a phase shorter than half a second means little. */
const MIN_PHASE_FOR_CPU_MS = 500;
const pct = (cpuMs: number | null, wallMs: number) =>
  cpuMs == null ? "n/a" : wallMs < MIN_PHASE_FOR_CPU_MS ? "–" : `${fmt((cpuMs / wallMs) * 100, 0)}%`;

export function renderReport(r: BenchReport): string {
  const out: string[] = [];
  const cfg = r.config;
  const chunk = cfg.chunkSize ? `${fmt(cfg.chunkSize / 1024 / 1024, 0)} MiB` : "?";
  out.push(
    `Orrery benchmark · ${cfg.nodes} nodes on 127.0.0.1 · RF ${cfg.replicationFactor} · durability=${cfg.durability} · chunk ${chunk}` +
      ` · ${cfg.sizeMiB} MiB file · ${cfg.smallCount} × 4 KiB files at concurrency ${cfg.concurrency}${cfg.quick ? " · --quick" : ""}`,
  );
  const m = r.machine;
  out.push(
    `machine: ${m.cpus} × ${m.cpuModel}, ${fmt(m.memTotalMB / 1000, 1)} GB RAM, ${m.kernel}, bun ${m.bun};` +
      ` load avg ${m.loadAvgStart.map((x) => x.toFixed(2)).join(" ")} at start, ${m.loadAvgEnd.map((x) => x.toFixed(2)).join(" ")} at end`,
  );
  out.push(
    `${r.startedAt} → ${r.finishedAt}. MB = 10^6 bytes. Ceilings: (a) raw disk write+fsync, (a3) three such writers at once,` +
      ` (b) plain Bun.serve PUT, (c) plain Bun.serve GET. All three nodes share this one disk.`,
  );
  if (r.error) out.push(``, `RUN FAILED: ${r.error}`);

  const c = r.ceilings;
  out.push("", "Machine ceilings, same run");
  out.push(
    renderTable(
      ["ceiling", "MB/s"],
      [
        ["(a) disk: sequential write, 4 MiB blocks, fsync each", fmt(c?.diskWrite.mbps)],
        ["(a3) the same, 3 writers at once (3 nodes, 1 disk)", fmt(c?.diskWriteParallel?.mbps)],
        ["(b) Bun.serve PUT → one file, fsync every 4 MiB", c?.httpPut ? fmt(c.httpPut.mbps) : `n/a${c?.httpPutError ? ` (${c.httpPutError})` : ""}`],
        ["(c) Bun.serve GET of a file (Bun.file), cold", c?.httpGetCold ? fmt(c.httpGetCold.mbps) : `n/a${c?.httpGetColdReason ? ` (${c.httpGetColdReason})` : ""}`],
        ["(c) Bun.serve GET of a file (Bun.file), warm", fmt(c?.httpGetWarm?.mbps)],
      ],
    ),
  );

  const x = r.ratios;
  const t = TARGETS;
  const u = r.upload;
  const d = r.download;
  const s = r.smallFiles;
  const rows: string[][] = [];
  rows.push([`upload ${cfg.sizeMiB} MiB, until 201`, `${fmt(u?.ackMBps)} MB/s`, times(x.uploadAckVsHttpPut, "(b)"), "", ""]);
  rows.push(["  disk writes, 3 copies (3 × the line above)", `${fmt(x.diskMBpsAtAck)} MB/s`, both(x.diskAtAckVsDiskWrite, x.diskAtAckVsDiskWriteParallel), "", ""]);
  rows.push([
    "upload, until all 3 copies durable",
    u?.durableError ? "not reached" : `${fmt(u?.durableMBps)} MB/s`,
    times(x.uploadDurableVsHttpPut, "(b)"),
    `≥ ${fmt(t.uploadDurableMBps, 0)} MB/s`,
    fmt(x.vsTarget.uploadDurable, 2),
  ]);
  rows.push(["  disk writes, 3 copies (3 × the line above)", `${fmt(x.diskMBpsDurable)} MB/s`, both(x.diskDurableVsDiskWrite, x.diskDurableVsDiskWriteParallel), "", ""]);
  rows.push([
    `download, cold${d?.cold ? ` (from ${d.cold.node})` : ""}`,
    d?.cold ? `${fmt(d.cold.mbps)} MB/s` : `n/a`,
    times(x.downloadColdVsHttpGetCold, "(c) cold"),
    `≥ ${fmt(t.downloadMBps, 0)} MB/s`,
    fmt(x.vsTarget.downloadCold, 2),
  ]);
  rows.push([
    `download, warm${d ? ` (from ${d.warm.node})` : ""}`,
    `${fmt(d?.warm.mbps)} MB/s`,
    times(x.downloadWarmVsHttpGetWarm, "(c) warm"),
    `≥ ${fmt(t.downloadMBps, 0)} MB/s`,
    fmt(x.vsTarget.downloadWarm, 2),
  ]);
  rows.push([`4 KiB PUT, concurrency ${cfg.concurrency}`, `${fmt(s?.put.opsPerSec, 0)} ops/s`, "", `≥ ${fmt(t.smallPutOpsPerSec, 0)} /s`, fmt(x.vsTarget.smallPut, 2)]);
  rows.push(["  latency p50 / p99", `${fmt(s?.put.latency.p50Ms)} / ${fmt(s?.put.latency.p99Ms)} ms`, "", "", ""]);
  rows.push([`4 KiB GET, concurrency ${cfg.concurrency}`, `${fmt(s?.get.opsPerSec, 0)} ops/s`, "", `≥ ${fmt(t.smallGetOpsPerSec, 0)} /s`, fmt(x.vsTarget.smallGet, 2)]);
  rows.push(["  latency p50 / p99", `${fmt(s?.get.latency.p50Ms)} / ${fmt(s?.get.latency.p99Ms)} ms`, "", "", ""]);
  for (const id of Object.keys(r.nodeLogs)) {
    const hwm = r.rss.hwmMB[id];
    const peak = r.rss.peakSampledMB[id];
    rows.push([`RSS ${id}, peak sampled / VmHWM`, `${fmt(peak)} / ${fmt(hwm)} MB`, "", `< ${fmt(t.rssMBPerNode, 0)} MB`, fmt(ratio(hwm ?? peak, t.rssMBPerNode), 2)]);
  }
  out.push("", "Orrery");
  out.push(renderTable(["measure", "result", "vs ceiling", "target", "÷ target"], rows));

  const details: string[] = [];
  if (u) {
    details.push(
      `upload: ${u.chunks} chunks via ${u.node}, 201 after ${fmt(u.ackMs / 1000, 1)} s (≥ ${u.copiesAtAck} copies per chunk at ack, ${u.queuedAtAck} queued)` +
        (u.durableMs != null ? `, 3 copies on disk after ${fmt(u.durableMs / 1000, 1)} s` : `; ${u.durableError ?? ""}`),
    );
  }
  if (d) {
    const ok = d.warm.sha256Ok && (d.cold?.sha256Ok ?? true);
    details.push(`download: sha256 ${ok ? "matches the upload" : "MISMATCH"}; cold ${d.cold ? "measured" : `not measured: ${d.coldReason}`}`);
  }
  if (s) {
    details.push(
      `small files: PUT ${s.put.ok}/${s.put.count} ok (${s.put.errors} errors), settled in ${s.settleMs != null ? `${fmt(s.settleMs, 0)} ms` : `n/a: ${s.settleError}`}, GET ${s.get.ok}/${s.get.count} ok (${s.get.errors} errors)`,
    );
  }
  if (details.length) out.push("", ...details);

  if (r.phases.length) {
    const procs = Object.keys(r.phases[0]!.procs);
    out.push("", `Per phase: CPU time as % of one core (this machine has ${m.cpus}; – for phases under 0.5 s), peak RSS in MB`);
    out.push(
      renderTable(
        ["phase", "wall s", ...procs.map((p) => `${p} cpu`), ...procs.map((p) => `${p} rss`)],
        r.phases.map((p) => [
          p.name,
          fmt(p.wallMs / 1000, 1),
          ...procs.map((n) => pct(p.procs[n]?.cpuMs ?? null, p.wallMs)),
          ...procs.map((n) => fmt(p.procs[n]?.peakRssMB, 0)),
        ]),
      ),
    );
  }

  out.push("", "Node logs (LOG_LEVEL=warn) and clean stop");
  for (const [id, l] of Object.entries(r.nodeLogs)) {
    const stop = l.stop
      ? `; SIGTERM → exit ${l.stop.exitCode ?? "none"} in ${fmt(l.stop.ms, 0)} ms${l.stop.killedAfterGrace ? " (did not stop in time: SIGKILLed)" : ""}`
      : "";
    out.push(`  ${id}: ${l.warnings} warnings, ${l.errors} errors, ${l.other} other lines${stop}${l.unexpectedExit ? `; DIED: ${l.unexpectedExit}` : ""}`);
    for (const line of l.samples) out.push(`    ${line}`);
  }
  if (r.problems.length) {
    out.push("", "Problems");
    for (const p of r.problems) out.push(`  - ${p}`);
  }
  return `${out.join("\n")}\n`;
}
