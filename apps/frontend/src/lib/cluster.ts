// Pure helpers over the cluster's state: when the live stream says the ring changed, the event
// timeline, member ordering and the numbers the health view shows.
import type { ClusterEvent, ClusterEventType, Health, Member, MemberState, NodeStatus } from "./api.ts";

/**
 * True when `incoming` (from a `health` event) disagrees with the members on screen: one joined,
 * went away, or changed state. The UI then refetches /api/cluster (the ring may have changed).
 */
export function membersDiffer(
  shown: readonly Pick<Member, "id" | "state">[],
  incoming: readonly Pick<Member, "id" | "state">[],
): boolean {
  if (shown.length !== incoming.length) return true;
  const states = new Map(shown.map((m) => [m.id, m.state]));
  return incoming.some((m) => states.get(m.id) !== m.state);
}

/** Event types that change the ring or its placement: worth a refetch of /api/cluster. */
export const RING_EVENTS: ReadonlySet<ClusterEventType> = new Set(["join", "alive", "suspect", "dead", "left", "rebalance"]);

const eventKey = (e: ClusterEvent) => `${e.at}:${e.seq}:${e.type}:${e.member ?? ""}`;

/**
 * Merges new events into the timeline, newest first, without duplicates (the recent-events fetch
 * and the live stream overlap), keeping at most `cap`. Sequence numbers restart when a node
 * restarts, so the key includes the time.
 */
export function mergeEvents(current: readonly ClusterEvent[], incoming: readonly ClusterEvent[], cap = 200): ClusterEvent[] {
  const seen = new Set(current.map(eventKey));
  const fresh = incoming.filter((e) => {
    const k = eventKey(e);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  if (fresh.length === 0) return current.slice(0, cap);
  return [...current, ...fresh].sort((a, b) => b.at - a.at || b.seq - a.seq).slice(0, cap);
}

const STATE_ORDER: Record<MemberState, number> = { alive: 0, suspect: 1, dead: 2, left: 3 };

/** Members for lists: the node we talk to first, then by state (trouble stands out), then id. */
export function sortMembers<T extends Pick<Member, "id" | "state">>(members: readonly T[], self?: string): T[] {
  return [...members].sort(
    (a, b) =>
      Number(b.id === self) - Number(a.id === self) ||
      STATE_ORDER[a.state] - STATE_ORDER[b.state] ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

export function countStates(members: readonly Pick<Member, "state">[]): Record<MemberState, number> {
  const counts: Record<MemberState, number> = { alive: 0, suspect: 0, dead: 0, left: 0 };
  for (const m of members) counts[m.state]++;
  return counts;
}

/** Fraction of the disk in use, or undefined when the node did not say. */
export function diskUse(status: Pick<NodeStatus, "disk"> | null | undefined): number | undefined {
  const d = status?.disk;
  if (!d || !(d.totalBytes > 0)) return undefined;
  return Math.min(1, Math.max(0, d.usedBytes / d.totalBytes));
}

/** "host:port" of a member's HTTP gateway (IPv6 hosts in brackets). */
export function memberAddress(m: Pick<Member, "host" | "httpPort">): string {
  return m.host.includes(":") ? `[${m.host}]:${m.httpPort}` : `${m.host}:${m.httpPort}`;
}

export const STATE_LABEL: Record<MemberState, string> = {
  alive: "alive",
  suspect: "suspect — not answering",
  dead: "dead — data being re-replicated",
  left: "left the cluster",
};

/** How the timeline marks each event type: a tone for the colour, and a short verb. */
export const EVENT_STYLE: Record<ClusterEventType, { tone: "good" | "warn" | "bad" | "info"; label: string }> = {
  join: { tone: "good", label: "joined" },
  alive: { tone: "good", label: "back" },
  suspect: { tone: "warn", label: "suspect" },
  dead: { tone: "bad", label: "dead" },
  left: { tone: "info", label: "left" },
  rebalance: { tone: "info", label: "rebalance" },
  repair: { tone: "info", label: "repair" },
};

/** Copies of a file that exist now versus the replication factor, as a tone for the badge. */
export function replicaTone(copies: number, n: number): "good" | "warn" | "bad" {
  if (copies >= n) return "good";
  if (copies >= 1) return "warn";
  return "bad";
}

/** Repair and rebalance progress summed over the nodes that answered. */
export interface HealthTotals {
  nodes: number;
  underReplicatedChunks: number;
  queueDepth: number;
  delivered: number;
  surplusCopiesWaiting: number;
  surplusCopiesDeleted: number;
  scrubPasses: number;
  scrubChecked: number;
  corrupt: number;
  repaired: number;
  lastScrubAt: number | undefined;
  chunksDeleted: number;
  tombstonesPurged: number;
}

export function sumHealth(healths: readonly (Health | null | undefined)[]): HealthTotals {
  const t: HealthTotals = {
    nodes: 0,
    underReplicatedChunks: 0,
    queueDepth: 0,
    delivered: 0,
    surplusCopiesWaiting: 0,
    surplusCopiesDeleted: 0,
    scrubPasses: 0,
    scrubChecked: 0,
    corrupt: 0,
    repaired: 0,
    lastScrubAt: undefined,
    chunksDeleted: 0,
    tombstonesPurged: 0,
  };
  const n = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
  for (const h of healths) {
    if (!h) continue;
    t.nodes++;
    t.underReplicatedChunks += n(h.underReplicatedChunks);
    t.queueDepth += n(h.queue?.depth);
    t.delivered += n(h.queue?.delivered);
    t.surplusCopiesWaiting += n(h.handoff?.surplusCopiesWaiting);
    t.surplusCopiesDeleted += n(h.handoff?.surplusCopiesDeleted);
    t.scrubPasses += n(h.scrub?.passes);
    t.scrubChecked += n(h.scrub?.checked);
    t.corrupt += n(h.scrub?.corrupt);
    t.repaired += n(h.scrub?.repaired);
    t.chunksDeleted += n(h.gc?.chunksDeleted);
    t.tombstonesPurged += n(h.gc?.tombstonesPurged);
    const last = h.scrub?.lastPassFinishedAt;
    if (typeof last === "number" && last > 0) t.lastScrubAt = Math.max(t.lastScrubAt ?? 0, last);
  }
  return t;
}
