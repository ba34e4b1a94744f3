// The benchmark's results as one JSON document and as readable tables. Pure: it formats what run.ts
// measured, computes the ratios to the machine's ceilings and to the targets, and judges nothing.
import type { Ceilings } from "./ceilings.ts";
import type { LogSummary, StopResult } from "./cluster.ts";
import type { FailureResult, JoinResult, ScenarioProcs } from "./heal.ts";
import { type PeerSecurityResult, renderPeerSecurity } from "./peer-security.ts";
import type { BenchPart } from "./options.ts";
import type { PhaseStats } from "./rss.ts";
import { MiB, ratio } from "./stats.ts";
import type { DownloadResult, SmallFilesResult, UploadResult } from "./workloads.ts";

/** From the issue, for 2 cores and a ~600 MB/s fsync disk. Reported next to the results, never asserted. */
export const TARGETS = {
  uploadDurableMBps: 180,
  downloadMBps: 1100,
  smallPutOpsPerSec: 2000,
  smallGetOpsPerSec: 8000,
  rssMBPerNode: 150,
  /** Join of a 4th node: bytes moved ÷ the least possible (one copy of each chunk the newcomer owns), at most. */
  joinBytesMovedRatio: 1.15,
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
  /** The parts that ran (--only). */
  parts: BenchPart[];
  nodes: number;
  replicationFactor: number;
  durability: "quorum";
  chunkSize: number | null;
  sizeMiB: number;
  smallCount: number;
  /** Rounds of the peer-security part (each: one authenticated and one encrypted cluster). */
  securityRounds?: number;
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
    /** Join bytes-moved ratio over its ceiling (1.15): at most 1 meets the target. */
    joinBytesMoved: number | null;
  };
}

export type NodeLog = LogSummary & { unexpectedExit?: string; stop?: StopResult };

export interface HealConfig {
  replicationFactor: number;
  sizeMiB: number;
  fileMiB: number;
  files: number;
  durability: "quorum";
  gossipIntervalMs: number;
  /** As given to the nodes; they read it as MiB/s, one cap per node's queue worker. */
  rebalanceBandwidthMBps: number;
  graceS: number;
  logLevel: string;
  detectionPollMs: number;
  /** The node's placement check runs this long after a ring change (fixed in the node). */
  placementCheckDebounceMs: number;
}

export interface HealReport {
  config: HealConfig;
  failure: FailureResult | null;
  failureError?: string;
  join: JoinResult | null;
  joinError?: string;
  nodeLogs: Record<string, NodeLog>;
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
  /** What encrypting peer traffic costs; null when that part did not run. */
  security: PeerSecurityResult | null;
  /** The self-healing benchmarks; null when they did not run (--only core). */
  heal: HealReport | null;
  rss: { peakSampledMB: Record<string, number | null>; hwmMB: Record<string, number | null> };
  phases: PhaseStats[];
  ratios: Ratios;
  nodeLogs: Record<string, NodeLog>;
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
      joinBytesMoved: ratio(r.heal?.join?.movedVsIdeal, TARGETS.joinBytesMovedRatio),
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
  const core = cfg.parts.includes("core");
  const chunk = cfg.chunkSize ? `${fmt(cfg.chunkSize / 1024 / 1024, 0)} MiB` : "?";
  out.push(
    core
      ? `Orrery benchmark · ${cfg.nodes} nodes on 127.0.0.1 · RF ${cfg.replicationFactor} · durability=${cfg.durability} · chunk ${chunk}` +
          ` · ${cfg.sizeMiB} MiB file · ${cfg.smallCount} × 4 KiB files at concurrency ${cfg.concurrency}${cfg.quick ? " · --quick" : ""}` +
          (r.security ? " · then peer security" : "") +
          (r.heal ? " · then self-healing" : "")
      : `Orrery benchmark · ${cfg.parts.includes("heal") ? "self-healing" : "peer security"} only (--only ${cfg.parts.join(",")}) · nodes on 127.0.0.1 · chunk ${chunk}${cfg.quick ? " · --quick" : ""}`,
  );
  const m = r.machine;
  out.push(
    `machine: ${m.cpus} × ${m.cpuModel}, ${fmt(m.memTotalMB / 1000, 1)} GB RAM, ${m.kernel}, bun ${m.bun};` +
      ` load avg ${m.loadAvgStart.map((x) => x.toFixed(2)).join(" ")} at start, ${m.loadAvgEnd.map((x) => x.toFixed(2)).join(" ")} at end`,
  );
  out.push(
    `${r.startedAt} → ${r.finishedAt}. MB = 10^6 bytes.` +
      (core
        ? ` Ceilings: (a) raw disk write+fsync, (a3) three such writers at once, (b) plain Bun.serve PUT, (c) plain Bun.serve GET. All three nodes share this one disk.`
        : " All nodes share this one disk."),
  );
  if (r.error) out.push(``, `RUN FAILED: ${r.error}`);
  if (core) out.push(...renderCore(r));
  if (r.security) out.push(...renderPeerSecurity(r.security));
  if (r.heal) out.push(...renderHeal(r.heal, r.ratios, m.cpus));
  if (r.problems.length) {
    out.push("", "Problems");
    for (const p of r.problems) out.push(`  - ${p}`);
  }
  return `${out.join("\n")}\n`;
}

