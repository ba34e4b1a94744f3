// The simulated network between virtual nodes: one seeded stream decides, per message, loss, duplication
// and delay (different delays reorder); a partition splits nodes into groups that cannot reach each other.
import type { EventQueue } from "./event-queue.ts";
import type { Rng } from "./rng.ts";

export interface LinkConditions {
  /** Probability that a message is lost. */
  lossRate: number;
  /** Probability that a message arrives twice. */
  duplicateRate: number;
  /** One-way delay, uniform in [minDelayMs, maxDelayMs]. */
  minDelayMs: number;
  maxDelayMs: number;
}

export const calm: LinkConditions = { lossRate: 0, duplicateRate: 0, minDelayMs: 1, maxDelayMs: 10 };

export class SimNetwork {
  conditions: LinkConditions = calm;
  sent = 0;
  dropped = 0;
  duplicated = 0;
  private groupOf = new Map<string, number>();
  /** Pairs cut apart one by one ("a|b", both orders), besides any partition into groups. */
  private readonly cuts = new Set<string>();

  constructor(
    private readonly events: EventQueue,
    private readonly rng: Rng,
  ) {}

  /** Messages between different groups are dropped; a node in no group reaches everyone. */
  partition(groups: readonly (readonly string[])[]): void {
    this.groupOf = new Map(groups.flatMap((g, i) => g.map((id) => [id, i] as const)));
  }

  /** Puts a node (one that joined during a partition) on one side of it. */
  assign(id: string, group: number): void {
    if (this.groupOf.size > 0) this.groupOf.set(id, group);
  }

  /** Cuts `a` and `b` apart (each still reaches everyone else). */
  cut(a: string, b: string): void {
    this.cuts.add(`${a}|${b}`);
    this.cuts.add(`${b}|${a}`);
  }

  heal(): void {
    this.groupOf.clear();
    this.cuts.clear();
  }

  get partitioned(): boolean {
    return this.groupOf.size > 0 || this.cuts.size > 0;
  }

  reachable(a: string, b: string): boolean {
    if (this.cuts.size > 0 && this.cuts.has(`${a}|${b}`)) return false;
    const ga = this.groupOf.get(a);
    const gb = this.groupOf.get(b);
    return ga === undefined || gb === undefined || ga === gb;
  }

  /**
   * Sends one message: `arrive` runs once per copy that gets through, after its delay. A datagram may arrive
   * twice; a message on a connection (`stream`) is lost or delivered once.
   */
  send(from: string, to: string, arrive: () => void, stream = false): void {
    this.sent++;
    const { lossRate, duplicateRate, minDelayMs, maxDelayMs } = this.conditions;
    if (!this.reachable(from, to) || (lossRate > 0 && this.rng() < lossRate)) {
      this.dropped++;
      return;
    }
    const copies = !stream && duplicateRate > 0 && this.rng() < duplicateRate ? 2 : 1;
    if (copies === 2) this.duplicated++;
    for (let i = 0; i < copies; i++) {
      this.events.after(minDelayMs + this.rng() * (maxDelayMs - minDelayMs), arrive);
    }
  }
}
