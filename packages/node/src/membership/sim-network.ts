// A deterministic in-memory network for many SwimNodes: a virtual clock and one seeded PRNG deciding loss,
// delay (hence reordering) and duplication, plus kills, pauses, restarts and partitions. One seed replays a
// run exactly. With `streamProbes`, the TCP fallback probe is modelled as a lossless call that fails only
// when the target is down, stopped or partitioned away.
// Every message crosses the real wire format (encode + decode), so the simulator also checks sizes and schemas.
import type { Address } from "./address.ts";
import { memberAddress } from "./member-record.ts";
import { type AckMessage, decodeMessage, encodeMessage, type SwimMessage } from "./messages.ts";
import { defaultSwimConfig, type SwimConfig } from "./swim-config.ts";
import { SwimNode, type Output, type StreamPing } from "./swim.ts";
import type { Member, MemberInfo, MemberState } from "./types.ts";
import { mulberry32 } from "../util/seeded-random.ts";

export { mulberry32 };

export interface SimNetworkOptions {
  seed: number;
  /** Probability that a datagram is lost. */
  lossRate?: number;
  /** Probability that a datagram arrives twice. */
  duplicateRate?: number;
  /** One-way delay, uniform in [minDelayMs, maxDelayMs]; different delays reorder datagrams. */
  minDelayMs?: number;
  maxDelayMs?: number;
  swim?: Partial<SwimConfig>;
  /** Nodes also probe over a modelled TCP connection (SwimNodeInit.streamProbes). */
  streamProbes?: boolean;
}

interface Delivery {
  at: number;
  order: number;
  from: Address;
  to: Address;
  bytes: Uint8Array;
  /** Instead of a datagram: a step of a stream call, run at `at`. */
  call?: () => void;
}

interface SimHost {
  id: string;
  info: MemberInfo;
  node: SwimNode;
  running: boolean;
  /** Stopped (SIGSTOP): no timers run; datagrams wait in `inbox`, as in a socket buffer. */
  paused: boolean;
  inbox: Delivery[];
}

export class SimNetwork {
  now = 0;
  /** Every member change seen by every node, in order: the run's fingerprint. */
  readonly trace: string[] = [];
  readonly config: SwimConfig;
  private readonly rng: () => number;
  private readonly hosts = new Map<string, SimHost>();
  private readonly byAddress = new Map<Address, SimHost>();
  private readonly queue: Delivery[] = [];
  private order = 0;
  private groupOf = new Map<Address, number>();
  sent = 0;
  dropped = 0;

  private readonly opts: SimNetworkOptions;

  constructor(opts: SimNetworkOptions) {
    this.opts = { ...opts };
    this.rng = mulberry32(opts.seed);
    this.config = { ...defaultSwimConfig(1000), ...opts.swim };
  }

  /** Starts a node with a fresh state (incarnation 0), joining through `seeds`. */
  addNode(id: string, seeds: string[] = [], overrides: Partial<MemberInfo> = {}): SwimNode {
    const prior = this.hosts.get(id);
    if (prior?.running) throw new Error(`sim node ${id} is already running`);
    if (prior) this.byAddress.delete(memberAddress(prior.info));
    const defaults = { id, host: id, gossipPort: 7946, httpPort: 8080, transferPort: 9090, weight: 1 };
    const info: MemberInfo = { ...defaults, ...overrides };
    const node = new SwimNode({ self: info, config: this.config, random: mulberry32(this.nextSeed()), streamProbes: this.opts.streamProbes });
    const host: SimHost = { id, info, node, running: true, paused: false, inbox: [] };
    this.hosts.set(id, host);
    this.byAddress.set(memberAddress(info), host);
    this.route(host, node.start(this.now, seeds.map((s) => this.address(s))));
    this.record(host);
    return node;
  }

  /** Crash: the node stops answering and its state is gone (a restart is `addNode` again). */
  kill(id: string): void {
    this.host(id).running = false;
  }

