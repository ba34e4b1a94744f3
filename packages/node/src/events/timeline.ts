// The cluster's timeline from every node's own log: one list, oldest first, where the same thing seen by
// several nodes (n3 declared dead by n1 and by n2) is one entry that says who saw it. Pure.
import type { ClusterEvent } from "./event-log.ts";

/** Reports of one event by different nodes fall within this much of each other (suspicion timeouts differ). */
export const SAME_EVENT_WINDOW_MS = 30_000;

/** An entry of the cluster timeline: the first report, and every node that reported it when more than one did. */
export type TimelineEvent = ClusterEvent & { seenBy?: string[] };

/**
 * Merges the nodes' logs into the newest `limit` entries, oldest first. Two reports are one event when they
 * are about the same member, of the same type, from different nodes, and within `windowMs` of the first
 * report; a node's own reports are never merged (a member that flaps is suspected twice). Events about no
 * member (a node's queue drained) are that node's own.
 */
export function mergeTimelines(logs: readonly (readonly ClusterEvent[])[], limit: number, windowMs = SAME_EVENT_WINDOW_MS): TimelineEvent[] {
  const all = logs.flat().sort((a, b) => a.at - b.at || (a.node < b.node ? -1 : a.node > b.node ? 1 : a.seq - b.seq));
  const entries: { event: ClusterEvent; nodes: string[] }[] = [];
  const open = new Map<string, { event: ClusterEvent; nodes: string[] }[]>();
  for (const e of all) {
    if (e.member === undefined) {
      entries.push({ event: e, nodes: [e.node] });
      continue;
    }
    const key = `${e.type}\u0000${e.member}`;
    const groups = open.get(key) ?? [];
    const same = groups.find((g) => e.at - g.event.at <= windowMs && !g.nodes.includes(e.node));
    if (same) {
      same.nodes.push(e.node);
      continue;
    }
    const group = { event: e, nodes: [e.node] };
    entries.push(group);
    open.set(key, [...groups.filter((g) => e.at - g.event.at <= windowMs), group]);
  }
  return (limit > 0 ? entries.slice(-limit) : []).map(({ event, nodes }) => (nodes.length > 1 ? { ...event, seenBy: nodes } : event));
}
