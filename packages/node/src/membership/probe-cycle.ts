// The failure detector's half of the SWIM core (swim.ts): one probe per protocol period, of the next member
// in a shuffled round; its direct ping, the escalation to k helpers and the TCP stream ping, and the verdict
// (answered by some path, or suspect). Pure like the core: it sends through the core and keeps no timers.
import type { Address } from "./address.ts";
import type { LocalHealth } from "./local-health.ts";
import { memberAddress, probeable, toUpdate } from "./member-record.ts";
import type { MemberTable } from "./member-table.ts";
import type { AckMessage, MemberUpdate, PingMessage, SwimMessage } from "./messages.ts";
import { failedProbePenalty, newProbeStats, probeDueAt, type Probe, type ProbeStats } from "./probe.ts";
import { ProbeRound } from "./probe-round.ts";
import { sample } from "./random.ts";
import type { SwimConfig } from "./swim-config.ts";
import type { Member } from "./types.ts";

/**
 * The TCP fallback probe: the shell sends `msg` to member `target` over the authenticated peer connection
 * within `timeoutMs` and reports the answer (or its absence) with `streamAnswered(now, seq, ack)`.
 */
export interface StreamPing {
  target: string;
  seq: number;
  msg: PingMessage;
  timeoutMs: number;
}

/** What a probe needs of the core it runs in: its member table and health, and its way of sending. */
export interface ProbeCycleParts {
  config: SwimConfig;
  random: () => number;
  health: LocalHealth;
  /** The shell can carry a ping over the peer connection (SwimNodeInit.streamProbes). */
  streamProbes: boolean;
  send(to: Address, msg: SwimMessage): void;
  /** The fields every message of ours starts with. */
  envelope(): Pick<SwimMessage, "from" | "v" | "cluster">;
  /** The updates an outgoing message carries, `extra` first after our own. */
  piggyback(extra?: MemberUpdate): MemberUpdate[];
  nextSeq(): number;
}

export class ProbeCycle {
  /** The probe under way, if any. */
  probe: Probe | undefined;
  /** When the next probe may start. */
  nextAt = 0;
  private readonly round: ProbeRound;
  private streamPings: StreamPing[] = [];
  private readonly stats = newProbeStats();
  private table!: MemberTable;

  constructor(private readonly c: ProbeCycleParts) {
    this.round = new ProbeRound(c.random);
  }

  /** The member table it probes; given after construction, since the table tells the round of new members (inserted). */
  attach(table: MemberTable): void {
    this.table = table;
  }

  /** A member joined: it goes into the current round at a random place (memberlist's shuffled list). */
  inserted(id: string): void {
    this.round.insert(id);
  }

  /** When the probe under way next needs attention; +∞ when none is. */
  dueAt(): number {
    return this.probe ? probeDueAt(this.probe, this.c.config.probeTimeoutMs) : Number.POSITIVE_INFINITY;
  }

  /** Escalates or decides the probe under way when due, and starts the next one when its period came. */
  advance(now: number): void {
    const p = this.probe;
    const { probeTimeoutMs } = this.c.config;
    if (p && !p.escalated && now >= p.startedAt + probeTimeoutMs) this.escalate(now, p);
    if (p && p.escalated && now >= probeDueAt(p, probeTimeoutMs)) {
      // Neither the target, nor any helper, nor the stream answered within the protocol period.
      this.probe = undefined;
      this.stats.failed++;
      this.c.health.apply(failedProbePenalty(p));
      this.table.suspect(now, p.target, p.incarnation);
    }
    if (now >= this.nextAt && !this.probe) {
      // Scheduled from the actual start, so a late tick never overlaps two probes.
      const periodMs = this.c.health.scale(this.c.config.probeIntervalMs);
      this.nextAt = now + periodMs;
      const target = this.nextTarget();
      if (!target) return;
      const seq = this.c.nextSeq();
      const addr = memberAddress(target);
      const { id, incarnation } = target;
      this.probe = { seq, target: id, addr, incarnation, startedAt: now, periodMs, escalated: false, expectedNacks: 0, nacks: 0, stream: "none" };
      this.c.send(addr, this.ping(seq, target));
    }
  }