  /** SIGSTOP: the node neither ticks nor reads until `resume`; what arrives meanwhile waits for it. */
  pause(id: string): void {
    this.host(id).paused = true;
  }

  /** SIGCONT: its overdue timer fires first (the worst order for it), then it reads what waited. */
  resume(id: string): void {
    const h = this.host(id);
    if (!h.paused) return;
    h.paused = false;
    if (!h.running) return;
    this.route(h, h.node.tick(this.now));
    this.record(h);
    for (const d of h.inbox.splice(0)) this.deliver(d);
  }

  leave(id: string): void {
    const host = this.host(id);
    this.route(host, host.node.leave(this.now));
    this.record(host);
  }

  /** Changes the share of datagrams lost from now on. */
  setLossRate(lossRate: number): void {
    this.opts.lossRate = lossRate;
  }

  /** Datagrams between different groups are dropped; nodes in no group reach everyone. */
  partition(groups: string[][]): void {
    this.groupOf = new Map(groups.flatMap((g, i) => g.map((id) => [this.address(id), i] as const)));
  }

  heal(): void {
    this.groupOf.clear();
  }

  address(id: string): Address {
    const host = this.hosts.get(id);
    return host ? memberAddress(host.info) : memberAddress({ host: id, gossipPort: 7946 });
  }

  node(id: string): SwimNode {
    return this.host(id).node;
  }

  running(): string[] {
    return [...this.hosts.values()].filter((h) => h.running).map((h) => h.id);
  }

  /** What `observer` believes about `member`, or undefined if it does not know it. */
  view(observer: string, member: string): Member | undefined {
    return this.host(observer).node.members().find((m) => m.id === member);
  }

  /** True when every running node sees exactly `ids` as alive (and nothing else as alive or suspect). */
  allSeeAlive(ids: string[]): boolean {
    const want = [...ids].sort().join(",");
    return this.running().every((o) => this.ringOf(o).join(",") === want);
  }

  /** Members `observer` holds alive or suspect, sorted. */
  ringOf(observer: string): string[] {
    return this.host(observer).node.members()
      .filter((m) => m.state === "alive" || m.state === "suspect")
      .map((m) => m.id)
      .sort();
  }

  /** True when every running node other than `member` holds `member` in `state`. */
  allSee(member: string, state: MemberState): boolean {
    return this.running().filter((o) => o !== member).every((o) => this.view(o, member)?.state === state);
  }

  /** Advances virtual time until `done()` holds (checked after every instant) or `maxMs` passes. */
  runUntil(done: () => boolean, maxMs: number): boolean {
    const end = this.now + maxMs;
    while (!done()) {
      if (!this.step(end)) return done();
    }
    return true;
  }

  run(ms: number): void {
    const end = this.now + ms;
    while (this.step(end));
  }

  /** Processes the next instant at which anything happens; false once that would pass `end`. */
  private step(end: number): boolean {
    let next = this.queue.length > 0 ? this.queue[0]!.at : Number.POSITIVE_INFINITY;
    for (const h of this.hosts.values()) if (h.running && !h.paused) next = Math.min(next, h.node.nextDeadline());
    // Time always moves forward by at least 1 ms, so no node can spin at one instant.
    next = Math.max(next, this.now + 1);
    if (next > end) {
      this.now = end;
      return false;
    }
    this.now = next;
    while (this.queue.length > 0 && this.queue[0]!.at <= this.now) {
      const d = this.popDelivery();
      if (d.call) d.call();
      else this.deliver(d);
    }
    for (const h of this.hosts.values()) {
      if (h.running && !h.paused && h.node.nextDeadline() <= this.now) {
        this.route(h, h.node.tick(this.now));
        this.record(h);
      }
    }
    return true;
  }

  private deliver(d: Delivery): void {
    const host = this.byAddress.get(d.to);
    if (!host?.running) return;
    if (host.paused) {
      host.inbox.push(d);
      return;
    }
    let msg: SwimMessage;
    try {
      msg = decodeMessage(d.bytes);
    } catch (err) {
      throw new Error(`seed ${this.opts.seed}: a node sent an undecodable message: ${String(err)}`);
    }
    this.route(host, host.node.receive(this.now, d.from, msg));
    this.record(host);
  }

