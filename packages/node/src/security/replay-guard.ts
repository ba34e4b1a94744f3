// Remembers the (timestamp, nonce) of every authenticated datagram for as long as it could still pass
// the freshness check (its timestamp is within ±window of the clock, so at most 2 × window after it was
// first seen), so a recorded datagram replayed meanwhile is dropped; later, the window check drops it.
// Only datagrams whose MAC verified reach it, so an outsider cannot fill it.

export class ReplayGuard {
  /** key → when it was first seen; insertion order is time order, so entries expire from the front. */
  private readonly remembered = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries = 200_000,
  ) {}

  /** Whether this (timestamp, nonce) was admitted and is still remembered. */
  seen(timestamp: number, nonce: string): boolean {
    return this.remembered.has(`${timestamp}:${nonce}`);
  }

  /** True the first time this (timestamp, nonce) is offered within the window; false for a repeat. */
  admit(now: number, timestamp: number, nonce: string): boolean {
    this.expire(now);
    const key = `${timestamp}:${nonce}`;
    if (this.remembered.has(key)) return false;
    if (this.remembered.size >= this.maxEntries) this.remembered.delete(this.remembered.keys().next().value!);
    this.remembered.set(key, now);
    return true;
  }

  get size(): number {
    return this.remembered.size;
  }

  private expire(now: number): void {
    for (const [key, firstSeen] of this.remembered) {
      if (firstSeen >= now - 2 * this.windowMs) break;
      this.remembered.delete(key);
    }
  }
}
