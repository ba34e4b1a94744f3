// Prints a campaign's result as tables for people and as one JSON summary for tools.
import type { CampaignResult } from "./campaign.ts";
import { statusClasses } from "./node-metrics.ts";

const pad = (s: string | number, n: number) => String(s).padEnd(n);
const lpad = (s: string | number, n: number) => String(s).padStart(n);

export function renderReport(r: CampaignResult): string {
  const out: string[] = [];
  out.push(`Orrery fuzz campaign — seed ${r.seed}`);
  out.push(`${r.sent} inputs (${r.requested} requested) in ${r.seconds.toFixed(1)} s, ${r.rate}/s`);
  out.push("", "inputs by family");
  for (const [family, n] of Object.entries(r.byFamily)) out.push(`  ${pad(family, 26)}${lpad(n, 10)}`);
  out.push(`  ${pad("per node", 26)}${Object.entries(r.byNode).map(([id, n]) => `${id} ${n}`).join(", ")}`);
  out.push(`  ${pad("filtered out as valid", 26)}gossip ${r.filtered.gossipValidSkipped}, rpc ${r.filtered.rpcValidSkipped}, http regenerated ${r.filtered.httpRegenerated}`);

  out.push("", "HTTP answers seen by the fuzzer (family, class: count)");
  out.push(`  ${Object.entries(r.httpStatus).map(([k, n]) => `${k}: ${n}`).join(", ")}`);

  out.push("", `${pad("node", 6)}${lpad("RSS warm-up", 13)}${lpad("RSS end", 10)}${lpad("change", 9)}${lpad("peak", 8)}   log lines during the campaign`);
  for (const [id, n] of Object.entries(r.nodes)) {
    const change = n.rssChange === undefined ? "?" : `${(n.rssChange * 100).toFixed(1)}%`;
    out.push(`${pad(id, 6)}${lpad(n.rssWarmupMiB?.toFixed(0) ?? "?", 13)}${lpad(n.rssEndMiB?.toFixed(0) ?? "?", 10)}${lpad(change, 9)}${lpad(n.rssPeakMiB?.toFixed(0) ?? "?", 8)}   ${JSON.stringify(n.logLevels)}`);
  }
  out.push("RSS by tenth of the campaign (MiB, medians)");
  for (const [id, n] of Object.entries(r.nodes)) out.push(`${pad(id, 6)}${n.rssTraceMiB.map((v) => lpad(v?.toFixed(0) ?? "?", 5)).join("")}`);

  out.push("", "the nodes' own counters (increase during the campaign)");
  for (const [id, n] of Object.entries(r.nodes)) {
    const c = n.counters;
    out.push(`  ${id} gossip datagrams rejected: ${fmt(c.orrery_gossip_datagrams_rejected_total)}`);
    out.push(`  ${id} handshakes failed:         ${fmt(c.orrery_peer_handshakes_failed_total)}`);
    out.push(`  ${id} HTTP answers:              ${fmt(statusClasses(c.orrery_http_requests_total))} (${fmt(c.orrery_http_requests_total)})`);
    out.push(`  ${id} event-loop lag:            max ${fmtSeconds(n.eventLoopLag.max)}, p99 ${fmtSeconds(n.eventLoopLag.p99)}`);
    if (c.orrery_gossip_claims_ignored_total) out.push(`  ${id} gossip claims ignored:     ${fmt(c.orrery_gossip_claims_ignored_total)}`);
    if (Object.keys(n.incarnations).length > 0) out.push(`  ${id} incarnations changed:      ${JSON.stringify(n.incarnations)}`);
  }

  if (Object.keys(r.anomalies).length > 0) {
    out.push("", "anomalies");
    for (const [kind, a] of Object.entries(r.anomalies)) {
      out.push(`  ${kind}: ${a.count}`);
      for (const e of a.examples) out.push(`    ${e}`);
    }
  }
  out.push("", `slowest answers (HTTP requests, frame batches; the fuzzer's own longest stall: ${r.fuzzerLagMs} ms)`);
  for (const s of r.slowest) out.push(`  ${lpad(s.ms, 6)} ms  ${s.what.slice(0, 300)}`);
  if (Object.keys(r.notes).length > 0) out.push("", `notes: ${Object.entries(r.notes).map(([k, n]) => `${k}: ${n}`).join("; ")}`);
  const errors = Object.entries(r.nodes).flatMap(([id, n]) => n.errorLines.map((l) => `${id}| ${l}`));
  if (errors.length > 0) {
    out.push("", `node log lines at level error (${errors.length})`);
    for (const l of errors.slice(0, 40)) out.push(`  ${l.slice(0, 400)}`);
    if (errors.length > 40) out.push(`  … ${errors.length - 40} more`);
  }

  out.push("", "checks");
  for (const c of r.checks) out.push(`  ${c.ok ? "ok  " : "FAIL"} ${pad(c.name, 26)}${c.detail}`);
  out.push("", r.ok ? "PASS" : "FAIL");
  return out.join("\n");
}

const fmtSeconds = (s: number | undefined) => (s === undefined ? "?" : `${Math.round(s * 1000)} ms`);

function fmt(series: Record<string, number> | undefined): string {
  const entries = Object.entries(series ?? {}).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? "none" : entries.map(([k, v]) => `${k} ${v}`).join(", ");
}

/** The JSON summary: the result without the (long) recent inputs, which go to a file when a check failed. */
export function summary(r: CampaignResult): Omit<CampaignResult, "recentInputs"> {
  const { recentInputs: _, ...rest } = r;
  return rest;
}
