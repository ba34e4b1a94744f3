// queue-worker.ts on virtual time: due rows by target, the real `decideQueueRow` for each, HAS then PUT one
// by one; a row goes only after the target's ack, failures back off with full jitter.
import { decideQueueRow } from "../replication/queue-decision.ts";
import { backoffDelay } from "../util/backoff.ts";
import { readChunk } from "./chunk-reader.ts";
import type { QueueRow } from "./chunk-queue.ts";
import type { NodeProcess, Timer } from "./virtual-node.ts";

export class SimQueueWorker {
  private busy = false;
  private wake: Timer | undefined;
  private unsubscribe: (() => void) | undefined;
  delivered = 0;

  constructor(private readonly p: NodeProcess) {}

  start(): void {
    this.unsubscribe = this.p.node.queue.onEnqueue(() => this.notify());
    this.schedulePass(0);
  }

  stop(): void {
    this.unsubscribe?.();
    this.wake?.cancel();
  }

  private notify(): void {
    if (!this.busy) this.schedulePass(0);
  }

  private schedulePass(ms: number): void {
    this.wake?.cancel();
    this.wake = this.p.timer(ms, () => {
      this.wake = undefined;
      this.pass();
    });
  }

  /** The worker sleeps pollMs after an idle pass: the first pass that finds a row due at t is the first poll at or after t. */
  private sleep(): void {
    const due = this.p.node.queue.nextDue();
    if (!Number.isFinite(due)) return; // nothing queued: only an enqueue wakes us
    const poll = this.p.ctx.settings.queuePollMs;
    this.schedulePass(Math.max(1, Math.ceil((due - this.p.now) / poll)) * poll);
  }

  private pass(): void {
    const { p } = this;
    const rows = p.node.queue.due(p.now, p.ctx.settings.queueBatchSize);
    if (rows.length === 0) return this.sleep();
    this.busy = true;
    const byTarget = new Map<string, QueueRow[]>();
    for (const r of rows) {
      const list = byTarget.get(r.target) ?? [];
      list.push(r);
      byTarget.set(r.target, list);
    }
    let pending = byTarget.size;
    const targetDone = () => {
      if (--pending > 0) return;
      this.busy = false;
      this.schedulePass(0); // it worked: look again at once
    };
    for (const [target, list] of byTarget) this.deliverTo(target, list, targetDone);
  }

  private retry(row: QueueRow, error: string): void {
    const { retryBaseMs, retryMaxMs } = this.p.ctx.settings;
    const delay = backoffDelay(row.attempts, retryBaseMs, retryMaxMs, this.p.rng);
    this.p.node.queue.reschedule(row, this.p.now + delay, error);
  }

  private deliverTo(targetId: string, rows: QueueRow[], done: () => void): void {
    const { p } = this;
    const { placement, node } = p;
    const target = placement.member(targetId);
    const deliver: QueueRow[] = [];
    for (const row of rows) {
      const action = decideQueueRow(target, placement.owners(row.chunkId), p.id);
      if (action.kind === "deliver") deliver.push(row);
      else if (action.kind === "drop") {
        node.queue.remove(row.chunkId, row.target);
        p.log(`queue drop ${row.chunkId.slice(0, 8)}->${targetId}: ${action.reason}`);
      } else this.retry(row, action.reason);
    }
    if (deliver.length === 0 || !target) return done();
    const timeout = p.ctx.settings.transferTimeoutMs;
    p.rpc.call(targetId, "has", { chunks: deliver.map((r) => r.chunkId) }, timeout, (r) => {
      if (!r.ok) {
        for (const row of deliver) this.retry(row, r.error);
        return done();
      }
      const missing = deliver.filter((row, i) => {
        if (r.res.present[i]) node.queue.remove(row.chunkId, row.target);
        return !r.res.present[i];
      });
      const sendNext = (i: number): void => {
        if (i >= missing.length) return done();
        const row = missing[i]!;
        readChunk(p, row.chunkId, (found) => {
          if (!found) {
            this.retry(row, "no readable copy");
            return sendNext(i + 1);
          }
          p.rpc.call(targetId, "put", { chunk: row.chunkId }, timeout, (put) => {
            if (put.ok) {
              node.queue.remove(row.chunkId, row.target);
              this.delivered++;
              p.log(`queue copy ${row.chunkId.slice(0, 8)}->${targetId} delivered`);
            } else this.retry(row, put.error);
            sendNext(i + 1);
          });
        });
      };
      sendNext(0);
    });
  }
}
