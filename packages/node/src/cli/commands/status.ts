// `orrery status`: this node's summary (GET /status), then every member with its SWIM state, disk use
// and capacity bar, chunks, queue depth and chunks short of copies (GET /api/cluster/status), and the
// cluster's replication health; on a node with logins, who you are and your quota (GET /api/me).
import type { ClusterStatus, ClusterView, NodeStatus, ResponseOf } from "@orrery/api";
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

const MEMBER_BAR = 12;

function memberDisk(disk: NodeStatus["disk"] | undefined): string {
  if (!disk || !(disk.totalBytes > 0)) return "-";
  const fraction = disk.usedBytes / disk.totalBytes;
  return `${bar(fraction, MEMBER_BAR)} ${percent(fraction)} of ${humanSize(disk.totalBytes)}`;
}

/** One line on how far the cluster is from N copies of everything, from each member's health. */
export function replicationHealthLine(nodes: ClusterStatus | undefined): string {
  if (!nodes) return "-";
  const answered = nodes.members.filter((m) => m.health);
  const short = answered.reduce((s, m) => s + (m.health?.underReplicatedChunks ?? 0), 0);
  const pending = answered.reduce((s, m) => s + (m.health?.queue?.depth ?? 0), 0);
  const silent = nodes.members.filter((m) => !m.health && (m.state === "alive" || m.state === "suspect")).length;
  const base = short === 0 ? "every chunk has its copies" : `${short} chunk(s) short of copies, ${pending} copies queued`;
  return silent > 0 ? `${base} (${silent} live member(s) did not answer)` : base;
}

/** What GET /api/me says. */
export type MeView = ResponseOf<"me">;

/** `alice (user), home /home/alice: 900 B of 1.0 MB used`; undefined when nobody is logged in. */
export function meLine(me: MeView | undefined): string | undefined {
  if (!me?.user) return undefined;
  const used = me.usedBytes === undefined ? "" : `: ${humanSize(me.usedBytes)}${me.quotaBytes ? ` of ${humanSize(me.quotaBytes)}` : ""} used`;
  return `${me.user} (${me.role}), home ${me.home}${used}${me.quotaBytes === null ? ", no quota" : ""}`;
}

export function statusText(status: NodeStatus, cluster: ClusterView, nodes?: ClusterStatus, me?: MeView): string {
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
    ["health", replicationHealthLine(nodes)],
    ...(meLine(me) ? [["you", meLine(me)!]] : []),
  ]);
  const detail = new Map(nodes?.members.map((m) => [m.id, m]) ?? []);
  const members = formatTable(
    cluster.members.map((m) => {
      const d = detail.get(m.id);
      return [
        m.id === cluster.self ? `${m.id} *` : m.id,
        `${m.host}:${m.httpPort}`,
        [m.state, m.role === "gateway" ? "gateway" : undefined, m.full ? "full" : undefined].filter(Boolean).join(", "),
        String(m.incarnation),
        m.zone ?? "-",
        memberDisk(d?.status?.disk),
        d?.status?.chunks && typeof d.status.chunks === "object" ? String((d.status.chunks as { count?: number }).count ?? "-") : "-",
        d?.status?.queue ? String(d.status.queue.depth) : "-",
        d?.health?.underReplicatedChunks !== undefined ? String(d.health.underReplicatedChunks) : "-",
      ];
    }),
    {
      header: ["MEMBER", "ADDRESS", "STATE", "INCARNATION", "ZONE", "DISK", "CHUNKS", "QUEUE", "SHORT"],
      align: ["left", "left", "left", "right", "left", "left", "right", "right", "right"],
    },
  );
  return `${summary}\n\n${members}\n(* = this node)`;
}

export async function status(ctx: CommandContext): Promise<void> {
  const [node, cluster, nodes, me] = await Promise.all([
    ctx.client.json<NodeStatus>("GET", "/status"),
    ctx.client.json<ClusterView>("GET", "/api/cluster"),
    ctx.client.json<ClusterStatus>("GET", "/api/cluster/status"),
    // Who you are, where the node has logins; an older node (404) or no login leaves it out.
    ctx.client.send("GET", "/api/me").then((r) => (r.ok ? (r.json() as Promise<MeView>) : undefined)).catch(() => undefined),
  ]);
  // The answers unchanged, ring included: --json is for scripts, which pick what they need.
  if (ctx.json) printJson({ status: node, cluster, nodes, ...(me ? { me } : {}) });
  else out(statusText(node, cluster, nodes, me));
}
