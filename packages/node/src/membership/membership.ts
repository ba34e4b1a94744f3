// Membership as the rest of the node sees it: the SWIM core wired to a UDP socket, one timer and
// change listeners. All protocol decisions live in swim.ts; this file only moves bytes and time.
import { logger, type Logger } from "../log.ts";
import { parseAddress, type Address } from "./address.ts";
import { decodeMessage, DEFAULT_CLUSTER, encodeMessage } from "./messages.ts";
import { defaultSwimConfig, SwimNode, type Output, type SwimConfig } from "./swim.ts";
import type { Member, MemberChange, MemberInfo } from "./types.ts";
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
}

export interface MembershipComponents {
  /**
   * Wall clock in ms. Date.now by default so `stateChangedAt` means something to operators and
   * across restarts; a clock step at worst causes one early suspicion, which the member refutes.
   */
  now?: () => number;
  random?: () => number;
  log?: Logger;
}

export type MemberChangeListener = (change: MemberChange) => void;

/** Malformed datagrams are logged at most this often, so a flood cannot flood the log too. */
const MALFORMED_LOG_WINDOW_MS = 10_000;
const MALFORMED_LOG_PER_WINDOW = 5;

export class Membership {
  private readonly config: SwimConfig;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly log: Logger;
  private readonly transport: UdpTransport;
  private readonly listeners = new Set<MemberChangeListener>();
  private core: SwimNode;
  private running = false;
  private startedBefore = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private malformedWindowStart = Number.NEGATIVE_INFINITY;
  private malformedInWindow = 0;
  /** Senders of another cluster already logged: a misdirected seed retries forever, one line is enough. */
  private readonly foreignLogged = new Set<string>();

  constructor(
    private readonly init: MembershipInit,
    components: MembershipComponents = {},
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
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
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

  self(): Member {
    return this.core.self();
  }

  /** Calls `fn` on every member state or metadata change; returns the unsubscribe function. */
  onChange(fn: MemberChangeListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Contacts a gossip address found after start (LAN discovery) with a state exchange, as a seed is. */
  join(addr: string): void {
    if (!this.running) return;
    parseAddress(addr); // throws naming the bad address
    this.deliver(this.core.join(addr));
  }

  /** Fault injection for partition tests: drop all datagrams to and from these gossip addresses. */
  setBlockedPeers(addrs: string[]): void {
    this.transport.setBlocked(addrs);
  }

  private newCore(knownMembers: Member[] | undefined): SwimNode {
    return new SwimNode({ self: this.init.self, config: this.config, random: this.random, knownMembers, cluster: this.init.cluster });
  }

  private onDatagram(bytes: Uint8Array, from: Address): void {
    if (!this.running) return;
    let msg;
    try {
      msg = decodeMessage(bytes);
    } catch (err) {
      this.warnMalformed(from, err);
      return;
    }
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
    } catch (err) {
      this.log.error("gossip message handling failed", { from, type: msg.type, err });
    }
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
        this.transport.send(to, encodeMessage(msg));
      } catch (err) {
        this.log.error("cannot encode gossip message", { to, type: msg.type, err });
      }
    }
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

  private armAt(at: number): void {
    if (!Number.isFinite(at) || (this.timer && this.timerAt <= at)) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    // At least 1 ms, so a deadline that is already due cannot spin the event loop.
    this.timer = setTimeout(() => this.onTimer(), Math.max(1, at - this.now()));
  }

  private warnMalformed(from: Address, err: unknown): void {
    const now = this.now();
    if (now - this.malformedWindowStart >= MALFORMED_LOG_WINDOW_MS) {
      const suppressed = this.malformedInWindow - MALFORMED_LOG_PER_WINDOW;
      if (suppressed > 0) this.log.warn("malformed gossip datagrams not logged", { suppressed });
      this.malformedWindowStart = now;
      this.malformedInWindow = 0;
    }
    if (++this.malformedInWindow <= MALFORMED_LOG_PER_WINDOW) {
      this.log.warn("dropped malformed gossip datagram", { from, err });
    }
  }
}
