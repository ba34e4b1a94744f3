// A virtual node's replication queue, in memory with the semantics of replication/queue.ts (one row per
// (chunk, target); re-enqueueing keeps the earliest due time and the attempt count). Part of the "disk".

export interface QueueRow {
  chunkId: string;
  target: string;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
}

const keyOf = (chunkId: string, target: string) => `${chunkId} ${target}`;

export class ChunkQueue {
  private readonly rows = new Map<string, QueueRow>();
  private listeners = new Set<() => void>();

  enqueue(copies: ReadonlyArray<{ chunkId: string; target: string }>, dueAt: number): void {
    if (copies.length === 0) return;
    for (const c of copies) {
      const row = this.rows.get(keyOf(c.chunkId, c.target));
      if (row) row.nextAttemptAt = Math.min(row.nextAttemptAt, dueAt);
      else this.rows.set(keyOf(c.chunkId, c.target), { ...c, attempts: 0, nextAttemptAt: dueAt, lastError: null });
    }
    for (const l of this.listeners) l();
  }

  remove(chunkId: string, target: string): void {
    this.rows.delete(keyOf(chunkId, target));
  }

  has(chunkId: string, target: string): boolean {
    return this.rows.has(keyOf(chunkId, target));
  }

  /** Due rows, earliest first (ties in insertion order), as copies: like rows read from SQLite. */
  due(now: number, limit: number): QueueRow[] {
    const due: QueueRow[] = [];
    for (const r of this.rows.values()) if (r.nextAttemptAt <= now) due.push(r);
    return due
      .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt)
      .slice(0, limit)
      .map((r) => ({ ...r }));
  }

  reschedule(row: QueueRow, nextAttemptAt: number, error: string | null): void {
    const live = this.rows.get(keyOf(row.chunkId, row.target));
    if (!live) return;
    live.attempts = row.attempts + 1;
    live.nextAttemptAt = nextAttemptAt;
    live.lastError = error;
  }

  /** The earliest due time, or +Infinity when empty. */
  nextDue(): number {
    let t = Number.POSITIVE_INFINITY;
    for (const r of this.rows.values()) if (r.nextAttemptAt < t) t = r.nextAttemptAt;
    return t;
  }

  get depth(): number {
    return this.rows.size;
  }

  onEnqueue(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}
