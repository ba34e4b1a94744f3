// SWIM failure detection and membership as a pure state machine: callers pass the clock in, send the
// returned outputs and feed received messages back. No timers, sockets or global randomness here.
// Follows SWIM (Das et al.) with memberlist/Lifeguard conventions: ping, ping-req via k helpers, suspicion
// timeout scaled by log10(n), local health awareness, incarnation refutation, piggy-backed gossip,
// push-pull state exchange.
import type { Address } from "./address.ts";
import { memberAddress, probeable, toUpdate } from "./member-record.ts";
import { MemberTable } from "./member-table.ts";
import {
  DEFAULT_CLUSTER,
  encodedSize,
  splitIntoParts,
  WIRE_VERSION,
  type MemberUpdate,
  type SwimMessage,
} from "./messages.ts";
import { ProbeRound } from "./probe-round.ts";
import { pick, sample } from "./random.ts";
import { pushPullIntervalMs, retransmitLimit, type SwimConfig } from "./swim-config.ts";
import type { Member, MemberChange, MemberInfo, Refutation, SelfReport } from "./types.ts";

export type { Address };
export { defaultSwimConfig, type SwimConfig } from "./swim-config.ts";

export interface Output {
  to: Address;
  msg: SwimMessage;
}

export interface SwimNodeInit {
  self: MemberInfo;
  config: SwimConfig;
  /** Uniform in [0, 1); injected so a simulator can replay a run from one seed. */
  random: () => number;
  /** Members remembered from a previous run; tried as join targets besides the seeds. */
  knownMembers?: Member[];
  /**
   * Cluster name, sent in every message; messages of another cluster are dropped, so two clusters never
   * merge even when one is seeded with the other's address. Absent: DEFAULT_CLUSTER, and not sent.
   */
  cluster?: string;
  /** Most members tracked (MAX_MEMBERS); claims about more are ignored. */
  maxMembers?: number;
}

/** Piggy-back budget per message: keeps pings and acks inside one typical Ethernet frame, as memberlist does. */
const PIGGYBACK_BYTES = 1200;
/** Caps on state a hostile peer could grow by sending ping-reqs or push-pull exchanges. */
const MAX_RELAYS = 1024;
const MAX_ANSWERED_EXCHANGES = 4096;

interface Probe {
  seq: number;
  target: string;
  addr: Address;
  incarnation: number;
  startedAt: number;
  /** The protocol period this probe runs for: probeIntervalMs stretched by our health score. */
  periodMs: number;
  indirectSent: boolean;
}
/** A ping we sent for someone else's ping-req: its ack goes back to the origin under the origin's seq. */
interface Relay {
  origin: Address;
  originSeq: number;
  expiresAt: number;
}

export class SwimNode {
  private readonly config: SwimConfig;
  private readonly random: () => number;
  private readonly cluster: string | undefined;
  private readonly table: MemberTable;
  private readonly probeRound: ProbeRound;
  private readonly relays = new Map<number, Relay>();
  private readonly answeredExchanges = new Map<string, number>();
  private out: Output[] = [];
  private seeds: Address[] = [];
  private started = false;
  private leaving = false;
  // Random starting points so a restarted process does not reuse the sequence numbers of its past life.
  private seq: number;
  private exchange: number;
  private probe: Probe | undefined;
  private nextProbeAt = 0;
  private nextPushPullAt = 0;
  private nextReconnectAt = 0;
  /** Lifeguard's local health score, 0 (healthy) to awarenessMax - 1; stretches our protocol period. */
  private health = 0;
  /** Refutations seen so far, to count new ones into the health score. */
  private refutationsSeen = 0;
  private selfReports: SelfReport[] = [];

  constructor(init: SwimNodeInit) {
    this.config = init.config;
    this.random = init.random;
    this.cluster = init.cluster;
    this.probeRound = new ProbeRound(init.random);
    this.table = new MemberTable(init.self, init.knownMembers ?? [], init.config, (id) => this.probeRound.insert(id), init.maxMembers);
    this.seq = Math.floor(this.random() * 2 ** 31);
    this.exchange = Math.floor(this.random() * 2 ** 31);
  }

