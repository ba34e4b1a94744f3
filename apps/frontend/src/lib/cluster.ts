// Pure helpers over the cluster's state: when the live stream says the ring changed, the event
// timeline, member ordering and the numbers the health view shows.
import type { ClusterEvent, ClusterEventType, Health, Member, MemberState, NodeStatus } from "./api.ts";
import { formatDuration } from "./format.ts";
import type { DialogRequest } from "./dialog.ts";

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

/** The cluster's timeline as the node sends it (oldest first), newest first for the page, at most `cap`. */
export function newestFirst(events: readonly ClusterEvent[], cap = 200): ClusterEvent[] {
  return [...events].sort((a, b) => b.at - a.at || b.seq - a.seq).slice(0, cap);
}

/** Event types that change the ring or its placement: worth a refetch of /api/cluster. */
export const RING_EVENTS: ReadonlySet<ClusterEventType> = new Set(["join", "alive", "suspect", "dead", "left", "rebalance"]);

/** One event's identity: its recorder and number (older nodes restart their numbers, so the time too). */
export const eventKey = (e: ClusterEvent) => `${e.node ?? ""}:${e.at}:${e.seq}:${e.type}:${e.member ?? ""}`;

/**
 * Merges new events into the timeline, newest first, without duplicates (the recent-events fetch
 * and the live stream overlap), keeping at most `cap`.
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
  return newestFirst([...current, ...fresh], cap);
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

/**
 * What a node stores for the cluster and the room it has left for more (its quota or free-space floor, not
 * the host's disk, which other programs share): undefined for a gateway, which stores nothing.
 */
export function storeUse(status: Pick<NodeStatus, "chunks" | "storage"> | null | undefined):
  | { stored: number; room: number; fraction: number }
  | undefined {
  if (!status || status.storage?.role === "gateway") return undefined;
  const stored = status.chunks.bytes;
  const room = status.storage?.headroomBytes ?? 0;
  return { stored, room, fraction: stored + room > 0 ? stored / (stored + room) : 0 };
}

/**
 * How much more the cluster can take: the storage nodes' room, each byte stored `factor` times. An upper
 * bound (placement may fill one node first); undefined when no storage node answered.
 */
export function pooledRoom(statuses: ReadonlyArray<Pick<NodeStatus, "chunks" | "storage"> | null | undefined>, factor: number | undefined):
  | { room: number; stored: number; nodes: number; copies: number }
  | undefined {
  const uses = statuses.map(storeUse).filter((u) => u !== undefined);
  if (uses.length === 0 || !factor || factor < 1) return undefined;
  const copies = Math.min(factor, uses.length);
  return {
    room: uses.reduce((s, u) => s + u.room, 0) / copies,
    stored: uses.reduce((s, u) => s + u.stored, 0),
    nodes: uses.length,
    copies,
  };
}

/** "host:port" of a member's HTTP gateway (IPv6 hosts in brackets). */
export function memberAddress(m: Pick<Member, "host" | "httpPort">): string {
  return m.host.includes(":") ? `[${m.host}]:${m.httpPort}` : `${m.host}:${m.httpPort}`;
}

export const STATE_LABEL: Record<MemberState, string> = {
  alive: "alive",
  suspect: "suspect — not answering",
  dead: "dead — not answering, off the ring",
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
  /** Nodes whose health carried a replica census (the counts below are theirs). */
  censusNodes: number;
  /** Some census was stale (a ring change since) or some node answered without one. */
  censusStale: boolean;
  /** Under-replicated chunks a live owner lacks: copies are being made. */
  repairable: number;
  /** Under-replicated chunks every live owner holds: no copy is possible (fewer live nodes than N). */
  waitingForNodes: number;
  missingCopies: number;
  /** The replication factor the census counted against, and the live nodes it saw (from the latest census). */
  factor: number | undefined;
  liveNodes: number | undefined;
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
  /** Copies of deleted files still on disk, summed over the nodes. */
  gcPendingChunks: number;
  /** Why some node's collection waits (the first reason seen), or undefined. */
  gcWaitingFor: string | undefined;
  gcMinChunkAgeSeconds: number | undefined;
  /** Nodes whose collector has not counted yet (no pass since they started). */
  gcUncounted: number;
}

