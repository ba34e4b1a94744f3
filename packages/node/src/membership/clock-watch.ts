// How far this node's wall clock is from its peers', judged only from evidence whose error is bounded (NTP's
// rule: a sample is worth what its round trip lets it be worth). A node whose clock is more than
// MAX_CLOCK_OFFSET_MS from a majority of its members' must not stamp writes (CockroachDB's rule); one bad
// clock among three therefore stops only itself.
//
// Every authenticated datagram carries its sender's clock at sealing (security/datagram-seal.ts). Read here
// at our time t1 with stamp s, it proves only "their clock − ours ≥ s − t1": the datagram may have waited
// any time on the way, and mostly it waits for a busy event loop. Taken as an estimate (as this file once
// did, with the largest of a peer's recent samples), a loop running 1.2 s behind on an overloaded host made
// every peer look 1.2 s behind and refused writes (README, the million-file benchmark). So:
//   - A round trip is the estimate: our ping or ping-req sealed at t0, an ack or nack carrying its seq read
//     at t1, stamped s by its sender somewhere in between, puts their clock − ours within
//     s − (t0 + t1) / 2 ± (t1 − t0) / 2, whatever the two delays were. It counts only when that uncertainty
//     is at most a quarter of the bound: a peer whose clock is right then looks at most a quarter of the
//     bound off, while a stalled loop (ours or the peer's) makes long round trips, which are dropped rather
//     than believed. A peer's newest such sample stands for ROUND_TRIP_KEPT_MS: a node probes one member a
//     second, so in a cluster of N it comes back to each peer only every N seconds. A peer heard with no
//     round trip kept, or whose datagram looks later than the bound against it, is pinged at once
//     (wantsRoundTrip, at most every CLOCK_PING_EVERY_MS): a node that joins, restarts or whose clock steps
//     ahead knows every peer's clock a round trip after hearing it, as it did from one-way samples.
//   - A one-way sample counts only where no delay can explain it: above +bound (their clock is ahead by more
//     than allowed, however long the datagram waited: this is how a node whose clock runs behind learns it),
//     or more than the seal's freshness window (120 s) below zero: a member's datagrams that all wait two
//     minutes before they are read do not happen in a running process, and a node far ahead has no other
//     evidence (its peers do not answer its stale pings, only send it their clock, see membership.ts).
//     Otherwise it is a lower bound that raises the estimate of a round trip made before it (their clock
//     stepped ahead since): the newest evidence wins.
//   - A peer that gave neither counts against a verdict: skew is claimed only when the peers judged off are
//     more than half of all peers heard. A node that cannot know does not claim.
// Senders that are not members (a stranger whose datagrams are all stale) count only for a node that has no
// member to compare with.
import { DEFAULT_FRESHNESS_MS } from "../security/datagram-seal.ts";

/** How long a one-way sample is kept. */
const WINDOW_MS = 30_000;
/** How long a peer's newest qualified round trip stands (see the module comment). */
const ROUND_TRIP_KEPT_MS = 300_000;
const MAX_SOURCES = 4096;
/**
 * How often a peer without a round trip kept is pinged for one. A peer on a slow path, or any peer while this
 * host is overloaded, never gives one: at 100 members that is ~1.7 pings a second, about the probes' own rate.
 */
const CLOCK_PING_EVERY_MS = 60_000;
/** Most one-way samples kept per source (the largest of them is the bound; a subset is still a bound). */
const MAX_ONE_WAY = 32;
/** Most probes awaiting an answer; more in flight within a round trip's useful life means something is wrong. */
const MAX_ASKS = 1024;
/** How long a judgement of the clock stands when no datagram arrived since (a window's samples age meanwhile). */
const JUDGED_FOR_MS = 1000;

interface Source {
  /** Lower bounds on their clock − ours from single datagrams: (value, when), oldest first. */
  oneWay: Array<{ minMs: number; at: number }>;
  /** The newest round trip whose uncertainty was small enough: their clock − ours, and when it was taken. */
  trip?: { offsetMs: number; at: number };
  /** When it was last pinged for a round trip (wantsRoundTrip). */
  pingedAt?: number;
}

interface Judgement {
  /** Peers heard (any sample kept). */
  heard: number;
  /** The estimates of those peers that gave one, ascending. */
  estimates: number[];
}

export class ClockWatch {
  private readonly sources = new Map<string, Source>();
  /** seq of a ping or ping-req we sent → when (our clock); answers carrying the seq make round trips. */
  private readonly asks = new Map<number, number>();
  /** A round trip qualifies when half of it is at most this. */
  readonly maxUncertaintyMs: number;
  /**
   * The last judgement and when it was made: every write asks (several times), and judging walks every
   * source and asks membership about each, so it is redone only after a datagram or JUDGED_FOR_MS.
   */
  private judged: { at: number; judgement: Judgement } | undefined;

  constructor(
    readonly maxOffsetMs: number,
    private readonly now: () => number = Date.now,
    /** Whether a source address is a live member's gossip address. */
    private readonly isMember: (source: string) => boolean = () => true,
  ) {
    this.maxUncertaintyMs = maxOffsetMs / 4;
  }

  /**
   * A ping or ping-req with this seq is being sent now. Only the first send of a seq is remembered (a probe
   * sends the same seq to its target and to its helpers): its time is before any answer to any of them.
   */
  asked(seq: number): void {
    const now = this.now();
    // Asks are kept in the order made; an answer later than two uncertainties cannot qualify any more.
    for (const [old, at] of this.asks) {
      if (at >= now - 2 * this.maxUncertaintyMs && this.asks.size < MAX_ASKS) break;
      this.asks.delete(old);
    }
    if (!this.asks.has(seq)) this.asks.set(seq, now);
  }