  /** Joins: a push-pull state exchange with every seed and a few remembered members. */
  start(now: number, seeds: Address[]): Output[] {
    if (this.started) throw new Error("SwimNode already started");
    this.started = true;
    const me = this.table.me;
    me.stateChangedAt = now;
    const selfAddr = memberAddress(me);
    this.seeds = [...new Set(seeds)].filter((a) => a !== selfAddr);
    // Jitter the first probe so nodes started together do not probe in lock-step.
    this.nextProbeAt = now + this.random() * this.config.probeIntervalMs;
    this.nextPushPullAt = now + this.pushPullInterval();
    this.nextReconnectAt = now + this.reconnectInterval();
    this.table.broadcasts.enqueue(toUpdate(me));
    const remembered = sample(this.random, this.table.peers().filter((m) => m.state !== "left"), 3);
    const targets = new Set([...this.seeds, ...remembered.map(memberAddress)]);
    for (const to of targets) if (to !== selfAddr) this.sendState(to, true);
    return this.flush();
  }

  tick(now: number): Output[] {
    if (!this.started) return [];
    this.table.expire(now);
    for (const [seq, r] of this.relays) if (now >= r.expiresAt) this.relays.delete(seq);
    if (!this.leaving) {
      this.advanceProbe(now);
      if (now >= this.nextPushPullAt) {
        this.nextPushPullAt = now + this.pushPullInterval();
        const peer = pick(this.random, this.aliveOthers());
        if (peer) this.sendState(memberAddress(peer), true);
      }
      if (now >= this.nextReconnectAt) {
        this.nextReconnectAt = now + this.reconnectInterval();
        const to = pick(this.random, this.reconnectCandidates());
        if (to) this.sendState(to, true);
      }
    }
    return this.flush();
  }

  receive(now: number, from: Address, msg: SwimMessage): Output[] {
    // Our own id from elsewhere is a stale process of ours or a loop; nothing in it is news.
    if (!this.started || msg.from === this.table.me.id || !this.sameCluster(msg)) return [];
    const updates = msg.type === "push-pull" ? msg.members : msg.updates;
    for (const u of updates) this.table.apply(now, u, msg.type === "push-pull", msg.from);
    // Someone says a member moved: ask it there; its answer carries its own record (its own word).
    for (const { id, addr } of this.table.drainAddressChecks()) {
      this.send(addr, { ...this.envelope(), type: "ping", seq: this.nextSeq(), to: id, updates: this.piggyback() });
    }
    this.noteRefutations();
    if (this.table.drainForgotten()) this.selfReports.push("forgotten");
    else if (msg.type === "push-pull") this.selfReports.push("ok");
    // A member we hold dead (or forgotten) is talking to us: tell it, so it refutes now rather than at our
    // next reconnect (a forgotten member is never reconnected to).
    const sender = this.table.get(msg.from);
    if (sender?.state === "dead" || sender?.state === "left") this.send(from, this.gossip([toUpdate(sender)]));
    switch (msg.type) {
      case "ping":
        if (msg.to === this.table.me.id) this.send(from, this.ack(msg.seq));
        break;
      case "ack":
        this.onAck(msg.seq);
        break;
      case "ping-req":
        this.onPingReq(now, from, msg.seq, msg.to, msg.toAddr);
        break;
      case "push-pull":
        if (msg.reply && this.answeredExchanges.get(msg.from) !== msg.exchange) {
          if (this.answeredExchanges.size >= MAX_ANSWERED_EXCHANGES) this.answeredExchanges.clear();
          this.answeredExchanges.set(msg.from, msg.exchange);
          this.sendState(from, false);
        }
        break;
      case "gossip":
        break;
    }
    return this.flush();
  }

  /** Is `msg` from a node of our cluster? Only such messages are acted on. */
  sameCluster(msg: Pick<SwimMessage, "cluster">): boolean {
    return (msg.cluster ?? DEFAULT_CLUSTER) === (this.cluster ?? DEFAULT_CLUSTER);
  }

  /** Contacts an address learned after start (LAN discovery) with a state exchange, as a seed is at start. */
  join(to: Address): Output[] {
    if (!this.started || this.leaving || to === memberAddress(this.table.me)) return [];
    this.sendState(to, true);
    return this.flush();
  }

