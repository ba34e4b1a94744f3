// Calls of one kind to one member, made within one turn of the event loop, sent as one RPC: sixteen clients'
// quorum reads (manifests.get) or commits (manifests.push) cost one call per owner per turn instead of sixteen.
import type { Schedule } from "../util/coalesce.ts";

export interface CallBatchesInit<I, R> {
  /** One call carrying `items` to `memberId`; answers one result per item, in order. */
  send: (memberId: string, items: I[]) => Promise<R[]>;
  /** Items one call carries at most; a caller never asks for more at once. */
  maxItems: number;
  /** Estimated bytes one call carries at most (requests and answers alike); a caller's items past it go alone. */
  maxBytes: number;
  /** The estimated bytes one item costs a call (asked only once a second caller shares a batch: a lone call costs nothing). */
  bytes: (item: I) => number;
  /** When a turn's calls are sent (default: setImmediate, after the I/O callbacks of this turn). */
  schedule?: Schedule;
}

interface Waiter<R> {
  from: number;
  count: number;
  resolve: (results: R[]) => void;
  reject: (err: unknown) => void;
}

interface Batch<I, R> {
  items: I[];
  /** The items' estimated bytes, once weighed (undefined while one caller's items are all it holds). */
  bytes: number | undefined;
  waiters: Array<Waiter<R>>;
  sent: boolean;
}

export class CallBatches<I, R> {
  private readonly open = new Map<string, Batch<I, R>>();
  /** Calls sent and items they carried (tests and profiles read them). */
  readonly sent = { calls: 0, items: 0 };

  constructor(private readonly init: CallBatchesInit<I, R>) {}

  /**
   * Sends `items` to `memberId` together with what else is asked of it in this turn, and resolves to their
   * results, in order. One caller's items always travel together, in one call, in their order; a failed call
   * fails every caller in it.
   */
  call(memberId: string, items: readonly I[]): Promise<R[]> {
    const { maxItems, maxBytes } = this.init;
    if (items.length === 0) return Promise.resolve([]);
    if (items.length > maxItems) return Promise.reject(new RangeError(`${items.length} items in one call, at most ${maxItems}`));
    let batch = this.open.get(memberId);
    let bytes: number | undefined;
    if (batch) {
      bytes = this.weigh(items);
      batch.bytes ??= this.weigh(batch.items);
      if (batch.items.length + items.length > maxItems || batch.bytes + bytes > maxBytes) {
        this.flush(memberId, batch);
        batch = undefined;
      }
    }
    if (!batch) {
      const fresh: Batch<I, R> = { items: [], bytes: undefined, waiters: [], sent: false };
      this.open.set(memberId, fresh);
      (this.init.schedule ?? setImmediate)(() => this.flush(memberId, fresh));
      batch = fresh;
    }
    const b = batch;
    const answer = new Promise<R[]>((resolve, reject) => b.waiters.push({ from: b.items.length, count: items.length, resolve, reject }));
    for (const item of items) b.items.push(item);
    // A lone caller's items stay unweighed: they went alone before batching too.
    if (b.bytes !== undefined || b.waiters.length > 1) b.bytes = (b.bytes ?? 0) + (bytes ?? this.weigh(items));
    if (b.items.length >= maxItems || (b.bytes ?? 0) >= maxBytes) this.flush(memberId, b);
    return answer;
  }

  private weigh(items: readonly I[]): number {
    let bytes = 0;
    for (const item of items) bytes += this.init.bytes(item);
    return bytes;
  }

  private flush(memberId: string, batch: Batch<I, R>): void {
    if (this.open.get(memberId) === batch) this.open.delete(memberId);
    if (batch.sent) return;
    batch.sent = true;
    this.sent.calls++;
    this.sent.items += batch.items.length;
    let answer: Promise<R[]>;
    try {
      answer = this.init.send(memberId, batch.items);
    } catch (err) {
      answer = Promise.reject(err);
    }
    answer.then(
      (results) => {
        if (results.length !== batch.items.length) {
          const err = new Error(`a batched call to ${memberId} answered ${results.length} results for ${batch.items.length} items`);
          for (const w of batch.waiters) w.reject(err);
          return;
        }
        for (const w of batch.waiters) w.resolve(results.slice(w.from, w.from + w.count));
      },
      (err) => {
        for (const w of batch.waiters) w.reject(err);
      },
    );
  }
}
