// SWIM failure detection and membership as a pure state machine: callers pass the clock in, send the
// returned outputs and feed received messages back. No timers, sockets or global randomness here.
// Follows SWIM (Das et al.) with memberlist/Lifeguard conventions: ping, ping-req via k helpers, suspicion
// timeout scaled by log10(n), incarnation refutation, piggy-backed gossip, push-pull state exchange.
import type { Address } from "./address.ts";
import { BroadcastQueue } from "./broadcast-queue.ts";
import { infoOf, memberAddress, overrides, probeable, sameInfo, toUpdate } from "./member-record.ts";
import { encodedSize, MAX_DATAGRAM_BYTES, WIRE_VERSION, type MemberUpdate, type SwimMessage } from "./messages.ts";
import { pick, sample, shuffle } from "./random.ts";
import {
  pushPullIntervalMs,
  retransmitLimit,
  suspicionBounds,
  suspicionTimeoutAfter,
  type SuspicionBounds,
  type SwimConfig,
} from "./swim-config.ts";
import type { Member, MemberChange, MemberInfo, MemberState } from "./types.ts";

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
}

/** Piggy-back budget per message: keeps pings and acks inside one typical Ethernet frame, as memberlist does. */
const PIGGYBACK_BYTES = 1200;
/** Room for one push-pull part's member list; the envelope needs far less than the 2 KiB left over. */
const PUSH_PULL_PART_BYTES = MAX_DATAGRAM_BYTES - 2048;
const PUSH_PULL_PART_MEMBERS = 1024;
/** Caps on state a hostile peer could grow by sending made-up members, ping-reqs or exchanges. */
const MAX_MEMBERS = 4096;
const MAX_RELAYS = 1024;
const MAX_ANSWERED_EXCHANGES = 4096;

interface Entry {
  member: Member;
  suspicion?: Suspicion;
}
/** Lifeguard's dynamic suspicion: independent suspecters shorten the time a suspect has to refute. */
interface Suspicion {
  startedAt: number;
  bounds: SuspicionBounds;
  /** The first suspecter and each confirming one; only distinct nodes count. */
  suspecters: Set<string>;
  expiresAt: number;
}
interface Probe {
  seq: number;
  target: string;
  addr: Address;
  incarnation: number;
  startedAt: number;
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
  private readonly me: Member;
  private readonly others = new Map<string, Entry>();
  private readonly broadcasts = new BroadcastQueue();
  private readonly relays = new Map<number, Relay>();
  private readonly answeredExchanges = new Map<string, number>();
  private events: MemberChange[] = [];
  private out: Output[] = [];
  private seeds: Address[] = [];
  private started = false;
  private leaving = false;
  // Random starting points so a restarted process does not reuse the sequence numbers of its past life.
  private seq: number;
  private exchange: number;
  private probeOrder: string[] = [];
  private probeIndex = 0;
  private probe: Probe | undefined;
  private nextProbeAt = 0;
  private nextPushPullAt = 0;
  private nextReconnectAt = 0;

  constructor(init: SwimNodeInit) {
    this.config = init.config;
    this.random = init.random;
    const known = init.knownMembers ?? [];
    // Remembering our own last incarnation saves a refutation round after a restart.
    const previousSelf = known.find((m) => m.id === init.self.id);
    const incarnation = previousSelf ? previousSelf.incarnation + 1 : 0;
    this.me = { ...infoOf(init.self), state: "alive", incarnation, stateChangedAt: 0 };
    for (const m of known) {
      if (m.id === init.self.id) continue;
      // A remembered suspicion has no timer any more; the probe will find out afresh.
      const state = m.state === "suspect" ? "alive" : m.state;
      this.others.set(m.id, { member: { ...m, state } });
    }
    this.seq = Math.floor(this.random() * 2 ** 31);
    this.exchange = Math.floor(this.random() * 2 ** 31);
  }