  private route(from: SimHost, outputs: Output[]): void {
    const src = memberAddress(from.info);
    const { lossRate = 0, duplicateRate = 0, minDelayMs = 1, maxDelayMs = 10 } = this.opts;
    for (const { to, msg } of outputs) {
      const bytes = encodeMessage(msg);
      this.sent++;
      const g1 = this.groupOf.get(src);
      const g2 = this.groupOf.get(to);
      if ((g1 !== undefined && g2 !== undefined && g1 !== g2) || this.rng() < lossRate) {
        this.dropped++;
        continue;
      }
      const copies = this.rng() < duplicateRate ? 2 : 1;
      for (let i = 0; i < copies; i++) {
        const at = this.now + minDelayMs + this.rng() * (maxDelayMs - minDelayMs);
        this.pushDelivery({ at, order: this.order++, from: src, to, bytes });
      }
    }
    for (const sp of from.node.drainStreamPings()) this.streamCall(from, sp);
  }

  /**
   * The TCP fallback probe: the request and the answer each take one network delay and are never lost; a
   * target that is down or partitioned away refuses at once, a paused one lets the call time out.
   */
  private streamCall(from: SimHost, sp: StreamPing): void {
    const { minDelayMs = 1, maxDelayMs = 10 } = this.opts;
    const delay = () => minDelayMs + this.rng() * (maxDelayMs - minDelayMs);
    const at = (ms: number, call: () => void) => this.pushDelivery({ at: this.now + ms, order: this.order++, from: "", to: "", bytes: new Uint8Array(), call });
    const answer = (ack?: AckMessage) => {
      if (!from.running) return;
      this.route(from, from.node.streamAnswered(this.now, sp.seq, ack));
      this.record(from);
    };
    const target = this.hosts.get(sp.target);
    const src = memberAddress(from.info);
    const sentAt = this.now;
    at(delay(), () => {
      const g1 = this.groupOf.get(src);
      const g2 = target ? this.groupOf.get(memberAddress(target.info)) : undefined;
      if (!target?.running || (g1 !== undefined && g2 !== undefined && g1 !== g2)) return answer(undefined);
      if (target.paused) return at(Math.max(0, sentAt + sp.timeoutMs - this.now), () => answer(undefined));
      const { ack, outputs } = target.node.answerStreamPing(this.now, from.id, sp.msg);
      this.route(target, outputs);
      this.record(target);
      at(delay(), () => answer(ack));
    });
  }

  private record(h: SimHost): void {
    for (const { member: m, previous } of h.node.drainEvents()) {
      this.trace.push(`${this.now.toFixed(3)} ${h.id} sees ${m.id} ${previous ?? "new"}->${m.state}#${m.incarnation}`);
    }
  }

  private host(id: string): SimHost {
    const h = this.hosts.get(id);
    if (!h) throw new Error(`no sim node ${id}`);
    return h;
  }

  private nextSeed(): number {
    return Math.floor(this.rng() * 4294967296);
  }

  // A binary min-heap on (at, order): order breaks ties so equal times deliver in send order.
  private pushDelivery(d: Delivery): void {
    const q = this.queue;
    q.push(d);
    let i = q.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(q[i]!, q[p]!)) break;
      [q[i], q[p]] = [q[p]!, q[i]!];
      i = p;
    }
  }

  private popDelivery(): Delivery {
    const q = this.queue;
    const top = q[0]!;
    const last = q.pop()!;
    if (q.length > 0) {
      q[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < q.length && before(q[l]!, q[m]!)) m = l;
        if (r < q.length && before(q[r]!, q[m]!)) m = r;
        if (m === i) break;
        [q[i], q[m]] = [q[m]!, q[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Delivery, b: Delivery): boolean {
  return a.at < b.at || (a.at === b.at && a.order < b.order);
}