function renderPhases(phases: PhaseStats[], cpus: number, title: string): string[] {
  if (!phases.length) return [];
  const procs = [...new Set(phases.flatMap((p) => Object.keys(p.procs)))];
  return [
    "",
    `${title}: CPU time as % of one core (this machine has ${cpus}; – for phases under 0.5 s), peak RSS in MB`,
    renderTable(
      ["phase", "wall s", ...procs.map((p) => `${p} cpu`), ...procs.map((p) => `${p} rss`)],
      phases.map((p) => [
        p.name,
        fmt(p.wallMs / 1000, 1),
        ...procs.map((n) => pct(p.procs[n]?.cpuMs ?? null, p.wallMs)),
        ...procs.map((n) => fmt(p.procs[n]?.peakRssMB, 0)),
      ]),
    ),
  ];
}

function renderNodeLogs(logs: Record<string, NodeLog>, title: string): string[] {
  const out = ["", title];
  for (const [id, l] of Object.entries(logs)) {
    const stop = l.stop
      ? `; SIGTERM → exit ${l.stop.exitCode ?? "none"} in ${fmt(l.stop.ms, 0)} ms${l.stop.killedAfterGrace ? " (did not stop in time: SIGKILLed)" : ""}`
      : "";
    out.push(`  ${id}: ${l.warnings} warnings, ${l.errors} errors, ${l.other} other lines${stop}${l.unexpectedExit ? `; DIED: ${l.unexpectedExit}` : ""}`);
    for (const line of l.samples) out.push(`    ${line}`);
  }
  return out;
}

function renderCore(r: BenchReport): string[] {
  const out: string[] = [];
  const cfg = r.config;
  const m = r.machine;
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

  out.push(...renderPhases(r.phases, m.cpus, "Per phase"));
  out.push(...renderNodeLogs(r.nodeLogs, "Node logs (LOG_LEVEL=warn) and clean stop"));
  return out;
}

const secs = (ms: number | null | undefined) => (ms == null ? "n/a" : `${fmt(ms / 1000, 2)} s`);
const mib = (bytes: number | null | undefined) => (bytes == null ? "n/a" : `${fmt(bytes / MiB, 0)} MiB`);
const counts = (rec: Record<string, number>) =>
  Object.keys(rec).length ? Object.entries(rec).map(([k, v]) => `${v} × ${k}`).join(", ") : "none";
const perNode = (rec: Record<string, number>) => Object.entries(rec).map(([k, v]) => `${k} ${v}`).join(", ");