  /** Graceful leave: announce "left" at a higher incarnation to everyone in the ring, then stop probing. */
  leave(now: number): Output[] {
    if (!this.started || this.leaving) return [];
    this.leaving = true;
    this.probe = undefined;
    const update = this.table.leave(now);
    const ring = this.table.peers().filter(probeable);
    for (const m of sample(this.random, ring, 64)) this.send(memberAddress(m), this.gossip([update]));
    return this.flush();
  }

  /** Removes a dead member for good (it becomes "left" everywhere as the news spreads); see MemberTable.forget. */
  forget(now: number, id: string): Output[] {
    const m = this.table.forget(now, id);
    const ring = this.table.peers().filter(probeable);
    for (const peer of sample(this.random, ring, 8)) this.send(memberAddress(peer), this.gossip([toUpdate(m)]));
    return this.flush();
  }

  /** Claims ignored by the table's rules (incarnation bound, address changes, table full). */
  ignoredClaims(): { incarnation: number; address: number; full: number } {
    return { ...this.table.ignored };
  }

  members(): Member[] {
    return this.table.snapshot();
  }

  self(): Member {
    return { ...this.table.me };
  }

  drainEvents(): MemberChange[] {
    return this.table.drainEvents();
  }

  /** Lifeguard's local health score: 0 when healthy; the protocol period is stretched by (score + 1). */
  healthScore(): number {
    return this.health;
  }

  private adjustHealth(delta: number): void {
    const max = Math.max(1, this.config.awarenessMax ?? 1);
    this.health = Math.min(max - 1, Math.max(0, this.health + delta));
  }

  /** Having to refute a suspicion means peers did not hear from us in time: we count as less healthy. */
  private noteRefutations(): void {
    const total = this.table.refutationCount;
    if (total > this.refutationsSeen) this.adjustHealth(total - this.refutationsSeen);
    this.refutationsSeen = total;
  }

  /** What peers' words said about this node since the last call (see SelfReport). */
  drainSelfReports(): SelfReport[] {
    const reports = this.selfReports;
    this.selfReports = [];
    return reports;
  }

  /** Claims that this node was suspect or dead, refuted since the last call. */
  drainRefutations(): Refutation[] {
    return this.table.drainRefutations();
  }

  /** The earliest clock value at which `tick` has work; adapters arm one timer for it. */
  nextDeadline(): number {
    if (!this.started) return Number.POSITIVE_INFINITY;
    const t = this.table.nextExpiry();
    if (this.leaving) return t;
    const p = this.probe;
    const probeDue = p ? p.startedAt + (p.indirectSent ? p.periodMs : this.config.probeTimeoutMs) : t;
    return Math.min(t, probeDue, this.nextProbeAt, this.nextPushPullAt, this.nextReconnectAt);
  }

  private advanceProbe(now: number): void {
    const p = this.probe;
    const { probeIntervalMs, probeTimeoutMs, indirectChecks } = this.config;
    if (p && !p.indirectSent && now >= p.startedAt + probeTimeoutMs) {
      p.indirectSent = true;
      const helpers = sample(this.random, this.aliveOthers().filter((m) => m.id !== p.target), indirectChecks);
      for (const h of helpers) {
        const pingReq = { type: "ping-req", seq: p.seq, to: p.target, toAddr: p.addr, updates: this.piggyback() } as const;
        this.send(memberAddress(h), { ...this.envelope(), ...pingReq });
      }
    }
    if (p && now >= p.startedAt + p.periodMs) {
      // Neither the target nor any helper answered within the protocol period. Without nacks from the
      // helpers we cannot tell whether the target or we are at fault, so our score takes the blame too.
      this.probe = undefined;
      this.adjustHealth(+1);
      this.table.suspect(now, p.target, p.incarnation);
    }
    if (now >= this.nextProbeAt && !this.probe) {
      // Scheduled from the actual start, so a late tick never overlaps two probes.
      const periodMs = probeIntervalMs * (this.health + 1);
      this.nextProbeAt = now + periodMs;
      const target = this.nextProbeTarget();
      if (!target) return;
      const seq = this.nextSeq();
      const addr = memberAddress(target);
      const { id, incarnation } = target;
      this.probe = { seq, target: id, addr, incarnation, startedAt: now, periodMs, indirectSent: false };
      // Lifeguard's buddy system: a suspect we ping hears of its suspicion first-hand and can refute at once.
      const buddy = target.state === "suspect" ? { ...toUpdate(target), suspectedBy: this.table.me.id } : undefined;
      this.send(addr, { ...this.envelope(), type: "ping", seq, to: id, updates: this.piggyback(buddy) });
    }
  }

