// The helper's side of SWIM's indirect probe: pings sent for other members' ping-reqs. An ack from the
// target goes back to the origin under the origin's sequence number; an origin that asked for it (Lifeguard)
// gets a nack when the target stays silent, so that a missing nack tells the origin its own messages are
// being lost. Bounded: a hostile peer cannot grow this by sending ping-reqs.
import type { Address } from "./address.ts";

interface Relay {
  origin: Address;
  originSeq: number;
  expiresAt: number;
  /** When to tell the origin the target did not answer, if it asked; cleared once due. */
  nackAt?: number;
}

const MAX_RELAYS = 1024;

export class Relays {
  private readonly bySeq = new Map<number, Relay>();

  /** Records a relayed ping under our `seq`; false when full (the ping-req is then ignored). */
  add(seq: number, relay: Relay): boolean {
    if (this.bySeq.size >= MAX_RELAYS) return false;
    this.bySeq.set(seq, relay);
    return true;
  }

  /** The origin to pass an ack for our `seq` back to, under its own seq; forgets the relay. */
  takeAck(seq: number): { origin: Address; originSeq: number } | undefined {
    const r = this.bySeq.get(seq);
    if (r) this.bySeq.delete(seq);
    return r;
  }

  /** Nacks due by `now` (each sent once), after forgetting relays past their lifetime. */
  due(now: number): Array<{ origin: Address; originSeq: number }> {
    const nacks: Array<{ origin: Address; originSeq: number }> = [];
    for (const [seq, r] of this.bySeq) {
      if (r.nackAt !== undefined && now >= r.nackAt) {
        r.nackAt = undefined;
        nacks.push(r);
      }
      if (now >= r.expiresAt) this.bySeq.delete(seq);
    }
    return nacks;
  }

  /** The earliest nack due (expiry alone needs no tick: `due` forgets old relays whenever it runs). */
  nextDeadline(): number {
    let t = Number.POSITIVE_INFINITY;
    for (const r of this.bySeq.values()) if (r.nackAt !== undefined) t = Math.min(t, r.nackAt);
    return t;
  }
}
