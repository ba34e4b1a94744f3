// Lifeguard's local health (memberlist's "awareness"): evidence that this node, rather than its peers, is
// slow or deaf raises a score from 0 to max - 1; each answered probe lowers it. The protocol period is
// stretched (score + 1) times, so a node that cannot hear its acks in time accuses others more slowly
// instead of spreading suspicions of healthy members. A stall (the process stopped or starved, seen as a
// call far later than the tick it asked for) counts too, and holds verdicts for a moment.
export class LocalHealth {
  private value = 0;
  /** The latest clock value a call brought, and when the next tick was due as of the last call's end. */
  private clock = Number.NEGATIVE_INFINITY;
  private tickDueAt = Number.POSITIVE_INFINITY;
  /** After a stall, no verdict before this: what arrived meanwhile may still be unread in our socket. */
  holdUntil = Number.NEGATIVE_INFINITY;

  /**
   * `max` is memberlist's AwarenessMaxMultiplier (8; 1 turns scoring off); a call more than `graceMs`
   * (the ack timeout) late is a stall.
   */
  constructor(
    private readonly max: number,
    private readonly graceMs: number,
  ) {}

  get score(): number {
    return this.value;
  }

  apply(delta: number): void {
    const top = Math.max(1, this.max) - 1;
    this.value = Math.min(top, Math.max(0, this.value + delta));
  }

  /** A duration stretched by the score: the protocol period (and so the deadline of indirect and TCP probes). */
  scale(ms: number): number {
    return ms * (this.value + 1);
  }

  /**
   * Called at the start of every call that brings the clock. True when this call comes more than the
   * grace later than the tick the last call asked for: the process was stopped or starved meanwhile.
   * The score rises and verdicts hold for one grace period.
   */
  stalled(now: number): boolean {
    this.clock = Math.max(this.clock, now);
    if (now - this.tickDueAt <= this.graceMs) return false;
    this.tickDueAt = Number.POSITIVE_INFINITY;
    this.apply(+1);
    this.holdUntil = now + this.graceMs;
    return true;
  }

  /** Called at the end of every call with the next deadline the shell will arm its timer for. */
  expectTick(deadline: number): void {
    this.tickDueAt = Math.max(deadline, this.clock);
  }
}