  /** Joins: a push-pull state exchange with every seed and a few remembered members. */
  start(now: number, seeds: Address[]): Output[] {
    if (this.started) throw new Error("SwimNode already started");
    this.started = true;
    this.me.stateChangedAt = now;
    const selfAddr = memberAddress(this.me);
    this.seeds = [...new Set(seeds)].filter((a) => a !== selfAddr);
    // Jitter the first probe so nodes started together do not probe in lock-step.
    this.nextProbeAt = now + this.random() * this.config.probeIntervalMs;
    this.nextPushPullAt = now + this.pushPullInterval();
    this.nextReconnectAt = now + this.reconnectInterval();
    this.broadcasts.enqueue(toUpdate(this.me));
    const remembered = this.sample([...this.others.values()].filter((e) => e.member.state !== "left"), 3);
    const targets = new Set([...this.seeds, ...remembered.map((e) => memberAddress(e.member))]);
    for (const to of targets) if (to !== selfAddr) this.sendState(to, true);
    return this.flush();
  }

  tick(now: number): Output[] {
    if (!this.started) return [];
    for (const e of this.others.values()) {
      if (e.suspicion && now >= e.suspicion.expiresAt) this.transition(now, e, "dead", e.member.incarnation);
    }
    for (const [seq, r] of this.relays) if (now >= r.expiresAt) this.relays.delete(seq);
    const reapMs = this.config.deadReapMs;
    if (reapMs !== undefined) {
      for (const [id, e] of this.others) {
        if (!probeable(e.member) && now >= e.member.stateChangedAt + reapMs) this.others.delete(id);
      }
    }
    if (!this.leaving) {
      this.advanceProbe(now);
      if (now >= this.nextPushPullAt) {
        this.nextPushPullAt = now + this.pushPullInterval();
        const peer = this.pick(this.aliveOthers());
        if (peer) this.sendState(memberAddress(peer), true);
      }
      if (now >= this.nextReconnectAt) {
        this.nextReconnectAt = now + this.reconnectInterval();
        const to = this.pick(this.reconnectCandidates());
        if (to) this.sendState(to, true);
      }
    }
    return this.flush();
  }