  /**
   * A datagram from `source` (a peer's address), stamped `theirMs` by its sender's clock, is read now;
   * `answers` is the seq it carries when it is an answer (ack, nack) to something we asked.
   */
  sample(source: string, theirMs: number, answers?: number): void {
    const now = this.now();
    const s = this.source(source);
    s.oneWay.push({ minMs: theirMs - now, at: now });
    while (s.oneWay.length > 0 && (s.oneWay.length > MAX_ONE_WAY || s.oneWay[0]!.at < now - WINDOW_MS)) s.oneWay.shift();
    const askedAt = answers === undefined ? undefined : this.asks.get(answers);
    if (askedAt !== undefined && askedAt <= now) {
      this.asks.delete(answers!);
      if ((now - askedAt) / 2 <= this.maxUncertaintyMs) s.trip = { offsetMs: theirMs - (askedAt + now) / 2, at: now };
    }
    this.judged = undefined;
  }

  /**
   * Whether `source`, just heard, should be pinged for a round trip: it has none kept, or its newest datagram
   * looks later than the bound against the one kept (a delay, or this node's clock stepped ahead since, which
   * nothing one-way can tell apart), and it was not pinged for one lately. Answering true counts as pinging it.
   */
  wantsRoundTrip(source: string): boolean {
    const s = this.sources.get(source);
    const now = this.now();
    if (!s) return false;
    const last = s.oneWay.at(-1);
    const doubted = s.trip && last && last.at >= s.trip.at && last.minMs < s.trip.offsetMs - this.maxOffsetMs;
    if (s.trip && s.trip.at >= now - ROUND_TRIP_KEPT_MS && !doubted) return false;
    if (s.pingedAt !== undefined && now - s.pingedAt < CLOCK_PING_EVERY_MS && now >= s.pingedAt) return false;
    s.pingedAt = now;
    return true;
  }

  /** Peers heard, and how many of them gave an estimate (for /metrics: a loaded host judges fewer). */
  peers(): { heard: number; judged: number } {
    const { heard, estimates } = this.judge();
    return { heard, judged: estimates.length };
  }

  /** The median of the peers' estimates (their clock − ours, ms); undefined while no peer gave one. */
  offsetMs(): number | undefined {
    const e = this.judge().estimates;
    if (e.length === 0) return undefined;
    const mid = e.length >> 1;
    return e.length % 2 ? e[mid]! : (e[mid - 1]! + e[mid]!) / 2;
  }

  /** A sentence for the operator when this node's clock is off from most peers' by more than allowed, else undefined. */
  problem(): string | undefined {
    const { heard, estimates } = this.judge();
    const off = estimates.filter((x) => Math.abs(x) > this.maxOffsetMs);
    if (off.length * 2 <= heard) return undefined;
    const offset = off[off.length >> 1]!;
    const amount = Math.abs(offset) >= 2000 ? `${(Math.abs(offset) / 1000).toFixed(1)} s` : `${Math.round(Math.abs(offset))} ms`;
    return `this node's clock is ${amount} ${offset > 0 ? "behind" : "ahead of"} its peers' (allowed: ${this.maxOffsetMs} ms, MAX_CLOCK_OFFSET_MS)`;
  }

  private source(address: string): Source {
    let s = this.sources.get(address);
    if (!s) {
      if (this.sources.size >= MAX_SOURCES) this.sources.delete(this.sources.keys().next().value!);
      this.sources.set(address, (s = { oneWay: [] }));
    }
    return s;
  }

  /** Members' estimates, or all senders' if no member was heard; sources with nothing left are forgotten. */
  private judge(): Judgement {
    const now = this.now();
    if (this.judged && now - this.judged.at < JUDGED_FOR_MS && now >= this.judged.at) return this.judged.judgement;
    const members: Judgement = { heard: 0, estimates: [] };
    const all: Judgement = { heard: 0, estimates: [] };
    for (const [address, s] of this.sources) {
      const estimate = this.estimate(s, now);
      if (s.oneWay.length === 0 && !s.trip) {
        this.sources.delete(address);
        continue;
      }
      for (const j of this.isMember(address) ? [members, all] : [all]) {
        j.heard++;
        if (estimate !== undefined) j.estimates.push(estimate);
      }
    }
    const judgement = members.heard > 0 ? members : all;
    judgement.estimates.sort((a, b) => a - b);
    this.judged = { at: now, judgement };
    return judgement;
  }

  /** One peer's their clock − ours, or undefined when nothing it sent bounds the error (after ageing its samples). */
  private estimate(s: Source, now: number): number | undefined {
    s.oneWay = s.oneWay.filter((x) => x.at >= now - WINDOW_MS);
    if (s.trip && s.trip.at < now - ROUND_TRIP_KEPT_MS) s.trip = undefined;
    // With a round trip, only the one-way samples since it may raise it: older ones are older evidence.
    const since = s.trip?.at ?? 0;
    let bound: number | undefined;
    for (const x of s.oneWay) if (x.at >= since) bound = bound === undefined ? x.minMs : Math.max(bound, x.minMs);
    if (s.trip) return bound === undefined ? s.trip.offsetMs : Math.max(s.trip.offsetMs, bound);
    if (bound !== undefined && (bound > this.maxOffsetMs || bound < -DEFAULT_FRESHNESS_MS)) return bound;
    return undefined;
  }
}
