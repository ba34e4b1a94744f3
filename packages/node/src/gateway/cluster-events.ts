// The cluster's recent events (joins, suspicions, deaths, returns, leaves, repairs) as this node records
// them into its event log (events/: kept in SQLite by a real node, so they outlive a restart), and their
// fan-out to live subscribers (the web UI's server-sent event stream).
import { type ClusterEvent, type ClusterEventType, type EventLog, MemoryEventLog } from "../events/event-log.ts";
import type { MemberChange } from "../membership/types.ts";

export type { ClusterEvent, ClusterEventType };

export class ClusterEvents {
  private readonly subscribers = new Set<(e: ClusterEvent) => void>();

  /** `node`: this node's id, the recorder named in every event. */
  constructor(
    private readonly node: string,
    private readonly log: EventLog = new MemoryEventLog(),
    private readonly now: () => number = Date.now,
  ) {}

  record(type: ClusterEventType, message: string, member?: string): ClusterEvent {
    const event = this.log.append({ at: this.now(), type, node: this.node, ...(member === undefined ? {} : { member }), message });
    for (const s of this.subscribers) s(event);
    return event;
  }

  /** This node's newest `limit` events, oldest first. */
  recent(limit = 100): ClusterEvent[] {
    return this.log.recent(limit);
  }

  subscribe(fn: (e: ClusterEvent) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }
}

/**
 * Turns a membership change into a timeline entry. `ring`: the live ring members and the effective factor
 * after the change, so a death says whether its copies can be made elsewhere (fewer live nodes than N: not).
 */
export function recordMemberEvent(events: ClusterEvents, change: MemberChange, ring?: { liveNodes: number; factor: number }): void {
  const { member: m, previous } = change;
  if (previous === m.state) return;
  const addr = `${m.host}:${m.httpPort}`;
  if (previous === undefined && m.state === "alive") events.record("join", `${m.id} joined (${addr})`, m.id);
  else if (m.state === "alive") events.record("alive", `${m.id} is back (was ${previous})`, m.id);
  else if (m.state === "suspect") events.record("suspect", `${m.id} is suspected of having failed`, m.id);
  else if (m.state === "dead") events.record("dead", `${m.id} was declared dead; ${deadConsequence(ring)}`, m.id);
  else if (m.state === "left") events.record("left", `${m.id} left the cluster`, m.id);
}

/**
 * Notes a member's store filling up or having room again (`fullNow` holds the members seen full so far): the
 * operator's answer to "why do new chunks go elsewhere".
 */
export function recordFullness(events: ClusterEvents, m: MemberChange["member"], fullNow: Set<string>): void {
  const full = m.full === true && (m.state === "alive" || m.state === "suspect");
  if (full === fullNow.has(m.id)) return;
  if (full) {
    fullNow.add(m.id);
    events.record("rebalance", `${m.id}'s store is full: it keeps what it holds, new chunks go to the next members on the ring`, m.id);
  } else {
    fullNow.delete(m.id);
    if (m.state === "alive") events.record("rebalance", `${m.id} has room again and takes new chunks`, m.id);
  }
}

function deadConsequence(ring: { liveNodes: number; factor: number } | undefined): string {
  if (!ring) return "copies of its chunks are made on other owners where enough nodes are alive";
  if (ring.liveNodes < ring.factor) {
    return `fewer live nodes (${ring.liveNodes}) than N = ${ring.factor}, so no other node can take its copies until nodes return or join`;
  }
  return "its chunks are being copied to other owners";
}
