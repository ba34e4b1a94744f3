// How far this node's wall clock is from its peers'. Every authenticated datagram carries its sender's
// clock (security/datagram-seal.ts), so each one gives "their clock − ours" plus the time it spent on the
// way, which only ever makes their clock look earlier. Per peer the largest recent value is the best
// estimate (the datagram that waited least, as NTP picks its best sample). A node whose clock is more
// than MAX_CLOCK_OFFSET_MS from a majority of its members' must not stamp writes (CockroachDB's rule);
// one bad clock among three therefore stops only itself. Senders that are not members (a stranger whose
// datagrams are all stale) count only for a node that has no member to compare with.

const WINDOW_MS = 30_000;
const MAX_SOURCES = 4096;
/** How long a judgement of the clock stands when no datagram arrived since (a window's samples age meanwhile). */
const JUDGED_FOR_MS = 1000;

export class ClockWatch {
  /** source → recent (offset, when) samples, oldest first. */
  private readonly samples = new Map<string, Array<{ offsetMs: number; at: number }>>();
  /**
   * The last judgement and when it was made: every write asks (several times), and judging walks every
   * source and asks membership about each, so it is redone only after a datagram or JUDGED_FOR_MS.
   */
  private judged: { at: number; estimates: number[] } | undefined;

  constructor(
    readonly maxOffsetMs: number,
    private readonly now: () => number = Date.now,
    /** Whether a source address is a live member's gossip address. */
    private readonly isMember: (source: string) => boolean = () => true,
  ) {}

  /** A datagram from `source` (a peer's address) stamped `theirMs` by its sender's clock arrived now. */
  sample(source: string, theirMs: number): void {
    const now = this.now();
    let list = this.samples.get(source);
    if (!list) {
      if (this.samples.size >= MAX_SOURCES) this.samples.delete(this.samples.keys().next().value!);
      this.samples.set(source, (list = []));
    }
    list.push({ offsetMs: theirMs - now, at: now });
    this.judged = undefined;
    while (list.length > 0 && (list.length > 32 || list[0]!.at < now - WINDOW_MS)) list.shift();
  }

  /** Each peer's estimate (their clock − ours, ms) from the last 30 s: members, or all senders if no member was heard. */
  private estimates(): number[] {
    const now = this.now();
    if (this.judged && now - this.judged.at < JUDGED_FOR_MS && now >= this.judged.at) return this.judged.estimates;
    const members: number[] = [];
    const all: number[] = [];
    for (const [source, list] of this.samples) {
      const fresh = list.filter((s) => s.at >= now - WINDOW_MS);
      if (fresh.length === 0) {
        this.samples.delete(source);
        continue;
      }
      const best = Math.max(...fresh.map((s) => s.offsetMs));
      all.push(best);
      if (this.isMember(source)) members.push(best);
    }
    const estimates = (members.length > 0 ? members : all).sort((a, b) => a - b);
    this.judged = { at: now, estimates };
    return estimates;
  }

  /** The median of the peers' estimates (their clock − ours, ms); undefined before any peer was heard. */
  offsetMs(): number | undefined {
    const e = this.estimates();
    if (e.length === 0) return undefined;
    const mid = e.length >> 1;
    return e.length % 2 ? e[mid]! : (e[mid - 1]! + e[mid]!) / 2;
  }

  /** A sentence for the operator when this node's clock is off from most peers' by more than allowed, else undefined. */
  problem(): string | undefined {
    const e = this.estimates();
    const off = e.filter((x) => Math.abs(x) > this.maxOffsetMs);
    if (off.length * 2 <= e.length) return undefined;
    const offset = off[off.length >> 1]!;
    const amount = Math.abs(offset) >= 2000 ? `${(Math.abs(offset) / 1000).toFixed(1)} s` : `${Math.round(Math.abs(offset))} ms`;
    return `this node's clock is ${amount} ${offset > 0 ? "behind" : "ahead of"} its peers' (allowed: ${this.maxOffsetMs} ms, MAX_CLOCK_OFFSET_MS)`;
  }
}
