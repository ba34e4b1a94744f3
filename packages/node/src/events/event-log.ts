// The node's event log: what happened to the cluster as this node saw it (joins, suspicions, deaths,
// returns, leaves, rebalance and repair notes), bounded to the newest events. Two implementations pass one
// conformance suite (event-log.case.ts): in memory, and in the node's SQLite database (sqlite-event-log.ts)
// so a restarted node still shows what happened before.
import { z } from "zod";

export const CLUSTER_EVENT_TYPES = ["join", "alive", "suspect", "dead", "left", "rebalance", "repair"] as const;
export type ClusterEventType = (typeof CLUSTER_EVENT_TYPES)[number];

/** Events a log keeps by default, and the most one answer carries. */
export const EVENT_LOG_CAPACITY = 1000;

/** One event; `seq` counts up on the recording node (`node`), across restarts when the log is persisted. */
export const clusterEventSchema = z.strictObject({
  seq: z.number().int().min(0),
  at: z.number().int().min(0),
  type: z.enum(CLUSTER_EVENT_TYPES),
  node: z.string().max(256),
  member: z.string().max(256).optional(),
  message: z.string().max(2000),
});
export type ClusterEvent = z.output<typeof clusterEventSchema>;

export type NewEvent = Omit<ClusterEvent, "seq">;

export interface EventLog {
  /** Stores the event with the next sequence number, dropping the oldest beyond the capacity. */
  append(event: NewEvent): ClusterEvent;
  /** The newest `limit` events, oldest first. */
  recent(limit: number): ClusterEvent[];
}

export class MemoryEventLog implements EventLog {
  private readonly events: ClusterEvent[] = [];
  private seq = 0;

  constructor(private readonly capacity = EVENT_LOG_CAPACITY) {}

  append(event: NewEvent): ClusterEvent {
    const stored = { ...event, seq: ++this.seq };
    this.events.push(stored);
    if (this.events.length > this.capacity) this.events.splice(0, this.events.length - this.capacity);
    return stored;
  }

  recent(limit: number): ClusterEvent[] {
    return limit > 0 ? this.events.slice(-limit) : [];
  }
}
