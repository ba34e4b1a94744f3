// Lifeguard's local health multiplier (memberlist's "awareness"): evidence that this node, rather than its
// peers, is slow or deaf raises a score from 0 to max - 1; each answered probe lowers it. The protocol period
// is stretched (score + 1) times, so a node that cannot hear its acks in time accuses others more slowly
// instead of spreading suspicions of healthy members.
export class LocalHealth {
  private value = 0;

  /** `max` is memberlist's AwarenessMaxMultiplier (8); 1 turns the mechanism off. */
  constructor(private readonly max: number) {}

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
}
