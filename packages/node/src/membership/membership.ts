// Membership as the rest of the node sees it: the SWIM core wired to a UDP socket, one timer and
// change listeners. All protocol decisions live in swim.ts; this file only moves bytes and time, and
// seals every datagram with the cluster key: one that fails the check is counted and dropped unread.
import { logger, type Logger } from "../log.ts";
import type { DatagramSeal, Opened } from "../security/datagram-seal.ts";
import type { ClockWatch } from "./clock-watch.ts";
import { systemClock, type Timer } from "../util/clock.ts";
import { RateLimitedLog } from "../util/rate-limited-log.ts";
import { parseAddress, type Address } from "./address.ts";
import { infoOf } from "./member-record.ts";
import { type AckMessage, decodeMessage, DEFAULT_CLUSTER, encodeMessage, type PingMessage, type SwimMessage, WIRE_VERSION } from "./messages.ts";
import { defaultSwimConfig, type ProbeStats, type StreamPing, SwimNode, type Output, type SwimConfig } from "./swim.ts";
import type { Member, MemberChange, MemberInfo, SelfReport } from "./types.ts";
import { UdpTransport } from "./udp-transport.ts";

export interface MembershipInit {
  self: MemberInfo;
  /** Local interface for the gossip socket; the port is `self.gossipPort`. */
  bindHost: string;
  /** "host:port" gossip addresses to join through. */
  seeds: string[];
  probeIntervalMs: number;
  knownMembers?: Member[];
  swim?: Partial<SwimConfig>;
  /** Cluster name carried in every message; gossip from another cluster is dropped (swim.ts). */
  cluster?: string;
  /** Most members tracked (MAX_MEMBERS). */
  maxMembers?: number;
}

export interface MembershipComponents {
  /**
   * Wall clock in ms. Date.now by default so `stateChangedAt` means something to operators and
   * across restarts; a clock step at worst causes one early suspicion, which the member refutes.
   */
  now?: () => number;
  random?: () => number;
  log?: Logger;
  /** Authenticates every datagram with the cluster key (gossip purpose). */
  seal: DatagramSeal;
  /** Learns this node's clock offset from the senders' clocks in authenticated datagrams. */
  clock?: ClockWatch;
  /**
   * memberlist's TCP fallback probe: sends a ping to a member over the authenticated peer connection and
   * resolves with its ack (rejects on failure or after `timeoutMs`). node.ts passes the rpc "swim.ping";
   * without it, probes use datagrams only.
   */
  streamPing?: (memberId: string, ping: PingMessage, timeoutMs: number) => Promise<AckMessage>;
  /**
   * Arms the one gossip timer; it must run on time (the node's CoalescingClock.exact, so the background loops'
   * timers ride on it). setTimeout by default.
   */
  timer?: (ms: number, fn: () => void) => Timer;
}

export type MemberChangeListener = (change: MemberChange) => void;

/** Bad datagrams are logged at most this often, so a flood cannot flood the log too. */
const BAD_LOG_WINDOW_MS = 10_000;
const BAD_LOG_PER_WINDOW = 5;
/** A node that has seeds but no live peer this long after start says why it may be alone. */
const JOIN_HINT_MS = 10_000;

export class Membership {
  private readonly config: SwimConfig;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly log: Logger;
  private readonly transport: UdpTransport;
  private readonly listeners = new Set<MemberChangeListener>();
  /** This node's record: init.self as changed since by updateSelf (a restarted core starts from it). */
  private selfInfo: MemberInfo;
  private readonly selfListeners = new Set<(report: SelfReport) => void>();
  private core: SwimNode;
  private running = false;
  private startedBefore = false;
  private timer: Timer | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private joinHint: ReturnType<typeof setTimeout> | undefined;
  /** A budget per kind of bad datagram: a flood of one kind must not hide another (a node with the wrong key). */
  private readonly badLogs = new Map<string, RateLimitedLog>();
  /** When each sender of stale datagrams was last answered (answerStale). */
  private readonly staleAnswered = new Map<string, number>();
  private readonly seal: DatagramSeal;
  private readonly clock: ClockWatch | undefined;
  /** Senders of another cluster already logged: a misdirected seed retries forever, one line is enough. */
  private readonly foreignLogged = new Set<string>();
  /** Gossip datagrams and their bytes, by direction and message type ("sent push-pull", "received ack"), for /metrics. */
  readonly traffic = { datagrams: new Map<string, number>(), bytes: new Map<string, number>() };
  private readonly streamPing: MembershipComponents["streamPing"];
  private readonly setTimer: (ms: number, fn: () => void) => Timer;

