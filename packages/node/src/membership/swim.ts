// SWIM failure detection and membership as a pure state machine: callers pass the clock in, send the
// returned outputs and feed received messages back. No timers, sockets or global randomness here.
// Follows SWIM (Das et al.) with memberlist/Lifeguard conventions: ping, ping-req via k helpers with nacks,
// the TCP fallback probe (the shell carries it), suspicion timeout scaled by log10(n) and shrinking with
// confirmations, local health awareness, incarnation refutation, piggy-backed gossip, push-pull exchange.
import type { Address } from "./address.ts";
import { memberAddress, probeable, toUpdate } from "./member-record.ts";
import { MemberTable } from "./member-table.ts";
import { LocalHealth } from "./local-health.ts";
import {
  DEFAULT_CLUSTER,
  encodedSize,
  splitIntoParts,
  WIRE_VERSION,
  type AckMessage,
  type MemberUpdate,
  type PingMessage,
  type SwimMessage,
} from "./messages.ts";
import { NACK_AFTER_FRACTION, type ProbeStats } from "./probe.ts";
import { ProbeCycle, type StreamPing } from "./probe-cycle.ts";
import { Relays } from "./relays.ts";
import { pick, sample } from "./random.ts";
import { pushPullIntervalMs, retransmitLimit, type SwimConfig } from "./swim-config.ts";
import type { Member, MemberChange, MemberInfo, Refutation, SelfReport } from "./types.ts";

export type { Address };
export type { ProbeStats, StreamPing };
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
  /**
   * The shell can carry a ping over the authenticated TCP peer connection (drainStreamPings): a probe whose
   * direct ping went unanswered tries that path too, beside the helpers. Off where nobody would carry it.
   */
  streamProbes?: boolean;
}

/** Piggy-back budget per message: keeps pings and acks inside one typical Ethernet frame, as memberlist does. */
const PIGGYBACK_BYTES = 1200;
/** Cap on state a hostile peer could grow by sending push-pull exchanges. */
const MAX_ANSWERED_EXCHANGES = 4096;

export class SwimNode {
  private readonly config: SwimConfig;
  private readonly random: () => number;
  private readonly cluster: string | undefined;
  private readonly table: MemberTable;
  private readonly probes: ProbeCycle;
  private readonly relays = new Relays();
  private readonly answeredExchanges = new Map<string, number>();
  private out: Output[] = [];
  private seeds: Address[] = [];
  private started = false;
  private leaving = false;
  // Random starting points so a restarted process does not reuse the sequence numbers of its past life.
  private seq: number;
  private exchange: number;
  private nextPushPullAt = 0;
  private nextReconnectAt = 0;
  private nextGossipAt = 0;
  /** Lifeguard's local health score, 0 (healthy) to awarenessMax - 1; stretches our protocol period. */
  private readonly health: LocalHealth;
  /** Refutations seen so far, to count new ones into the health score. */
  private refutationsSeen = 0;
  private selfReports: SelfReport[] = [];

  constructor(init: SwimNodeInit) {
    this.config = init.config;
    this.random = init.random;
    this.cluster = init.cluster;
    this.health = new LocalHealth(init.config.awarenessMax ?? 1, init.config.probeTimeoutMs);
    this.probes = new ProbeCycle({
      config: init.config,
      random: init.random,
      health: this.health,
      streamProbes: init.streamProbes ?? false,
      send: (to, msg) => this.send(to, msg),
      envelope: () => this.envelope(),
      piggyback: (extra) => this.piggyback(extra),
      nextSeq: () => this.nextSeq(),
    });
    this.table = new MemberTable(init.self, init.knownMembers ?? [], init.config, (id) => this.probes.inserted(id), init.maxMembers);
    this.probes.attach(this.table);
    this.seq = Math.floor(this.random() * 2 ** 31);
    this.exchange = Math.floor(this.random() * 2 ** 31);
  }

