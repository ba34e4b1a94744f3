// Lifeguard's dynamic suspicion of one member: the timeout starts at the maximum and shrinks towards the
// minimum as distinct nodes independently suspect the same member, so a lone (possibly wrong) suspecter
// gives the member ample time to refute while a real failure, seen by many, is declared quickly.
import { suspicionTimeoutAfter, type SuspicionBounds } from "./swim-config.ts";

export class Suspicion {
  /** The first suspecter and each confirming one; only distinct nodes count. */
  private readonly suspecters: Set<string>;
  expiresAt: number;

  constructor(
    readonly startedAt: number,
    private readonly bounds: SuspicionBounds,
    firstSuspecter: string,
  ) {
    this.suspecters = new Set([firstSuspecter]);
    this.expiresAt = startedAt + suspicionTimeoutAfter(bounds, 0);
  }

  /** Counts an independent suspecter; true when it was news (and so worth gossiping on). */
  confirm(suspecter: string): boolean {
    if (this.suspecters.has(suspecter) || this.suspecters.size - 1 >= this.bounds.k) return false;
    this.suspecters.add(suspecter);
    this.expiresAt = this.startedAt + suspicionTimeoutAfter(this.bounds, this.suspecters.size - 1);
    return true;
  }
}
