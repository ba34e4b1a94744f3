// The replication queue in memory, for the simulator and unit tests: the same behaviour as the SQLite
// queue (queue.case.ts runs on both). "Durable" here means the object outlives a simulated process: the
// simulator keeps it with the node's disk.
import type { QueueRow, ReplicationQueue } from "./queue.ts";

interface Row extends QueueRow {
  /** Insertion order (SQLite's rowid): breaks ties between rows due at the same time. */
  order: number;
}

export class MemoryReplicationQueue implements ReplicationQueue {
  private readonly rows = new Map<string, Row>();
  private readonly listeners = new Set<() => void>();
  private order = 0;

  enqueue(copies: ReadonlyArray<{ chunkId: string; target: string }>, dueAt: number): void {
    if (copies.length === 0) return;
    for (const c of copies) {
      const k = key(c.chunkId, c.target);
      const row = this.rows.get(k);
      if (row) row.nextAttemptAt = Math.min(row.nextAttemptAt, dueAt);
      else this.rows.set(k, { chunkId: c.chunkId, target: c.target, attempts: 0, nextAttemptAt: dueAt, lastError: null, order: this.order++ });
    }
    for (const l of this.listeners) l();
  }

  remove(chunkId: string, target: string): void {
    this.rows.delete(key(chunkId, target));
  }

  removeMany(rows: ReadonlyArray<{ chunkId: string; target: string }>): void {
    for (const r of rows) this.remove(r.chunkId, r.target);
  }

  due(now: number, limit: number): QueueRow[] {
    return [...this.rows.values()]
      .filter((r) => r.nextAttemptAt <= now)
      .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || a.order - b.order)
      .slice(0, limit)
      .map(({ order: _, ...row }) => row);
  }

  nextDueAt(): number | undefined {
    let t: number | undefined;
    for (const r of this.rows.values()) if (t === undefined || r.nextAttemptAt < t) t = r.nextAttemptAt;
    return t;
  }

  reschedule(row: QueueRow, nextAttemptAt: number, error: string | null): void {
    const r = this.rows.get(key(row.chunkId, row.target));
    if (!r) return;
    r.attempts = row.attempts + 1;
    r.nextAttemptAt = nextAttemptAt;
    r.lastError = error;
  }

  depth(): number {
    return this.rows.size;
  }

  chunksWithPendingCopies(): number {
    return new Set([...this.rows.values()].map((r) => r.chunkId)).size;
  }

  depthByTarget(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.rows.values()) out[r.target] = (out[r.target] ?? 0) + 1;
    return out;
  }

  onEnqueue(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}

const key = (chunkId: string, target: string) => `${chunkId}\u0000${target}`;