  private nextProbeTarget(): Member | undefined {
    const isProbeable = (id: string) => {
      const m = this.table.get(id);
      return m !== undefined && probeable(m);
    };
    const members = () => this.table.peers().filter(probeable).map((m) => m.id);
    const id = this.probeRound.next(members, isProbeable);
    return id === undefined ? undefined : this.table.get(id);
  }

  private onAck(seq: number): void {
    if (this.probe?.seq === seq) {
      this.probe = undefined;
      this.adjustHealth(-1);
      return;
    }
    const relay = this.relays.get(seq);
    if (relay) {
      this.relays.delete(seq);
      this.send(relay.origin, this.ack(relay.originSeq));
    }
  }

  private onPingReq(now: number, origin: Address, originSeq: number, target: string, targetAddr: Address): void {
    if (target === this.table.me.id) {
      this.send(origin, this.ack(originSeq));
      return;
    }
    if (this.relays.size >= MAX_RELAYS) return;
    // Prefer the address we know for the target over one a peer handed us.
    const known = this.table.get(target);
    const seq = this.nextSeq();
    this.relays.set(seq, { origin, originSeq, expiresAt: now + this.config.probeIntervalMs });
    const addr = known ? memberAddress(known) : targetAddr;
    this.send(addr, { ...this.envelope(), type: "ping", seq, to: target, updates: this.piggyback() });
  }

  /** Our full member table (self included), split into parts that each fit one datagram. */
  private sendState(to: Address, reply: boolean): void {
    const parts = splitIntoParts(this.table.snapshot().map(toUpdate));
    const exchange = (this.exchange = (this.exchange + 1) % Number.MAX_SAFE_INTEGER);
    parts.forEach((members, part) => {
      this.send(to, { ...this.envelope(), type: "push-pull", exchange, part, parts: parts.length, reply, members });
    });
  }

  private reconnectCandidates(): Address[] {
    const live = new Set([memberAddress(this.table.me)]);
    const dead: Address[] = [];
    for (const m of this.table.peers()) {
      if (probeable(m)) live.add(memberAddress(m));
      else if (m.state === "dead") dead.push(memberAddress(m));
    }
    return [...new Set([...dead, ...this.seeds])].filter((a) => !live.has(a));
  }

  /** A node that knows nobody alive (its join was lost, or its seeds were not up yet) retries sooner. */
  private reconnectInterval(): number {
    const { probeIntervalMs, reconnectIntervalMs } = this.config;
    return this.table.clusterSize() === 1 ? Math.min(2 * probeIntervalMs, reconnectIntervalMs) : reconnectIntervalMs;
  }

  private pushPullInterval(): number {
    return pushPullIntervalMs(this.config, this.table.clusterSize());
  }

  private aliveOthers(): Member[] {
    return this.table.peers().filter((m) => m.state === "alive");
  }

  /**
   * The updates for one outgoing message: our own record first (so whoever hears from us knows us, even
   * if gossip about our join missed it), then `extra`, then the freshest of the broadcast queue.
   */
  private piggyback(extra?: MemberUpdate): MemberUpdate[] {
    const own = toUpdate(this.table.me);
    const head = extra ? [own, extra] : [own];
    const budget = PIGGYBACK_BYTES - head.reduce((sum, u) => sum + encodedSize(u), 0);
    const rest = this.table.broadcasts.take(budget, retransmitLimit(this.config, this.table.clusterSize()));
    return [...head, ...rest.filter((u) => !head.some((h) => h.id === u.id && h.state === u.state))];
  }

  private envelope() {
    const envelope = { v: WIRE_VERSION, from: this.table.me.id } as const;
    return this.cluster === undefined ? envelope : { ...envelope, cluster: this.cluster };
  }

  private ack(seq: number): SwimMessage {
    return { ...this.envelope(), type: "ack", seq, updates: this.piggyback() };
  }

  private gossip(updates: MemberUpdate[]): SwimMessage {
    return { ...this.envelope(), type: "gossip", updates };
  }

  private send(to: Address, msg: SwimMessage): void {
    this.out.push({ to, msg });
  }

  private flush(): Output[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) % Number.MAX_SAFE_INTEGER;
    return this.seq;
  }
}
