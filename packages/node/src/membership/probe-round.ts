// SWIM's randomized round-robin probe order: every member once per round, in a fresh random order each
// round, so a failed member is probed within one round (bounded detection time) yet unpredictably.
import { shuffle, type Random } from "./random.ts";

export class ProbeRound {
  private order: string[] = [];
  private index = 0;

  constructor(private readonly random: Random) {}

  /** The next member of this round that is still `eligible`; starts a new round from `members()` when done. */
  next(members: () => string[], eligible: (id: string) => boolean): string | undefined {
    for (let round = 0; round < 2; round++) {
      while (this.index < this.order.length) {
        const id = this.order[this.index++]!;
        if (eligible(id)) return id;
      }
      this.order = shuffle(this.random, members());
      this.index = 0;
    }
    return undefined;
  }

  /** A newcomer goes at a random place in the rest of this round: probed soon, but unpredictably. */
  insert(id: string): void {
    const span = this.order.length - this.index;
    const at = this.index + Math.min(span, Math.floor(this.random() * (span + 1)));
    this.order.splice(at, 0, id);
  }
}
