// The simulator's virtual clock and event queue: a binary min-heap on (time, insertion order), so events
// at one instant run in the order they were scheduled and a run replays exactly. O(log n) per event.

export type Action = () => void;

interface Entry {
  at: number;
  order: number;
  run: Action;
}

export class EventQueue {
  /** Virtual milliseconds since the run began. */
  now = 0;
  /** Events run so far (for the summary). */
  executed = 0;
  private readonly heap: Entry[] = [];
  private order = 0;

  /** Runs `run` at virtual time `t` (never in the past). */
  at(t: number, run: Action): void {
    this.push({ at: Math.max(t, this.now), order: this.order++, run });
  }

  after(ms: number, run: Action): void {
    this.at(this.now + ms, run);
  }

  get size(): number {
    return this.heap.length;
  }

  /** Time of the next event, or +Infinity. */
  peekTime(): number {
    return this.heap.length > 0 ? this.heap[0]!.at : Number.POSITIVE_INFINITY;
  }

  /** Pops and runs the next event if it is due at or before `end`; false when there is none. */
  step(end: number): boolean {
    const top = this.heap[0];
    if (!top || top.at > end) return false;
    this.pop();
    this.now = top.at;
    this.executed++;
    top.run();
    return true;
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l]!, h[m]!)) m = l;
      if (r < h.length && before(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.order < b.order);
}
