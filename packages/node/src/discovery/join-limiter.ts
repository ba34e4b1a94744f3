// How often discovery may make membership contact a node: at most once per node and address per
// cooldown (every node announces every few seconds, and a join takes a round trip to show), and at most
// a bounded rate overall, so a flood of made-up announcements cannot turn into a flood of state
// exchanges. Clock injected; no timers.

export interface JoinLimiterInit {
  /** The same node at the same address is contacted at most once per this many ms. */
  cooldownMs: number;
  /** Joins of all nodes together: this many at once, refilled at `perSecond`. */
  burst: number;
  perSecond: number;
  /** Cap on remembered (node, address) pairs; a hostile LAN cannot grow it without bound. */
  maxTracked?: number;
}

export class JoinLimiter {
  private readonly last = new Map<string, number>();
  private tokens: number;
  private refilledAt: number;
  private readonly maxTracked: number;

  constructor(
    private readonly init: JoinLimiterInit,
    private readonly now: () => number,
  ) {
    this.tokens = init.burst;
    this.refilledAt = now();
    this.maxTracked = init.maxTracked ?? 1024;
  }

  /** True (and counted) when a join of `nodeId` at `address` may go out now. */
  allow(nodeId: string, address: string): boolean {
    const now = this.now();
    const key = `${nodeId}@${address}`;
    const last = this.last.get(key);
    if (last !== undefined && now - last < this.init.cooldownMs) return false;
    this.tokens = Math.min(this.init.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.init.perSecond);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    if (!this.last.has(key) && this.last.size >= this.maxTracked) this.forgetExpired(now);
    // Still full of fresh entries: drop the oldest; at worst that node is contacted once more.
    if (!this.last.has(key) && this.last.size >= this.maxTracked) this.last.delete(this.last.keys().next().value!);
    this.last.delete(key); // re-insert so Map order stays oldest first
    this.last.set(key, now);
    return true;
  }

  get tracked(): number {
    return this.last.size;
  }

  private forgetExpired(now: number): void {
    for (const [key, at] of this.last) if (now - at >= this.init.cooldownMs) this.last.delete(key);
  }
}
