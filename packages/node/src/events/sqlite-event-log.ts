// The event log in the node's SQLite database (the `events` table, migration 9), so a restarted node still
// shows its earlier events. Each append commits without an fsync of its own: an event is a note for people,
// not data anyone was promised, so it may ride on the node's next durable commit (store/db.ts `unsynced`).
import type { Database, Statement } from "bun:sqlite";
import { synchronousLevel, unsynced } from "../store/db.ts";
import { type ClusterEvent, EVENT_LOG_CAPACITY, type EventLog, type NewEvent } from "./event-log.ts";

interface Row {
  seq: number;
  at: number;
  type: ClusterEvent["type"];
  node: string;
  member: string | null;
  message: string;
}

export class SqliteEventLog implements EventLog {
  private readonly insert: Statement;
  private readonly prune: Statement;
  private readonly newest: Statement<Row, [number]>;
  private readonly syncLevel: number;

  /** `db` must be migrated (store/db.ts). */
  constructor(
    private readonly db: Database,
    private readonly capacity = EVENT_LOG_CAPACITY,
  ) {
    this.insert = db.query("INSERT INTO events (at, type, node, member, message) VALUES (?, ?, ?, ?, ?)");
    // By id, which only grows (AUTOINCREMENT never reuses one): the primary key finds the cut at once.
    this.prune = db.query("DELETE FROM events WHERE id <= ?");
    this.newest = db.query<Row, [number]>("SELECT id AS seq, at, type, node, member, message FROM events ORDER BY id DESC LIMIT ?");
    this.syncLevel = synchronousLevel(db);
  }

  append(event: NewEvent): ClusterEvent {
    const seq = unsynced(this.db, this.syncLevel, () =>
      this.db.transaction(() => {
        const id = Number(this.insert.run(event.at, event.type, event.node, event.member ?? null, event.message).lastInsertRowid);
        this.prune.run(id - this.capacity);
        return id;
      })(),
    );
    return { ...event, seq };
  }

  recent(limit: number): ClusterEvent[] {
    if (limit <= 0) return [];
    return this.newest
      .all(Math.min(limit, this.capacity))
      .reverse()
      .map((r) => ({ seq: r.seq, at: r.at, type: r.type, node: r.node, ...(r.member === null ? {} : { member: r.member }), message: r.message }));
  }
}
