// `orrery status`: GET /status and /api/cluster side by side: this node's disk, chunks, files and
// replication queue, then every member the node knows with its SWIM state and incarnation.
import type { ClusterView, NodeStatus } from "../api.ts";
import { bar, formatCounters, formatTable, formatUptime, humanSize, percent } from "../format.ts";
import { out, printJson } from "../io.ts";
import type { CommandContext } from "./context.ts";

const DISK_BAR = 30;

function diskLine(disk: NodeStatus["disk"]): string {
  if (!disk || !(disk.totalBytes > 0)) return "-";
  const fraction = disk.usedBytes / disk.totalBytes;
  return `${bar(fraction, DISK_BAR)} ${percent(fraction)}  ${humanSize(disk.usedBytes)} of ${humanSize(disk.totalBytes)} used, ${humanSize(disk.freeBytes)} free`;
}

/** Queue depth, with the per-target split when there is one: `3 copies pending (n2: 2, n3: 1)`. */
function queueLine(queue: NodeStatus["queue"]): string {
  if (!queue) return "-";
  const byTarget = queue.byTarget && typeof queue.byTarget === "object" ? Object.entries(queue.byTarget) : [];
  const split = byTarget.map(([target, n]) => `${target}: ${typeof n === "object" ? JSON.stringify(n) : n}`).join(", ");
  return `${queue.depth} ${queue.depth === 1 ? "copy" : "copies"} pending${split ? ` (${split})` : ""}`;
}

export function statusText(status: NodeStatus, cluster: ClusterView): string {
  const about = [status.version && `orrery ${status.version}`, status.uptimeSeconds !== undefined && `up ${formatUptime(status.uptimeSeconds)}`]
    .filter(Boolean)
    .join(", ");
  const a = status.addresses;
  const effective = status.effectiveReplicationFactor;
  const summary = formatTable([
    ["node", `${status.nodeId}${about ? `  (${about})` : ""}`],
    ["address", a ? `${a.host}  http ${a.http}  gossip ${a.gossip}  transfer ${a.transfer}` : "-"],
    ["replication", `factor ${status.replicationFactor}${effective !== undefined && effective !== status.replicationFactor ? `, effective ${effective}` : ""}`],
    ["members", status.members ? Object.entries(status.members).map(([state, n]) => `${n} ${state}`).join(", ") : "-"],
    ["disk", diskLine(status.disk)],
    ["chunks", formatCounters(status.chunks)],
    ["files", formatCounters(status.files)],
    ["queue", queueLine(status.queue)],
  ]);
  const members = formatTable(
    cluster.members.map((m) => [
      m.id === cluster.self ? `${m.id} *` : m.id,
      `${m.host}:${m.httpPort}`,
      m.state,
      String(m.incarnation),
      m.zone ?? "-",
    ]),
    { header: ["MEMBER", "ADDRESS", "STATE", "INCARNATION", "ZONE"], align: ["left", "left", "left", "right", "left"] },
  );
  return `${summary}\n\n${members}\n(* = this node)`;
}

export async function status(ctx: CommandContext): Promise<void> {
  const [node, cluster] = await Promise.all([
    ctx.client.json<NodeStatus>("GET", "/status"),
    ctx.client.json<ClusterView>("GET", "/api/cluster"),
  ]);
  // Both answers unchanged, ring included: --json is for scripts, which pick what they need.
  if (ctx.json) printJson({ status: node, cluster });
  else out(statusText(node, cluster));
}