  receive(now: number, from: Address, msg: SwimMessage): Output[] {
    // Our own id from elsewhere is a stale process of ours or a loop; nothing in it is news.
    if (!this.started || msg.from === this.me.id) return [];
    const updates = msg.type === "push-pull" ? msg.members : msg.updates;
    for (const u of updates) this.apply(now, u, msg.type === "push-pull", msg.from);
    // A member we hold dead is talking to us: tell it, so it refutes now rather than at our next reconnect.
    const sender = this.others.get(msg.from);
    if (sender?.member.state === "dead") this.send(from, this.gossip([toUpdate(sender.member)]));
    switch (msg.type) {
      case "ping":
        if (msg.to === this.me.id) this.send(from, this.ack(msg.seq));
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

  /** Graceful leave: announce "left" at a higher incarnation to everyone in the ring, then stop probing. */
  leave(now: number): Output[] {
    if (!this.started || this.leaving) return [];
    this.leaving = true;
    this.probe = undefined;
    const previous = this.me.state;
    this.me.incarnation += 1;
    this.me.state = "left";
    this.me.stateChangedAt = now;
    this.events.push({ member: { ...this.me }, previous });
    const update = toUpdate(this.me);
    this.broadcasts.enqueue(update);
    const ring = [...this.others.values()].map((e) => e.member).filter(probeable);
    for (const m of this.sample(ring, 64)) this.send(memberAddress(m), this.gossip([update]));
    return this.flush();
  }

  members(): Member[] {
    return [{ ...this.me }, ...[...this.others.values()].map((e) => ({ ...e.member }))];
  }

  self(): Member {
    return { ...this.me };
  }

  drainEvents(): MemberChange[] {
    const events = this.events;
    this.events = [];
    return events;
  }

  /** The earliest clock value at which `tick` has work; adapters arm one timer for it. */
  nextDeadline(): number {
    if (!this.started) return Number.POSITIVE_INFINITY;
    let t = Number.POSITIVE_INFINITY;
    const reapMs = this.config.deadReapMs;
    for (const e of this.others.values()) {
      if (e.suspicion) t = Math.min(t, e.suspicion.expiresAt);
      if (reapMs !== undefined && !probeable(e.member)) t = Math.min(t, e.member.stateChangedAt + reapMs);
    }
    if (this.leaving) return t;
    t = Math.min(t, this.nextProbeAt, this.nextPushPullAt, this.nextReconnectAt);
    const p = this.probe;
    if (p) t = Math.min(t, p.startedAt + (p.indirectSent ? this.config.probeIntervalMs : this.config.probeTimeoutMs));
    return t;
  }

  private advanceProbe(now: number): void {
    const p = this.probe;
    const { probeIntervalMs, probeTimeoutMs, indirectChecks } = this.config;
    if (p && !p.indirectSent && now >= p.startedAt + probeTimeoutMs) {
      p.indirectSent = true;
      const helpers = this.sample(this.aliveOthers().filter((m) => m.id !== p.target), indirectChecks);
      for (const h of helpers) {
        this.send(memberAddress(h), { ...this.envelope(), type: "ping-req", seq: p.seq, to: p.target, toAddr: p.addr, updates: this.piggyback() });
      }
    }
    if (p && now >= p.startedAt + probeIntervalMs) {
      // Neither the target nor any helper answered within the protocol period.
      this.probe = undefined;
      const e = this.others.get(p.target);
      if (e) this.apply(now, { ...toUpdate(e.member), state: "suspect", incarnation: p.incarnation }, false, this.me.id);
    }
    if (now >= this.nextProbeAt && !this.probe) {
      // Scheduled from the actual start, so a late tick never overlaps two probes.
      this.nextProbeAt = now + probeIntervalMs;
      const target = this.nextProbeTarget();
      if (!target) return;
      const seq = this.nextSeq();
      const addr = memberAddress(target);
      this.probe = { seq, target: target.id, addr, incarnation: target.incarnation, startedAt: now, indirectSent: false };
      // Lifeguard's buddy system: a suspect we ping hears of its suspicion first-hand and can refute at once.
      const buddy = target.state === "suspect" ? { ...toUpdate(target), suspectedBy: this.me.id } : undefined;
      this.send(addr, { ...this.envelope(), type: "ping", seq, to: target.id, updates: this.piggyback(buddy) });
    }
  }

  /** Randomized round-robin: every probeable member once per round, in a fresh random order each round. */
  private nextProbeTarget(): Member | undefined {
    for (let round = 0; round < 2; round++) {
      while (this.probeIndex < this.probeOrder.length) {
        const e = this.others.get(this.probeOrder[this.probeIndex++]!);
        if (e && probeable(e.member)) return e.member;
      }
      const ids = [...this.others.values()].filter((e) => probeable(e.member)).map((e) => e.member.id);
      this.probeOrder = this.shuffle(ids);
      this.probeIndex = 0;
    }
    return undefined;
  }

  private onAck(seq: number): void {
    if (this.probe?.seq === seq) {
      this.probe = undefined;
      return;
    }
    const relay = this.relays.get(seq);
    if (relay) {
      this.relays.delete(seq);
      this.send(relay.origin, this.ack(relay.originSeq));
    }
  }

  private onPingReq(now: number, origin: Address, originSeq: number, target: string, targetAddr: Address): void {
    if (target === this.me.id) {
      this.send(origin, this.ack(originSeq));
      return;
    }
    if (this.relays.size >= MAX_RELAYS) return;
    // Prefer the address we know for the target over one a peer handed us.
    const known = this.others.get(target);
    const seq = this.nextSeq();
    this.relays.set(seq, { origin, originSeq, expiresAt: now + this.config.probeIntervalMs });
    const addr = known ? memberAddress(known.member) : targetAddr;
    this.send(addr, { ...this.envelope(), type: "ping", seq, to: target, updates: this.piggyback() });
  }

  private apply(now: number, u: MemberUpdate, viaPushPull: boolean, sender: string): void {
    if (u.id === this.me.id) return this.applyAboutSelf(u);
    // A full state is our own reading of the peer's table, so its suspicions count as ours (memberlist).
    const suspecter = viaPushPull ? this.me.id : (u.suspectedBy ?? sender);
    const e = this.others.get(u.id);
    if (!e) {
      if (this.others.size < MAX_MEMBERS) this.add(now, u, suspecter);
      return;
    }
    // memberlist: a peer's full state calling a member dead is stale news as often as not, so it only
    // makes us suspect; the member gets a suspicion period to refute.
    const state = viaPushPull && u.state === "dead" ? "suspect" : u.state;
    const m = e.member;
    if (state === "suspect" && e.suspicion && u.incarnation >= m.incarnation) {
      m.incarnation = u.incarnation;
      this.confirm(e, suspecter);
    } else if (overrides({ state, incarnation: u.incarnation }, m)) {
      this.transition(now, e, state, u.incarnation, state === "alive" ? u : undefined, suspecter);
    }
  }

  private startSuspicion(now: number, e: Entry, suspecter: string): void {
    const bounds = suspicionBounds(this.config, this.clusterSize());
    e.suspicion = { startedAt: now, bounds, suspecters: new Set([suspecter]), expiresAt: now + suspicionTimeoutAfter(bounds, 0) };
  }

  /** Another node suspects the same member independently: shorten the timeout and pass the news on. */
  private confirm(e: Entry, suspecter: string): void {
    const s = e.suspicion!;
    if (s.suspecters.has(suspecter) || s.suspecters.size - 1 >= s.bounds.k) return;
    s.suspecters.add(suspecter);
    s.expiresAt = s.startedAt + suspicionTimeoutAfter(s.bounds, s.suspecters.size - 1);
    this.broadcasts.enqueue({ ...toUpdate(e.member), suspectedBy: suspecter });
  }

  /** Someone says something about us: refute anything that is not exactly our current state. */
  private applyAboutSelf(u: MemberUpdate): void {
    const me = this.me;
    if (u.incarnation < me.incarnation) return;
    const current = u.state === me.state && u.incarnation === me.incarnation && sameInfo(u, me);
    if (current) return;
    me.incarnation = u.incarnation + 1;
    this.broadcasts.enqueue(toUpdate(me));
  }

  private add(now: number, u: MemberUpdate, suspecter: string): void {
    const member: Member = { ...infoOf(u), state: u.state, incarnation: u.incarnation, stateChangedAt: now };
    const e: Entry = { member };
    if (u.state === "suspect") this.startSuspicion(now, e, suspecter);
    this.others.set(u.id, e);
    if (probeable(member)) this.insertIntoProbeOrder(u.id);
    this.broadcasts.enqueue(u.state === "suspect" ? { ...toUpdate(member), suspectedBy: suspecter } : toUpdate(member));
    this.events.push({ member: { ...member }, previous: undefined });
  }

  private transition(
    now: number,
    e: Entry,
    state: MemberState,
    incarnation: number,
    info?: MemberInfo,
    suspecter = this.me.id,
  ): void {
    const m = e.member;
    const previous = m.state;
    const infoChanged = info !== undefined && !sameInfo(m, info);
    if (infoChanged) Object.assign(m, infoOf(info), { zone: info.zone });
    if (m.zone === undefined) delete m.zone;
    m.incarnation = incarnation;
    if (state !== previous) {
      m.state = state;
      m.stateChangedAt = now;
      if (state === "suspect") this.startSuspicion(now, e, suspecter);
      else delete e.suspicion;
      if (probeable(m) && !(previous === "alive" || previous === "suspect")) this.insertIntoProbeOrder(m.id);
    }
    this.broadcasts.enqueue(state === "suspect" ? { ...toUpdate(m), suspectedBy: suspecter } : toUpdate(m));
    if (state !== previous || infoChanged) this.events.push({ member: { ...m }, previous });
  }

  /** A newcomer goes at a random place in the rest of this round, so it is probed soon but unpredictably. */
  private insertIntoProbeOrder(id: string): void {
    const span = this.probeOrder.length - this.probeIndex;
    const at = this.probeIndex + Math.min(span, Math.floor(this.random() * (span + 1)));
    this.probeOrder.splice(at, 0, id);
  }

  /** Our full member table (self included), split into parts that each fit one datagram. */
  private sendState(to: Address, reply: boolean): void {
    const parts: MemberUpdate[][] = [[]];
    let used = 0;
    for (const m of [this.me, ...[...this.others.values()].map((e) => e.member)]) {
      const u = toUpdate(m);
      const bytes = encodedSize(u) + 1;
      const last = parts[parts.length - 1]!;
      if (last.length > 0 && (used + bytes > PUSH_PULL_PART_BYTES || last.length >= PUSH_PULL_PART_MEMBERS)) {
        parts.push([u]);
        used = bytes;
      } else {
        last.push(u);
        used += bytes;
      }
    }
    const exchange = (this.exchange = (this.exchange + 1) % Number.MAX_SAFE_INTEGER);
    parts.forEach((members, part) => {
      this.send(to, { ...this.envelope(), type: "push-pull", exchange, part, parts: parts.length, reply, members });
    });
  }

  private reconnectCandidates(): Address[] {
    const live = new Set([memberAddress(this.me)]);
    const dead: Address[] = [];
    for (const { member } of this.others.values()) {
      if (probeable(member)) live.add(memberAddress(member));
      else if (member.state === "dead") dead.push(memberAddress(member));
    }
    return [...new Set([...dead, ...this.seeds])].filter((a) => !live.has(a));
  }

  /** A node that knows nobody alive (its join was lost, or its seeds were not up yet) retries sooner. */
  private reconnectInterval(): number {
    const { probeIntervalMs, reconnectIntervalMs } = this.config;
    return this.clusterSize() === 1 ? Math.min(2 * probeIntervalMs, reconnectIntervalMs) : reconnectIntervalMs;
  }

  private aliveOthers(): Member[] {
    return [...this.others.values()].map((e) => e.member).filter((m) => m.state === "alive");
  }

  /** Alive and suspect members, self included: the n in the log(n) scalings. */
  private clusterSize(): number {
    let n = 1;
    for (const e of this.others.values()) if (probeable(e.member)) n++;
    return n;
  }

  private pushPullInterval(): number {
    return pushPullIntervalMs(this.config, this.clusterSize());
  }

  /**
   * The updates for one outgoing message: our own record first (so whoever hears from us knows us, even
   * if gossip about our join missed it), then `extra`, then the freshest of the broadcast queue.
   */
  private piggyback(extra?: MemberUpdate): MemberUpdate[] {
    const head = extra ? [extra] : [];
    const budget = PIGGYBACK_BYTES - head.reduce((sum, u) => sum + encodedSize(u), 0);
    const rest = this.broadcasts.take(budget, retransmitLimit(this.config, this.clusterSize()));
    return [...head, ...rest.filter((u) => !head.some((h) => h.id === u.id && h.state === u.state))];
  }

  private envelope() {
    return { v: WIRE_VERSION, from: this.me.id } as const;
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

  private pick<T>(xs: T[]): T | undefined {
    return pick(this.random, xs);
  }

  private shuffle<T>(xs: T[]): T[] {
    return shuffle(this.random, xs);
  }

  private sample<T>(xs: T[], k: number): T[] {
    return sample(this.random, xs, k);
  }
}
