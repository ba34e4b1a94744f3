// Delivers the replication queue: due rows are grouped by target, the target is asked which
// chunks it already holds, and the rest are sent (rate-capped) and removed only after a durable
// ack. Failures are retried with exponential backoff; nothing leaves the queue unsent.
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { ChunkStorage } from "../store/chunk-storage.ts";
import type { PeerRpc } from "../rpc/peer-rpc.ts";
import { backoffDelay } from "../util/backoff.ts";
import { BackgroundWorker } from "../util/background-worker.ts";
import { type Clock, systemClock } from "../util/clock.ts";
import type { TokenBucket } from "../util/token-bucket.ts";
import type { ChunkReader } from "./chunk-reader.ts";
import type { Placement } from "./placement.ts";
import { decideQueueRow } from "./queue-decision.ts";
import type { QueueRow, ReplicationQueue } from "./queue.ts";

export interface QueueWorkerInit {
  batchSize: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Shortest wait between passes when rows are waiting for their retry time. */
  pollMs: number;
}

export interface QueueWorkerComponents {
  selfId: string;
  queue: ReplicationQueue;
  placement: Placement;
  store: ChunkStorage;
  reader: ChunkReader;
  rpc: PeerRpc;
  bandwidth: TokenBucket;
  log: Logger;
  random?: () => number;
  clock?: Clock;
}

/** Longest sleep of a worker with nothing due: a safety net, since an enqueue wakes it. */
const IDLE_WAIT_MS = 30_000;

export class QueueWorker {
  readonly worker: BackgroundWorker;
  private readonly clock: Clock;
  private unsubscribe: (() => void) | undefined;
  /** Copies delivered since start (for /status and tests). */
  delivered = 0;

  constructor(
    private readonly init: QueueWorkerInit,
    private readonly c: QueueWorkerComponents,
  ) {
    this.clock = c.clock ?? systemClock;
    this.worker = new BackgroundWorker(
      { name: "replication-queue", intervalMs: init.pollMs, firstDelayMs: 0, clock: this.clock, log: c.log },
      async () => ((await this.work()) > 0 ? true : this.untilNextDue()),
    );
  }

  /**
   * With nothing due, the worker sleeps until the earliest row is (a retry's backoff), or IDLE_WAIT_MS when
   * the queue is empty: enqueueing wakes it, so polling an empty queue twice a second only cost an idle node
   * its wake-ups.
   */
  private untilNextDue(): number {
    const next = this.c.queue.nextDueAt();
    if (next === undefined) return IDLE_WAIT_MS;
    return Math.min(IDLE_WAIT_MS, Math.max(this.init.pollMs, next - this.clock.now()));
  }

  start(): void {
    this.unsubscribe ??= this.c.queue.onEnqueue(() => this.notify());
    this.worker.start();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.worker.stop();
  }

  notify(): void {
    this.worker.wake();
  }

  /** One pass over the due rows; returns how many rows it acted on. */
  async work(): Promise<number> {
    const rows = this.c.queue.due(this.clock.now(), this.init.batchSize);
    if (rows.length === 0) return 0;
    const byTarget = new Map<string, QueueRow[]>();
    for (const r of rows) {
      const list = byTarget.get(r.target) ?? [];
      list.push(r);
      byTarget.set(r.target, list);
    }
    await Promise.all([...byTarget].map(([target, list]) => this.deliverTo(target, list)));
    return rows.length;
  }

  private retry(row: QueueRow, error: string): void {
    const delay = backoffDelay(row.attempts, this.init.retryBaseMs, this.init.retryMaxMs, this.c.random ?? Math.random);
    this.c.queue.reschedule(row, this.clock.now() + delay, error);
  }

  private async deliverTo(targetId: string, rows: QueueRow[]): Promise<void> {
    const { placement, queue, log, selfId, rpc } = this.c;
    const target = placement.member(targetId);
    const deliver: QueueRow[] = [];
    for (const row of rows) {
      const action = decideQueueRow(target, placement.owners(row.chunkId), selfId);
      if (action.kind === "deliver") deliver.push(row);
      else if (action.kind === "drop") {
        log.info("queue row dropped", { chunk: row.chunkId, peer: targetId, reason: action.reason });
        queue.remove(row.chunkId, row.target);
        // Owners that already hold a copy answer HAS and their rows go at once; the one that took the full
        // member's place gets the bytes.
        if (action.redirect) {
          const owners = placement.owners(row.chunkId).filter((o) => o !== selfId && o !== targetId);
          queue.enqueue(owners.map((o) => ({ chunkId: row.chunkId, target: o })), this.clock.now());
        }
      } else this.retry(row, action.reason);
    }
    if (deliver.length === 0 || !target) return;

    let present: boolean[];
    try {
      present = await rpc.call(targetId, "chunk.has", { ids: deliver.map((r) => r.chunkId) });
    } catch (err) {
      for (const row of deliver) this.retry(row, errorMessage(err));
      log.warn("queue: target unreachable", { peer: targetId, rows: deliver.length, err });
      return;
    }
    queue.removeMany(deliver.filter((_, i) => present[i]));
    for (const [i, row] of deliver.entries()) {
      if (present[i] || this.worker.stopping) continue;
      try {
        const data = this.c.store.has(row.chunkId) ? await this.c.store.get(row.chunkId) : await this.c.reader.read(row.chunkId);
        const wait = this.c.bandwidth.take(data.byteLength);
        if (wait > 0) await this.worker.sleep(wait);
        await rpc.call(targetId, "chunk.put", { chunkId: row.chunkId, data });
        queue.remove(row.chunkId, row.target);
        this.delivered++;
        log.debug("queue: copy delivered", { chunk: row.chunkId, peer: targetId });
      } catch (err) {
        this.retry(row, errorMessage(err));
        log.warn("queue: delivery failed, will retry", { chunk: row.chunkId, peer: targetId, attempts: row.attempts + 1, err });
      }
    }
  }
}