export function sumHealth(healths: readonly (Health | null | undefined)[]): HealthTotals {
  const t: HealthTotals = {
    nodes: 0,
    underReplicatedChunks: 0,
    censusNodes: 0,
    censusStale: false,
    repairable: 0,
    waitingForNodes: 0,
    missingCopies: 0,
    factor: undefined,
    liveNodes: undefined,
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
    gcPendingChunks: 0,
    gcWaitingFor: undefined,
    gcMinChunkAgeSeconds: undefined,
    gcUncounted: 0,
  };
  const n = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
  let checkedAt: number | undefined;
  for (const h of healths) {
    if (!h) continue;
    t.nodes++;
    const r = h.replication;
    // The live `health` event carries the census without the top-level count.
    t.underReplicatedChunks += n(h.underReplicatedChunks ?? r?.underReplicated);
    if (r) {
      t.censusNodes++;
      t.censusStale ||= r.stale === true;
      t.repairable += n(r.repairable);
      t.waitingForNodes += n(r.waitingForNodes);
      t.missingCopies += n(r.missingCopies);
      if (checkedAt === undefined || n(r.checkedAt) >= checkedAt) {
        checkedAt = n(r.checkedAt);
        t.factor = r.factor;
        t.liveNodes = r.liveNodes;
      }
    } else {
      t.censusStale = true;
    }
    t.queueDepth += n(h.queue?.depth);
    t.delivered += n(h.queue?.delivered);
    t.surplusCopiesWaiting += n(h.handoff?.surplusCopiesWaiting);
    t.surplusCopiesDeleted += n(h.handoff?.surplusCopiesDeleted);
    t.scrubPasses += n(h.scrub?.passes);
    // A small file's row is a copy too (its bytes kept in the manifest): the scrub counts both kinds.
    t.scrubChecked += n(h.scrub?.checked) + n(h.scrub?.inlineChecked);
    t.corrupt += n(h.scrub?.corrupt) + n(h.scrub?.inlineCorrupt);
    t.repaired += n(h.scrub?.repaired) + n(h.scrub?.inlineRepaired);
    t.chunksDeleted += n(h.gc?.chunksDeleted);
    t.tombstonesPurged += n(h.gc?.tombstonesPurged);
    t.gcPendingChunks += n(h.gc?.pendingChunks);
    if (typeof h.gc?.pendingChunks !== "number") t.gcUncounted++;
    if (h.gc?.skipped && n(h.gc.pendingChunks) > 0) t.gcWaitingFor ??= h.gc.skipped;
    if (typeof h.gc?.minChunkAgeSeconds === "number") t.gcMinChunkAgeSeconds = h.gc.minChunkAgeSeconds;
    const last = h.scrub?.lastPassFinishedAt;
    if (typeof last === "number" && last > 0) t.lastScrubAt = Math.max(t.lastScrubAt ?? 0, last);
  }
  return t;
}

/**
 * What the under-replicated count means, in words that follow the census: copies are only "being made"
 * when a live owner lacks one; with fewer live nodes than N every live owner already holds its copy and
 * nothing can be done until nodes return or join.
 */