export function renderHeal(h: HealReport, x: Ratios, cpus: number): string[] {
  const out: string[] = [];
  const c = h.config;
  out.push(
    "",
    `Self-healing · RF ${c.replicationFactor} · GOSSIP_INTERVAL_MS=${c.gossipIntervalMs} (the default) · REBALANCE_BANDWIDTH_MBPS=${fmt(c.rebalanceBandwidthMBps, 0)}` +
      ` (a cap per node's queue worker, read as MiB/s${c.rebalanceBandwidthMBps >= 500 ? ": high, so not the limit" : ""}) · ${c.sizeMiB} MiB as ${c.files} × ${c.fileMiB} MiB files at durability=${c.durability} · LOG_LEVEL=${c.logLevel}`,
    `  The placement check runs ${fmt(c.placementCheckDebounceMs / 1000, 0)} s after a ring change; the queue worker is rate-capped by REBALANCE_BANDWIDTH_MBPS.` +
      ` Detection: GET /api/cluster on every survivor every ${c.detectionPollMs} ms. Copies: chunk files listed under each DATA_DIR/chunks.`,
  );
  const rows: string[][] = [];
  const f = h.failure;
  if (f) {
    const r = f.rereplication;
    const d = f.detection;
    rows.push([`failure: ${f.nodes} nodes, SIGKILL ${f.victim}`, "", "", ""]);
    rows.push(["  kill → first survivor reports it suspect", secs(d.firstSuspectMs), "", ""]);
    rows.push(["  kill → first survivor reports it dead", secs(d.firstDeadMs), "", ""]);
    rows.push([`  kill → all ${f.survivors.length} survivors report it dead`, secs(d.allDeadMs), "", ""]);
    rows.push(["  kill → first placement check queued copies (log)", secs(r.firstPlacementCheckMs), "", ""]);
    rows.push(["  kill → every chunk at 3 copies on live nodes", r.completeMs == null ? "not reached" : secs(r.completeMs), "", ""]);
    rows.push(["  kill → survivors' queues empty", secs(r.queuesEmptyMs), "", ""]);
    rows.push([`  copies made / copies ${f.victim} held`, `${r.copiesMade} / ${r.copiesLost}`, "", fmt(r.copiesMadeVsLost, 2)]);
    rows.push(["  bytes re-replicated (copies made × chunk size)", `${mib(r.bytesMade)} (${fmt(r.bytesMade / 1e6, 0)} MB)`, "", ""]);
    rows.push(["  bytes sent over the transfer port ÷ bytes lost (node logs)", fmt(r.bytesSentVsLost, 3), "", ""]);
    rows.push(["  re-replication rate, from the kill", `${fmt(r.mbpsFromKill)} MB/s`, "", ""]);
    rows.push(["  re-replication rate, from the first `dead`", `${fmt(r.mbpsFromFirstDead)} MB/s`, "", ""]);
  } else {
    rows.push(["failure", `not measured${h.failureError ? `: ${h.failureError.split("\n")[0]!.slice(0, 120)}` : ""}`, "", ""]);
  }
  const j = h.join;
  if (j) {
    rows.push([`join: ${j.nodesBefore} nodes + ${j.newcomer} (REBALANCE_GRACE_S=${fmt(j.graceS, 0)})`, "", "", ""]);
    rows.push(["  bytes moved ÷ ideal", fmt(j.movedVsIdeal, 3), `≤ ${fmt(TARGETS.joinBytesMovedRatio, 2)}`, fmt(x.vsTarget.joinBytesMoved, 2)]);
    rows.push([
      "  bytes moved: to the newcomer + new copies on old nodes",
      `${mib(j.moved.movedBytes)} = ${mib(j.moved.newcomerBytes)} + ${mib(j.moved.oldNodeBytes)}`,
      "",
      "",
    ]);
    rows.push([`  ideal: the ${j.ideal.copies} chunk copies ${j.newcomer} owns`, `${mib(j.ideal.bytes)} (even share ${mib(j.ideal.evenShareBytes)})`, "", ""]);
    rows.push(["  bytes moved ÷ even share (all copies ÷ 4)", fmt(j.movedVsEvenShare, 3), "", ""]);
    rows.push(["  bytes sent over the transfer port ÷ ideal (node logs; counts repeats)", `${fmt(j.sentVsIdeal, 3)} (${mib(j.sentBytes)})`, "", ""]);
    rows.push([`  start → ${j.newcomer} answers HTTP`, secs(j.readyMs), "", ""]);
    rows.push(["  start → every node sees 4 alive", secs(j.membershipMs), "", ""]);
    rows.push([`  start → ${j.newcomer} holds all its chunks`, secs(j.newcomerFilledMs), "", ""]);
    rows.push(["  start → hand-off complete (exactly the owners hold each chunk, queues empty)", j.completeMs == null ? "not reached" : secs(j.completeMs), "", ""]);
  } else {
    rows.push(["join", `not measured${h.joinError ? `: ${h.joinError.split("\n")[0]!.slice(0, 120)}` : ""}`, "", ""]);
  }
  out.push("", renderTable(["measure", "result", "target", "÷ target"], rows));

  const details: string[] = [];
  const tl = (t: FailureResult["transfers"]) =>
    `${t.delivered} copies delivered by queue workers (${mib(t.deliveredBytes)}), ${t.repeatedDeliveries} repeated (same chunk to the same node); ` +
    `${t.received} chunk PUTs received, ${t.receivedExisting} of chunks already there; ${t.placementChecks} placement checks queued ${t.placementQueued} copies` +
    `${Object.keys(t.otherQueued).length ? `; also queued: ${counts(t.otherQueued)}` : ""}; queue rows dropped: ${counts(t.dropped)}; surplus copies deleted: ${t.surplusDeleted}`;
  if (f) {
    details.push(
      `failure: upload ${f.upload.files} files, ${f.upload.chunks} chunks in ${fmt(f.upload.ms / 1000, 1)} s (${fmt(f.upload.mbps)} MB/s), 3 copies settled ${fmt(f.upload.settleMs / 1000, 1)} s later`,
      `  detection per survivor (poll / its own log): ${Object.entries(f.detection.perNode)
        .map(([id, p]) => `${id} suspect ${secs(p.suspectMs)}, dead ${secs(p.deadMs)} / ${secs(p.deadInLogMs)}`)
        .join("; ")}`,
      `  node logs: ${tl(f.transfers)}`,
      `  copies sent per survivor (GET /api/health queue.delivered): ${perNode(f.deliveredByNode)}; after: copies per chunk min ${f.rereplication.after.min}, max ${f.rereplication.after.max}`,
      `  read-back from ${f.survivors[0]}: ${f.readBack.checked} files, ${f.readBack.mismatches.length ? `MISMATCH ${f.readBack.mismatches.join("; ")}` : "sha256 matches the upload"}`,
    );
    if (f.rereplication.completeError) details.push(`  ${f.rereplication.completeError}`);
  }
  if (j) {
    details.push(
      `join: upload ${j.upload.files} files, ${j.upload.chunks} chunks in ${fmt(j.upload.ms / 1000, 1)} s (${fmt(j.upload.mbps)} MB/s), 3 copies settled ${fmt(j.upload.settleMs / 1000, 1)} s later`,
      `  moved: ${j.moved.newcomerCopies} chunk files on ${j.newcomer}, ${j.moved.oldNodeCopies} new on old nodes; after: copies per chunk min ${j.after.min}, max ${j.after.max}`,
      `  node logs: ${tl(j.transfers)}`,
      `  copies sent per node (GET /api/health queue.delivered): ${perNode(j.deliveredByNode)}`,
      `  read-back from ${j.newcomer}: ${j.readBack.checked} files, ${j.readBack.mismatches.length ? `MISMATCH ${j.readBack.mismatches.join("; ")}` : "sha256 matches the upload"}`,
    );
    if (j.completeError) details.push(`  ${j.completeError}`);
  }
  if (details.length) out.push("", ...details);
  const procs = (p: ScenarioProcs | undefined, title: string) => (p ? renderPhases(p.phases, cpus, title) : []);
  out.push(...procs(f?.procs, "Failure benchmark, per phase"));
  out.push(...procs(j?.procs, "Join benchmark, per phase"));
  if (Object.keys(h.nodeLogs).length) out.push(...renderNodeLogs(h.nodeLogs, `Self-healing node logs (LOG_LEVEL=${c.logLevel}: warnings and errors counted) and clean stop`));
  return out;
}