  /** Joins: a push-pull state exchange with every seed and a few remembered members. */
  start(now: number, seeds: Address[]): Output[] {
    if (this.started) throw new Error("SwimNode already started");
    this.started = true;
    this.health.stalled(now);
    const me = this.table.me;
    me.stateChangedAt = now;
    const selfAddr = memberAddress(me);
    this.seeds = [...new Set(seeds)].filter((a) => a !== selfAddr);
    // Jitter the first probe so nodes started together do not probe in lock-step.
    this.probes.nextAt = now + this.random() * this.config.probeIntervalMs;
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
    this.noticeStarvation(now);
    if (now >= this.health.holdUntil) this.table.expire(now);
    this.advanceRelays(now);
    if (now >= this.nextGossipAt) this.fanOutGossip(now);
    if (!this.leaving) {
      this.probes.advance(now);
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
    this.noticeStarvation(now);
    this.absorb(now, from, msg);
    switch (msg.type) {
      case "ping":
        if (msg.to === this.table.me.id) this.send(from, this.ack(msg.seq));
        break;
      case "ack":
        this.onAck(msg.seq, from);
        break;
      case "ping-req":
        this.onPingReq(now, from, msg.seq, msg.to, msg.toAddr, msg.nack === true);
        break;
      case "nack":
        this.probes.nacked(msg.seq);
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

  /**
   * A ping that came over the authenticated peer connection from member `caller` (the TCP fallback probe of
   * a peer whose datagrams are being lost): its updates are taken as from a datagram, and the ack to return
   * is given back rather than sent. Undefined when it is not for us (another cluster, another node's id, a
   * sender that is not the caller the handshake proved).
   */
  answerStreamPing(now: number, caller: string, msg: PingMessage): { ack?: AckMessage; outputs: Output[] } {
    if (!this.started || msg.from !== caller || msg.from === this.table.me.id || !this.sameCluster(msg) || msg.to !== this.table.me.id) {
      return { outputs: this.flush() };
    }
    this.noticeStarvation(now);
    const known = this.table.get(caller);
    this.absorb(now, known ? memberAddress(known) : undefined, msg);
    return { ack: this.ack(msg.seq), outputs: this.flush() };
  }

  /** Stream pings to send since the last call (see StreamPing). */
  drainStreamPings(): StreamPing[] {
    return this.probes.drainStreamPings();
  }

  /** The outcome of a stream ping: the target's ack, or undefined when the call failed or timed out. */
  streamAnswered(now: number, seq: number, ack?: AckMessage): Output[] {
    const p = this.probes.streamProbe(seq);
    if (!this.started || !p) return [];
    this.noticeStarvation(now);
    this.probes.streamAnswered(now, p, ack, ack !== undefined && this.sameCluster(ack), (a) => this.absorb(now, p.addr, a));
    return this.flush();
  }

  /** How this node's probes ended so far (for /metrics). */
  probeStats(): ProbeStats {
    return this.probes.probeStats();
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
    this.probes.cancel();
    const update = this.table.leave(now);
    const ring = this.table.peers().filter(probeable);
    for (const m of sample(this.random, ring, 64)) this.send(memberAddress(m), this.gossip([update]));
    return this.flush();
  }

  /**
   * Announces a change of this node's own record (weight, full) one incarnation up, told at once to a few
   * members besides the usual piggy-backing; see MemberTable.updateSelf.
   */
  updateSelf(patch: Partial<Pick<MemberInfo, "weight" | "full" | "joining" | "ringSynced">>): Output[] {
    const update = this.table.updateSelf(patch);
    if (!update || !this.started || this.leaving) return this.flush();
    for (const m of sample(this.random, this.table.peers().filter(probeable), 8)) this.send(memberAddress(m), this.gossip([update]));
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

  /**
   * A ping to live member `id` at `addr` outside the probe rounds: its ack times the member's clock by a round
   * trip (clock-watch.ts); no probe waits on it, so it decides nothing about the member.
   */
  clockPing(id: string, addr: Address): Output[] {
    const m = this.table.get(id);
    if (this.started && !this.leaving && id !== this.table.me.id && m && probeable(m) && memberAddress(m) === addr) this.pingAt(addr, id);
    return this.flush();
  }

  /** Whether `address` ("host:port") is a live or suspect peer's gossip address; copies nothing (asked per datagram). */
  isPeerAddress(address: Address): boolean {
    for (const m of this.table.peerValues()) if (probeable(m) && `${m.host}:${m.gossipPort}` === address) return true;
    return false;
  }

  self(): Member {
    return { ...this.table.me };
  }

  drainEvents(): MemberChange[] {
    return this.table.drainEvents();
  }

  /** Lifeguard's local health score: 0 when healthy; the protocol period is stretched by (score + 1). */
  healthScore(): number {
    return this.health.score;
  }

  /** Having to refute a suspicion means peers did not hear from us in time: we count as less healthy. */
  private noteRefutations(): void {
    const total = this.table.refutationCount;
    if (total > this.refutationsSeen) this.health.apply(total - this.refutationsSeen);
    this.refutationsSeen = total;
  }

  /** What peers' words said about this node since the last call (see SelfReport). */
  drainSelfReports(): SelfReport[] {
    const reports = this.selfReports;
    this.selfReports = [];
    return reports;
  }

  /** What every message from a peer brings, whatever its type: its updates, and the news it may need from us. */
  private absorb(now: number, from: Address | undefined, msg: SwimMessage): void {
    const updates = msg.type === "push-pull" ? msg.members : msg.type === "nack" ? [] : msg.updates;
    for (const u of updates) this.table.apply(now, u, msg.type === "push-pull", msg.from);
    // Someone says a member moved: ask it there; its answer carries its own record (its own word).
    for (const { id, addr } of this.table.drainAddressChecks()) this.pingAt(addr, id);
    this.noteRefutations();
    if (this.table.drainForgotten()) this.selfReports.push("forgotten");
    else if (msg.type === "push-pull") this.selfReports.push("ok");
    // A member we hold dead (or forgotten) is talking to us: tell it, so it refutes now rather than at our
    // next reconnect (a forgotten member is never reconnected to).
    const sender = this.table.get(msg.from);
    if (from !== undefined && (sender?.state === "dead" || sender?.state === "left")) this.send(from, this.gossip([toUpdate(sender)]));
  }

  /**
   * Lifeguard: a node that cannot process messages in time must not accuse others. A call (a tick, or a
   * datagram read first) far later than the tick the last call asked for means this process was stopped
   * or starved: acks that arrived meanwhile may still be unread, so the probe under way is abandoned
   * without a verdict, suspicions due now wait a moment for the refutations that may be queued, and our
   * health score counts it.
   */
  private noticeStarvation(now: number): void {
    if (!this.health.stalled(now)) return;
    this.probes.abandon();
  }

  /**
   * memberlist's gossip round: pending updates go to a few random members that are alive, suspect, or dead
   * for less than a push-pull interval (so a member wrongly declared dead hears it and refutes).
   */
  private fanOutGossip(now: number): void {
    const { gossipNodes = 0, gossipIntervalMs = this.config.probeIntervalMs / 5 } = this.config;
    this.nextGossipAt = now + gossipIntervalMs;
    if (gossipNodes < 1 || this.table.broadcasts.size === 0) return;
    const recent = now - this.config.pushPullIntervalMs;
    const targets = this.table.peers().filter((m) => probeable(m) || (m.state === "dead" && m.stateChangedAt >= recent));
    const limit = retransmitLimit(this.config, this.table.clusterSize());
    for (const m of sample(this.random, targets, gossipNodes)) {
      const updates = this.table.broadcasts.take(PIGGYBACK_BYTES, limit);
      if (updates.length === 0) return;
      this.send(memberAddress(m), this.gossip(updates));
    }
  }

  private advanceRelays(now: number): void {
    for (const { origin, originSeq } of this.relays.due(now)) this.send(origin, { ...this.envelope(), type: "nack", seq: originSeq });
  }

  /** Claims that this node was suspect or dead, refuted since the last call. */
  drainRefutations(): Refutation[] {
    return this.table.drainRefutations();
  }

  /** The earliest clock value at which `tick` has work; adapters arm one timer for it. */
  nextDeadline(): number {
    if (!this.started) return Number.POSITIVE_INFINITY;
    let t = Math.min(Math.max(this.table.nextExpiry(), this.health.holdUntil), this.relays.nextDeadline());
    // Rounds with nobody to talk to wait for somebody (a datagram, a join): a node alone used to wake every
    // gossip interval (200 ms) for news it had no one to tell. Whoever turns up next gets the overdue round.
    const peers = this.table.roundTargets(this.nextGossipAt - this.config.pushPullIntervalMs);
    if (this.table.broadcasts.size > 0 && (this.config.gossipNodes ?? 0) > 0 && peers.gossip) t = Math.min(t, this.nextGossipAt);
    if (this.leaving) return t;
    t = Math.min(t, this.probes.dueAt());
    if (peers.probe) t = Math.min(t, this.probes.nextAt);
    if (peers.alive) t = Math.min(t, this.nextPushPullAt);
    if (this.nextReconnectAt < t && this.reconnectCandidates().length > 0) t = this.nextReconnectAt;
    return t;
  }

  private onAck(seq: number, from: Address): void {
    if (this.probes.acked(seq, from)) return;
    const relay = this.relays.takeAck(seq);
    if (relay) this.send(relay.origin, this.ack(relay.originSeq));
  }

  private onPingReq(now: number, origin: Address, originSeq: number, target: string, targetAddr: Address, nack: boolean): void {
    if (target === this.table.me.id) {
      this.send(origin, this.ack(originSeq));
      return;
    }
    // Prefer the address we know for the target over one a peer handed us.
    const known = this.table.get(target);
    const seq = this.nextSeq();
    const { probeIntervalMs, probeTimeoutMs } = this.config;
    const nackAt = nack ? now + Math.max(1, Math.floor(NACK_AFTER_FRACTION * probeTimeoutMs)) : undefined;
    if (!this.relays.add(seq, { origin, originSeq, expiresAt: now + probeIntervalMs, nackAt })) return;
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

  private ack(seq: number): AckMessage {
    return { ...this.envelope(), type: "ack", seq, updates: this.piggyback() };
  }

  /** A ping no probe waits for: its ack is only news (and a round trip for the clock watch). */
  private pingAt(addr: Address, id: string): void {
    this.send(addr, { ...this.envelope(), type: "ping", seq: this.nextSeq(), to: id, updates: this.piggyback() });
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
    // The shell arms its timer for this; a call much later than it reveals a stall (noticeStarvation).
    if (this.started) this.health.expectTick(this.nextDeadline());
    return out;
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) % Number.MAX_SAFE_INTEGER;
    return this.seq;
  }
}
