// The replication queue: one row per (chunk, target) copy not yet acknowledged. Rows are committed
// durably before a write is acknowledged and deleted only after the target's durable ack, so a crash or
// restart resumes delivery (at least once). The node keeps it in SQLite; the simulator and unit tests use
// memory-queue.ts. Both pass the suite in queue.case.ts.
import type { Database, Statement } from "bun:sqlite";

export interface QueueRow {
  chunkId: string;
  target: string;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
}

export interface ReplicationQueue {
  /** Durably records copies to make; a copy already queued keeps its earliest due time and its attempts. */
  enqueue(copies: ReadonlyArray<{ chunkId: string; target: string }>, dueAt: number, now?: number): void;
  remove(chunkId: string, target: string): void;
  removeMany(rows: ReadonlyArray<{ chunkId: string; target: string }>): void;
  /** Rows due at `now`, earliest due first (ties in the order they were queued). */
  due(now: number, limit: number): QueueRow[];
  /** When the earliest row is due (ms), or undefined when the queue is empty. */
  nextDueAt(): number | undefined;
  /** Counts an attempt, records its error and sets the next due time. */
  reschedule(row: QueueRow, nextAttemptAt: number, error: string | null): void;
  depth(): number;
  chunksWithPendingCopies(): number;
  depthByTarget(): Record<string, number>;
  onEnqueue(fn: () => void): () => void;
}

export class SqliteReplicationQueue implements ReplicationQueue {
  private readonly insert: Statement;
  private readonly del: Statement;
  private readonly dueStmt: Statement;
  private readonly resched: Statement;
  private readonly depthStmt: Statement;
  private readonly byTargetStmt: Statement;
  private readonly chunksStmt: Statement;
  private readonly nextDueStmt: Statement;
  private listeners = new Set<() => void>();

  constructor(private readonly db: Database) {
    // A copy already queued keeps its earliest due time; attempts are not reset.
    this.insert = db.query(
      `INSERT INTO replication_queue (chunk_id, target, attempts, next_attempt_at, created_at)
       VALUES (?1, ?2, 0, ?3, ?4)
       ON CONFLICT (chunk_id, target) DO UPDATE SET next_attempt_at = min(next_attempt_at, excluded.next_attempt_at)`,
    );
    this.del = db.query("DELETE FROM replication_queue WHERE chunk_id = ? AND target = ?");
    this.dueStmt = db.query(
      `SELECT chunk_id AS chunkId, target, attempts, next_attempt_at AS nextAttemptAt, last_error AS lastError
       FROM replication_queue WHERE next_attempt_at <= ? ORDER BY next_attempt_at, rowid LIMIT ?`,
    );
    this.resched = db.query(
      "UPDATE replication_queue SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE chunk_id = ? AND target = ?",
    );
    this.depthStmt = db.query("SELECT count(*) AS n FROM replication_queue");
    this.nextDueStmt = db.query("SELECT min(next_attempt_at) AS t FROM replication_queue");
    this.byTargetStmt = db.query("SELECT target, count(*) AS n FROM replication_queue GROUP BY target");
    this.chunksStmt = db.query("SELECT count(DISTINCT chunk_id) AS n FROM replication_queue");
  }

  /** One transaction for the batch. */
  enqueue(copies: ReadonlyArray<{ chunkId: string; target: string }>, dueAt: number, now = Date.now()): void {
    if (copies.length === 0) return;
    this.db.transaction(() => {
      for (const c of copies) this.insert.run(c.chunkId, c.target, dueAt, now);
    })();
    for (const l of this.listeners) l();
  }

  remove(chunkId: string, target: string): void {
    this.del.run(chunkId, target);
  }

  removeMany(rows: ReadonlyArray<{ chunkId: string; target: string }>): void {
    if (rows.length === 0) return;
    this.db.transaction(() => {
      for (const r of rows) this.del.run(r.chunkId, r.target);
    })();
  }

  due(now: number, limit: number): QueueRow[] {
    return this.dueStmt.all(now, limit) as QueueRow[];
  }

  nextDueAt(): number | undefined {
    return (this.nextDueStmt.get() as { t: number | null }).t ?? undefined;
  }

  reschedule(row: QueueRow, nextAttemptAt: number, error: string | null): void {
    this.resched.run(row.attempts + 1, nextAttemptAt, error, row.chunkId, row.target);
  }

  depth(): number {
    return (this.depthStmt.get() as { n: number }).n;
  }

  chunksWithPendingCopies(): number {
    return (this.chunksStmt.get() as { n: number }).n;
  }

  depthByTarget(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.byTargetStmt.all() as Array<{ target: string; n: number }>) out[r.target] = r.n;
    return out;
  }

  onEnqueue(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}