  /** An ack with `seq` from `from`: true when it answers the probe under way (which is then cleared). */
  acked(seq: number, from: Address): boolean {
    const p = this.probe;
    if (p?.seq !== seq) return false;
    this.answered(!p.escalated || from === p.addr ? "direct" : "indirect");
    return true;
  }

  /** A helper's nack for `seq`: the helper reached us, so its silence about the target is not ours. */
  nacked(seq: number): void {
    if (this.probe?.seq === seq && this.probe.nacks < this.probe.expectedNacks) this.probe.nacks++;
  }

  /** This process was stopped or starved (Lifeguard): the probe under way is dropped without a verdict. */
  abandon(): void {
    if (!this.probe) return;
    this.probe = undefined;
    this.stats.abandoned++;
  }

  /** This node leaves: the probe under way ends without a verdict (the core starts no other). */
  cancel(): void {
    this.probe = undefined;
  }

  /** Stream pings to send since the last call (see StreamPing). */
  drainStreamPings(): StreamPing[] {
    const pings = this.streamPings;
    this.streamPings = [];
    return pings;
  }

  /** The probe whose stream ping is out with `seq`, or undefined. */
  streamProbe(seq: number): Probe | undefined {
    const p = this.probe;
    return p?.seq === seq && p.stream === "pending" ? p : undefined;
  }

  /**
   * The outcome of probe `p`'s stream ping: `absorb` takes the ack's updates in (that may end the probe), then the
   * probe counts as answered by the stream; the call having failed, it is decided at once if everything else
   * already came back empty.
   */
  streamAnswered(now: number, p: Probe, ack: AckMessage | undefined, sameCluster: boolean, absorb: (ack: AckMessage) => void): void {
    if (this.probe !== p) return;
    if (ack && ack.from === p.target && ack.seq === p.seq && sameCluster) {
      absorb(ack);
      if (this.probe === p) this.answered("stream");
    } else {
      p.stream = "failed";
      // Everything else already came back empty: no need to wait for the rest of the period's grace.
      if (now >= p.startedAt + p.periodMs) this.advance(now);
    }
  }

  /** How this node's probes ended so far (for /metrics). */
  probeStats(): ProbeStats {
    return { ...this.stats };
  }

  /**
   * The direct ping went unanswered: ask k helpers (each to nack if the target is silent to it too) and, when
   * the shell can carry it, send the same ping over the peer connection, all to answer within the period.
   */
  private escalate(now: number, p: Probe): void {
    p.escalated = true;
    const alive = this.table.peers().filter((m) => m.state === "alive" && m.id !== p.target);
    const helpers = sample(this.c.random, alive, this.c.config.indirectChecks);
    for (const h of helpers) {
      const pingReq = { type: "ping-req", seq: p.seq, to: p.target, toAddr: p.addr, nack: true, updates: this.c.piggyback() } as const;
      this.c.send(memberAddress(h), { ...this.c.envelope(), ...pingReq });
    }
    p.expectedNacks = helpers.length;
    const target = this.table.get(p.target);
    if (this.c.streamProbes && target) {
      p.stream = "pending";
      // The rest of the period and the one ack timeout of grace the verdict waits for a pending stream call.
      const timeoutMs = Math.max(1, p.startedAt + p.periodMs + this.c.config.probeTimeoutMs - now);
      this.streamPings.push({ target: p.target, seq: p.seq, msg: this.ping(p.seq, target), timeoutMs });
    }
  }

  /** A ping to `target`; Lifeguard's buddy system: a suspect hears of its suspicion first-hand and can refute at once. */
  private ping(seq: number, target: Member): PingMessage {
    const buddy = target.state === "suspect" ? { ...toUpdate(target), suspectedBy: this.table.me.id } : undefined;
    return { ...this.c.envelope(), type: "ping", seq, to: target.id, updates: this.c.piggyback(buddy) };
  }

  private answered(path: "direct" | "indirect" | "stream"): void {
    this.probe = undefined;
    this.stats[path]++;
    this.c.health.apply(-1);
  }

  private nextTarget(): Member | undefined {
    const isProbeable = (id: string) => {
      const m = this.table.get(id);
      return m !== undefined && probeable(m);
    };
    const members = () => this.table.peers().filter(probeable).map((m) => m.id);
    const id = this.round.next(members, isProbeable);
    return id === undefined ? undefined : this.table.get(id);
  }
}