  constructor(
    private readonly init: MembershipInit,
    components: MembershipComponents,
  ) {
    const port = init.self.gossipPort;
    // Peers reach us at the announced port, so an OS-chosen ephemeral port (0) cannot work.
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`gossip port must be 1-65535, got ${port}`);
    }
    for (const seed of init.seeds) parseAddress(seed); // throws naming the bad seed
    this.config = { ...defaultSwimConfig(init.probeIntervalMs), ...init.swim };
    this.now = components.now ?? Date.now;
    this.random = components.random ?? Math.random;
    this.log = components.log ?? logger("membership");
    this.seal = components.seal;
    this.clock = components.clock;
    this.streamPing = components.streamPing;
    this.setTimer = components.timer ?? systemClock.timer;

    this.selfInfo = infoOf(init.self);
    this.transport = new UdpTransport((bytes, from) => this.onDatagram(bytes, from), this.log);
    this.core = this.newCore(init.knownMembers);
  }

  async start(): Promise<void> {
    if (this.running) throw new Error("membership already started");
    // A restart of this object behaves like a process restart that remembered its member list.
    if (this.startedBefore) this.core = this.newCore(this.core.members());
    await this.transport.bind(this.init.bindHost, this.init.self.gossipPort);
    this.running = true;
    this.startedBefore = true;
    const bind = `${this.init.bindHost}:${this.init.self.gossipPort}`;
    this.log.info("gossip started", { bind, seeds: this.init.seeds });
    this.deliver(this.core.start(this.now(), this.init.seeds));
    if (this.init.seeds.length > 0) {
      this.joinHint = setTimeout(() => {
        if (!this.running || this.members().some((m) => m.id !== this.init.self.id && m.state === "alive")) return;
        const clock = this.clock?.problem();
        if (clock) this.log.warn(`cannot join: ${clock}; fix this machine's clock (NTP)`, { seeds: this.init.seeds });
        else {
          this.log.warn("no authenticated answer from any seed yet; every node of a cluster needs the same CLUSTER_KEY", {
            seeds: this.init.seeds,
            keyId: this.seal.keyId(),
          });
        }
      }, JOIN_HINT_MS);
      this.joinHint.unref?.();
    }
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.joinHint) clearTimeout(this.joinHint);
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    await this.transport.close();
  }

  /** Announces "left", keeps answering for a moment so the news spreads, then stops. */
  async leave(): Promise<void> {
    if (!this.running) return;
    this.deliver(this.core.leave(this.now()));
    await new Promise((r) => setTimeout(r, Math.min(2 * this.config.probeIntervalMs, 2000)));
    await this.stop();
  }

  members(): Member[] {
    return this.core.members();
  }

  /** Lifeguard's local health score (0 = healthy); above 0, this node stretches its protocol period. */
  healthScore(): number {
    return this.core.healthScore();
  }

  /** How this node's probes ended: answered directly, through a helper, over TCP; failed; abandoned. */
  probeStats(): ProbeStats {
    return this.core.probeStats();
  }

  /**
   * Answers a peer's TCP fallback probe (rpc "swim.ping"; `caller` is the id its handshake proved): the
   * ping's updates are applied as from a datagram, and the ack carries ours back. Throws when the ping is
   * not for this node, so the caller counts it as no answer.
   */
  answerStreamPing(caller: string, ping: PingMessage): AckMessage {
    if (!this.running) throw new Error("gossip is not running");
    const { ack, outputs } = this.core.answerStreamPing(this.now(), caller, ping);
    this.deliver(outputs);
    if (!ack) throw new Error(`ping from ${caller} for ${ping.to} is not for this node`);
    return ack;
  }

  self(): Member {
    return this.core.self();
  }

  /** Calls `fn` on every member state or metadata change; returns the unsubscribe function. */
  onChange(fn: MemberChangeListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Calls `fn` with what peers say about this node (see SelfReport); returns the unsubscribe function. */
  onSelfReport(fn: (report: SelfReport) => void): () => void {
    this.selfListeners.add(fn);
    return () => this.selfListeners.delete(fn);
  }

  /** Contacts a gossip address found after start (LAN discovery) with a state exchange, as a seed is. */
  join(addr: string): void {
    if (!this.running) return;
    parseAddress(addr); // throws naming the bad address
    this.deliver(this.core.join(addr));
  }

  /** Changes this node's own record (its store filled up or has room again) and tells the cluster. */
  updateSelf(patch: Partial<Pick<MemberInfo, "weight" | "full" | "joining" | "ringSynced">>): void {
    this.selfInfo = infoOf({ ...this.selfInfo, ...patch });
    this.deliver(this.core.updateSelf(patch));
  }

  /** Removes a dead member for good (admin: `orrery members forget`); throws if it is not dead. */
  forget(id: string): Member {
    if (!this.running) throw new Error("membership is not running");
    this.deliver(this.core.forget(this.now(), id));
    const m = this.core.members().find((x) => x.id === id)!;
    this.log.warn("member forgotten by an operator", { member: id, incarnation: m.incarnation });
    return m;
  }

  /** Whether a datagram source ("host:port") is the gossip address of a live (alive or suspect) member. */
  isMemberAddress(address: string): boolean {
    return this.core.isPeerAddress(address);
  }

  /** Gossip claims ignored by membership's rules (see MemberTable.apply). */
  ignoredClaims(): { incarnation: number; address: number; full: number } {
    return this.core.ignoredClaims();
  }

  /** Fault injection for partition tests: drop all datagrams to and from these gossip addresses. */
  setBlockedPeers(addrs: string[]): void {
    this.transport.setBlocked(addrs);
  }

  /** Fault injection: every datagram is handled `ms` after it arrived, as by an event loop that far behind. */
  setGossipDelay(ms: number): void {
    this.transport.setDelay(ms);
  }

  private newCore(knownMembers: Member[] | undefined): SwimNode {
    return new SwimNode({
      self: this.selfInfo,
      config: this.config,
      random: this.random,
      knownMembers,
      cluster: this.init.cluster,
      maxMembers: this.init.maxMembers,
      streamProbes: this.streamPing !== undefined,
    });
  }

  private onDatagram(bytes: Uint8Array, from: Address): void {
    if (!this.running) return;
    const parsed: { msg?: SwimMessage; problem?: unknown } = {};
    const opened = this.seal.open(bytes, (payload) => {
      try {
        parsed.msg = decodeMessage(payload);
        return true;
      } catch (err) {
        parsed.problem = err;
        return false;
      }
    });
    // Any datagram that proved the key tells us the sender's clock, also a stale one (a far-off clock); an
    // answer to our ping or ping-req also closes a round trip, which bounds the error (clock-watch.ts).
    if (opened.sentAt !== undefined) {
      const answers = opened.ok && (parsed.msg?.type === "ack" || parsed.msg?.type === "nack") ? parsed.msg.seq : undefined;
      this.clock?.sample(from, opened.sentAt, answers);
    }
    if (!opened.ok) {
      // Authenticated but not a valid message: a member with a bug, worth a (rate-limited) warning of its own.
      if (opened.reason === "malformed") return this.badLog("malformed").warn("dropped malformed gossip datagram", { from, err: parsed.problem });
      return this.warnUnauthenticated(from, opened);
    }
    const msg = parsed.msg!;
    this.count("received", msg.type, bytes.byteLength);
    if (!this.core.sameCluster(msg)) {
      const cluster = msg.cluster ?? DEFAULT_CLUSTER;
      const key = `${msg.from}@${from}/${cluster}`;
      if (!this.foreignLogged.has(key)) {
        if (this.foreignLogged.size >= 256) this.foreignLogged.clear();
        this.foreignLogged.add(key);
        this.log.warn("dropped gossip from another cluster", { from, peer: msg.from, cluster, ours: this.init.cluster ?? DEFAULT_CLUSTER });
      }
      return;
    }
    try {
      this.deliver(this.core.receive(this.now(), from, msg));
      // A member heard but not timed by a round trip is pinged at once, so a node that joins or restarts
      // knows its clock one round trip after hearing each peer, not when its probes come round to them.
      if (this.clock?.wantsRoundTrip(from)) this.deliver(this.core.clockPing(msg.from, from));
    } catch (err) {
      this.log.error("gossip message handling failed", { from, type: msg.type, err });
    }
  }

  private count(direction: "sent" | "received", type: string, bytes: number): void {
    const key = `${direction} ${type}`;
    this.traffic.datagrams.set(key, (this.traffic.datagrams.get(key) ?? 0) + 1);
    this.traffic.bytes.set(direction, (this.traffic.bytes.get(direction) ?? 0) + bytes);
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    if (!this.running) return;
    try {
      this.deliver(this.core.tick(this.now()));
    } catch (err) {
      this.log.error("gossip tick failed", { err });
      this.armAt(this.now() + this.config.probeIntervalMs);
    }
  }

  /** Sends the core's outputs, reports its changes, and re-arms the one timer for its next deadline. */
  private deliver(outputs: Output[]): void {
    for (const { to, msg } of outputs) {
      try {
        if (msg.type === "ping" || msg.type === "ping-req") this.clock?.asked(msg.seq);
        const sealed = this.seal.seal(encodeMessage(msg));
        this.count("sent", msg.type, sealed.byteLength);
        this.transport.send(to, sealed);
      } catch (err) {
        this.log.error("cannot encode gossip message", { to, type: msg.type, err });
      }
    }
    for (const ping of this.core.drainStreamPings()) this.sendStreamPing(ping);
    for (const change of this.core.drainEvents()) {
      const m = change.member;
      const from = change.previous ?? "unknown";
      this.log.info("member changed", { member: m.id, from, to: m.state, incarnation: m.incarnation });
      for (const fn of this.listeners) {
        try {
          fn(change);
        } catch (err) {
          this.log.error("member change listener threw", { member: m.id, err });
        }
      }
    }
    for (const report of this.core.drainSelfReports()) {
      if (report === "forgotten") this.log.warn("the cluster had forgotten this node (it was dead too long, forgotten by an operator, or left before); refuted");
      for (const fn of this.selfListeners) {
        try {
          fn(report);
        } catch (err) {
          this.log.error("self report listener threw", { err });
        }
      }
    }
    for (const r of this.core.drainRefutations()) {
      // Peers timed out waiting for our acks: usually this process or its disk stalled (a long fsync, a swap storm).
      this.log.warn("peers suspected this node; refuted", {
        claimed: r.claimed,
        claimedIncarnation: r.incarnation,
        suspectedBy: r.suspectedBy,
        incarnation: this.core.self().incarnation,
        healthScore: this.core.healthScore(),
      });
    }
    if (this.running) this.armAt(this.core.nextDeadline());
  }

  /** The TCP leg of a probe; its outcome goes back to the core, which decides. */
  private sendStreamPing({ target, seq, msg, timeoutMs }: StreamPing): void {
    const core = this.core;
    const reply = (ack?: AckMessage) => {
      // A restart in between made a new core; this answer belongs to the old one.
      if (!this.running || this.core !== core) return;
      const stats = core.probeStats().stream;
      this.deliver(core.streamAnswered(this.now(), seq, ack));
      if (core.probeStats().stream > stats) {
        // memberlist's warning: the member is up, its datagrams (or ours) are lost on the way.
        this.badLog("udp-lost").warn("reached a member over TCP but not by gossip datagrams; is UDP lost or blocked on the way?", {
          member: target,
        });
      }
    };
    this.streamPing!(target, msg, timeoutMs).then(
      (ack) => reply(ack),
      (err) => {
        this.log.debug("TCP fallback probe failed", { member: target, err });
        reply(undefined);
      },
    );
  }

  /**
   * Keeps the one timer at the core's next deadline, moved later as well as earlier: a probe answered at once
   * leaves its timeout behind, and a timer left there woke an idle node for nothing once a period.
   */
  private armAt(at: number): void {
    if (this.timer && this.timerAt === at) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    if (!Number.isFinite(at)) return;
    this.timerAt = at;
    // At least 1 ms, so a deadline that is already due cannot spin the event loop.
    this.timer = this.setTimer(Math.max(1, at - this.now()), () => this.onTimer());
  }

  /**
   * A member holding the key whose clock is far off cannot gossip (its datagrams are stale here), but it can
   * learn why: an empty sealed datagram back tells it our clock, which its ClockWatch turns into "this node's
   * clock is N s ahead". At most one per sender per 5 s, so a replayed old datagram cannot amplify.
   */
  private answerStale(to: Address): void {
    const now = this.now();
    if ((this.staleAnswered.get(to) ?? 0) > now - 5000) return;
    if (this.staleAnswered.size >= 1024) this.staleAnswered.clear();
    this.staleAnswered.set(to, now);
    this.transport.send(to, this.seal.seal(encodeMessage({ v: WIRE_VERSION, type: "gossip", from: this.init.self.id, updates: [] })));
  }

  private badLog(kind: string): RateLimitedLog {
    let log = this.badLogs.get(kind);
    if (!log) this.badLogs.set(kind, (log = new RateLimitedLog(this.log, BAD_LOG_WINDOW_MS, BAD_LOG_PER_WINDOW, this.now)));
    return log;
  }

  private warnUnauthenticated(from: Address, opened: Exclude<Opened, { ok: true }>): void {
    const ctx = { from, reason: opened.reason, keyId: opened.keyId };
    const log = this.badLog(opened.reason);
    if (opened.reason === "stale") this.answerStale(from);
    switch (opened.reason) {
      case "unknown_key":
        return log.warn("dropped gossip signed with a cluster key this node does not hold; every node needs the same CLUSTER_KEY", ctx);
      case "stale":
        return log.warn("dropped gossip whose clock is too far from ours (check the clocks, NTP)", {
          ...ctx,
          skewSeconds: Math.round((opened.skewMs ?? 0) / 1000),
        });
      case "replay":
        return log.warn("dropped a replayed gossip datagram", ctx);
      default:
        return log.warn("dropped unauthenticated gossip datagram", ctx);
    }
  }
}
