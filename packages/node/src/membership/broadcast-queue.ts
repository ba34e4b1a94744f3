// Membership updates waiting to be piggy-backed on SWIM messages (infection-style dissemination).
// Each update rides on a bounded number of messages, freshest (least sent) first; a newer update
// about the same member replaces the older one, so the queue never holds more than one per member.
import { encodedSize, type MemberUpdate } from "./messages.ts";

interface Pending {
  update: MemberUpdate;
  transmits: number;
  /** Enqueue order: among equally-sent updates the newest goes first. */
  order: number;
  bytes: number;
}

export class BroadcastQueue {
  private readonly pending = new Map<string, Pending>();
  private counter = 0;

  enqueue(update: MemberUpdate): void {
    this.pending.set(update.id, { update, transmits: 0, order: ++this.counter, bytes: encodedSize(update) + 1 });
  }

  /**
   * Picks the updates to carry on one outgoing message, within `byteBudget`, and counts them as sent;
   * an update sent `retransmitLimit` times is dropped.
   */
  take(byteBudget: number, retransmitLimit: number): MemberUpdate[] {
    if (this.pending.size === 0) return [];
    const ranked = [...this.pending.values()].sort((a, b) => a.transmits - b.transmits || b.order - a.order);
    const out: MemberUpdate[] = [];
    let used = 0;
    for (const p of ranked) {
      if (used + p.bytes > byteBudget) continue;
      used += p.bytes;
      out.push(p.update);
      p.transmits++;
      if (p.transmits >= retransmitLimit) this.pending.delete(p.update.id);
    }
    return out;
  }

  get size(): number {
    return this.pending.size;
  }
}