export function replicationSummary(t: HealthTotals, states: Pick<Record<MemberState, number>, "dead">): { tone: "good" | "warn" | "bad" | undefined; text: string } {
  const recount = t.censusStale && t.censusNodes > 0 ? " (recounting)" : "";
  if (t.censusNodes === 0) {
    return states.dead > 0
      ? { tone: "warn", text: "not counted yet; a node is down, so some chunks may have fewer than N copies" }
      : { tone: undefined, text: "copies not counted yet" };
  }
  if (t.underReplicatedChunks === 0) {
    return { tone: "good", text: `no chunk has fewer than ${t.factor === undefined ? "N" : t.factor} live copies${recount}` };
  }
  const short = t.liveNodes !== undefined && t.factor !== undefined && t.liveNodes < t.factor
    ? `fewer live nodes (${t.liveNodes}) than N = ${t.factor}`
    : "no live owner lacks a copy";
  if (t.repairable === 0) {
    return { tone: "warn", text: `chunks short of copies; ${short}, so none can be made until nodes return or join${recount}` };
  }
  if (t.waitingForNodes === 0) return { tone: "warn", text: `chunks short of copies; the queue is making them${recount}` };
  return {
    tone: "warn",
    text: `${t.repairable.toLocaleString("en")} being copied now, ${t.waitingForNodes.toLocaleString("en")} waiting for nodes (${short})${recount}`,
  };
}

/** A node's reason for collecting nothing, as the condition that lets it go on. */
function gcCondition(skipped: string): string {
  const down = /^members not alive: (.+)$/.exec(skipped);
  if (down) return `${down[1]} ${down[1]!.includes(",") ? "are" : "is"} back (a member that is down may still list them)`;
  if (skipped === "could not sync with every member") return "every member has been reached";
  if (skipped === "manifests not converged yet") return "every member has seen the deletes";
  return skipped;
}

/** What the garbage-collection tile says: what deleted files still take on disk, and why it is still there. */
export function gcNote(t: HealthTotals): { tone: "warn" | undefined; text: string } {
  const done = `${t.chunksDeleted.toLocaleString("en")} deleted, ${t.tombstonesPurged.toLocaleString("en")} tombstones purged`;
  const uncounted = t.gcUncounted > 0 ? ` (${t.gcUncounted} ${t.gcUncounted === 1 ? "node has" : "nodes have"} not counted yet)` : "";
  if (t.gcPendingChunks === 0) return { tone: undefined, text: `${uncounted ? "none counted so far" : "no copies of deleted files on disk"}${uncounted} · ${done}` };
  if (t.gcWaitingFor) return { tone: "warn", text: `copies of deleted files on disk, kept until ${gcCondition(t.gcWaitingFor)}${uncounted} · ${done}` };
  const age = t.gcMinChunkAgeSeconds === undefined ? "" : ` at least ${formatDuration(t.gcMinChunkAgeSeconds)} after their last write`;
  return { tone: undefined, text: `copies of deleted files on disk, collected${age}${uncounted} · ${done}` };
}

/** What a dead member's row says about its data, from the census of the nodes that answered. */
export function deadMemberNote(t: HealthTotals): string {
  if (t.censusNodes === 0) return "Not answering; the live nodes have not counted copies yet.";
  if (t.underReplicatedChunks === 0) return "Not answering; no chunk has fewer than N copies on the live nodes.";
  if (t.repairable === 0) return "Not answering; no other node can take its copies (fewer live nodes than N), so its chunks wait for it to return.";
  // A count from before the death (the ring changed since) says nothing about what is being copied now.
  if (t.censusStale) return "Not answering; the live nodes are counting copies again.";
  if (t.waitingForNodes === 0) return "Not answering; its chunks are being copied to other owners.";
  return "Not answering; some of its chunks are being copied to other owners, the rest wait for nodes to return.";
}

/**
 * The question before forgetting a dead member (POST /api/cluster/members/:id/forget): what it does and when
 * to do it, since garbage collection stops waiting for the member once it is gone from every view.
 */
export function forgetDialog(id: string, run: () => Promise<void>): DialogRequest {
  return {
    title: `Forget ${id}?`,
    message:
      `Do this only if ${id} will not come back (a dead disk, a machine given away). It becomes “left” on every node ` +
      `and garbage collection stops waiting for it (deleted files' space is freed). ` +
      `Should it return anyway, it rejoins and first catches up with the files it missed.`,
    confirmLabel: `Forget ${id}`,
    danger: true,
    run: async () => run(),
  };
}

