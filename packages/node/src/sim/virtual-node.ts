// A virtual node: its machine and disk (chunk store, manifests, replication queue, Paxos state, peers table)
// survive a crash; a NodeProcess is one life, composed as node.ts composes a node: the real SWIM core for
// membership, the real NodeCore (write coordinator, chunk reader, queue worker, manifest replication and
// quorum reads, Paxos, placement check, sweeper, anti-entropy, scrub, GC, FileSystem) on the process's
// clock, and the real peer RPC over the simulated network.
import { MemoryAcceptorStore } from "../consensus/acceptor-store.ts";
import { ClockWatch } from "../membership/clock-watch.ts";
import { JoinGate, joinedBefore, mayCountPeers } from "../membership/join-gate.ts";
import { memberAddress } from "../membership/member-record.ts";
import type { SwimMessage } from "../membership/messages.ts";
import { decodeMessage, encodeMessage } from "../membership/messages.ts";
import { defaultSwimConfig } from "../membership/swim-config.ts";
import { type Output, SwimNode } from "../membership/swim.ts";
import type { Member, MemberInfo } from "../membership/types.ts";
import { MemoryManifestStore } from "../metadata/memory-manifest-store.ts";
import { NodeCore, ringSettleMs } from "../node-core.ts";
import { MemoryReplicationQueue } from "../replication/memory-queue.ts";
import { MemorySettingsStore } from "../settings/settings-store.ts";
import { Placement } from "../replication/placement.ts";
import type { JsonHandlers } from "../rpc/methods.ts";
import type { PeerRpc } from "../rpc/peer-rpc.ts";
import { MemoryChunkStore } from "../store/memory-chunk-store.ts";
import { breakRules } from "./broken.ts";
import type { SimContext } from "./context.ts";
import { simLogger } from "./sim-log.ts";
import { ProcessClock } from "./process-clock.ts";
import type { Rng } from "./rng.ts";
import { fork } from "./rng.ts";

export const GOSSIP_PORT = 7946;

export const addressOf = (id: string) => `${id}:${GOSSIP_PORT}`;
const idOf = (address: string) => address.slice(0, address.lastIndexOf(":"));

/** A datagram as the seal carries it: the message and its sender's wall clock (the clock watch's input). */
interface Datagram {
  msg: SwimMessage | Uint8Array;
  sentAt: number;
}

/** What a client is told when the process coordinating its operation died first. */
export class Abandoned extends Error {
  constructor() {
    super("coordinator crashed");
  }
}

export class VirtualNode {
  readonly info: MemberInfo;
  readonly chunks: MemoryChunkStore;
  readonly manifests: MemoryManifestStore;
  readonly queue = new MemoryReplicationQueue();
  readonly acceptors = new MemoryAcceptorStore();
  readonly settings = new MemorySettingsStore();
  /** The peers table (store/peers.ts): the last member list this node saw. */
  remembered: Member[] = [];
  process: NodeProcess | undefined;
  lives = 0;
  /** Killed for good: its disk is gone. */
  lost = false;

  constructor(
    readonly id: string,
    private readonly ctx: SimContext,
    /** This machine's wall clock offset from true time (a scenario may move it). */
    public clockSkewMs: number,
  ) {
    this.info = { id, host: id, gossipPort: GOSSIP_PORT, httpPort: 8080, transferPort: 9090, weight: 1 };
    const now = () => this.wallNow();
    const maxDriftMs = ctx.broken.has("no-clock-rules") ? Number.MAX_SAFE_INTEGER : ctx.settings.maxClockOffsetMs;
    this.manifests = new MemoryManifestStore(id, now, { maxDriftMs, hash: ctx.hash });
    this.chunks = new MemoryChunkStore({ maxChunkSize: ctx.settings.core.chunkSize }, { now });
  }

  /** This machine's wall clock. */
  wallNow(): number {
    return Math.floor(this.ctx.settings.epochMs + this.ctx.events.now + this.clockSkewMs);
  }

  get running(): boolean {
    return this.process !== undefined;
  }

  /**
   * Starts a life. As node.ts does, the remembered peers (self excluded) seed the member table and their
   * addresses join SEEDS; `known` replaces the remembered list (a whole-cluster boot), `peersAsSeeds`
   * false keeps SEEDS as given (so 500 booting nodes do not all push-pull with everyone).
   */
  start(seeds: string[], rng: Rng, opts: { known?: Member[]; peersAsSeeds?: boolean } = {}): NodeProcess {
    if (this.process) throw new Error(`${this.id} is already running`);
    if (this.lost) throw new Error(`${this.id} was lost for good`);
    this.lives++;
    const known = (opts.known ?? this.remembered).filter((m) => m.id !== this.id);
    const peerSeeds = opts.peersAsSeeds === false ? [] : known.map((m) => memberAddress(m));
    const gate = new JoinGate({ self: addressOf(this.id), seeds: seeds.map((a) => [a]), joinedBefore: joinedBefore(known, this.id) });
    const p = new NodeProcess(this, this.ctx, rng, [...new Set([...seeds, ...peerSeeds])], known, gate);
    this.process = p;
    p.start();
    return p;
  }

  /** A crash: the process and everything in its memory are gone; the disk stays unless `wipe`. */
  kill(wipe: boolean): void {
    const p = this.process;
    if (p) {
      this.remembered = p.swim.members();
      p.kill(wipe);
    }
    this.process = undefined;
    if (wipe) this.lost = true;
  }
}

export class NodeProcess {
  readonly swim: SwimNode;
  readonly clock: ProcessClock;
  readonly placement: Placement;
  readonly rpc: PeerRpc;
  readonly core: NodeCore;
  readonly clockWatch: ClockWatch;
  /** Client operations this process is coordinating; told "unknown" if it dies. */
  private readonly ops = new Set<(err: Error) => void>();
  private swimTimerAt = Number.POSITIVE_INFINITY;

  constructor(
    readonly node: VirtualNode,
    readonly ctx: SimContext,
    rng: Rng,
    private readonly seeds: string[],
    known: Member[],
    /** node.ts: whether this life has reached its cluster (membership/join-gate.ts). */
    readonly gate: JoinGate,
  ) {
    const s = ctx.settings;
    const id = node.id;
    this.clock = new ProcessClock(ctx.events, () => s.epochMs + node.clockSkewMs);
    this.placement = new Placement(s.replicationFactor, ctx.hash, s.vnodes, { ms: ringSettleMs(s.core), now: () => this.clock.elapsed() });
    const handlers: JsonHandlers = {};
    this.rpc = ctx.rpcNet.register(id, { store: node.chunks, handlers }, { clock: this.clock, alive: () => this.clock.alive });
    this.clockWatch = new ClockWatch(s.maxClockOffsetMs, () => this.clock.now(), (source) => this.isMemberAddress(source));
    const self: MemberInfo = gate.founding ? { ...node.info, joining: gate.founding } : node.info;
    this.swim = new SwimNode({ self, config: defaultSwimConfig(s.probeIntervalMs), random: fork(rng), knownMembers: known });
    this.core = new NodeCore(s.core, {
      selfId: id,
      clock: this.clock,
      random: fork(rng),
      rpc: this.rpc,
      store: node.chunks,
      queue: node.queue,
      manifests: node.manifests,
      acceptorStore: node.acceptors,
      settingsStore: node.settings,
      placement: this.placement,
      logger: (component) => simLogger(ctx, id, component),
      // node.ts: given seeds or remembered peers, a node must reach one before it acknowledges writes.
      joined: () => mayCountPeers(gate, this.seeds.length > 0, this.swim.members(), id),
      clockProblem: () => this.clockWatch.problem(),
    });
    Object.assign(handlers, this.core.handlers());
    breakRules(this, handlers);
  }

  get id(): string {
    return this.node.id;
  }

  get now(): number {
    return this.ctx.events.now;
  }

  get alive(): boolean {
    return this.clock.alive;
  }

  log(text: string): void {
    this.ctx.trace.log(this.ctx.events.now, this.id, text);
  }

  /** node.ts's order: the transfer server (registered above), membership, then the background workers. */
  start(): void {
    this.log(`start (life ${this.node.lives}, ${this.node.chunks.stats().count} chunks, ${this.node.queue.depth()} queued)`);
    this.ctx.views.processStarted(this.id, this.swim.members());
    this.route(this.swim.start(this.now, this.seeds));
    this.core.onMembers(this.swim.members());
    const skip = new Set<string>();
    if (!this.ctx.settings.sweeper) skip.add("surplus-sweeper");
    // The chunk backstops: anti-entropy and the replica census (NodeCore paces the census by the same
    // CHUNK_SYNC_INTERVAL_S), on or off together.
    if (!this.ctx.settings.chunkSync) for (const w of ["chunk-anti-entropy", "replica-census"]) skip.add(w);
    if (this.ctx.broken.has("no-census")) skip.add("replica-census");
    // No script changes the live cluster settings, so their sync rounds would only add traffic.
    skip.add("settings");
    // Range anti-entropy runs beside delta sync, which keeps every row everywhere: nothing for it to find here
    // yet, and each node would list its owned arcs on every ring change of a thousand-node join wave.
    skip.add("manifest-range-sync");
    void this.core.service(skip).start();
  }

  /** The process is gone: nothing of it runs again, its clients hear nothing more, peers cannot connect. */
  kill(wipe: boolean): void {
    this.clock.kill();
    this.ctx.views.processStopped(this.id);
    // A crashed process's port refuses connections; a machine lost for good answers nothing at all.
    if (wipe) this.ctx.rpcNet.setHung(this.id, true);
    else this.ctx.rpcNet.setDown(this.id, true);
    for (const abandon of this.ops) abandon(new Abandoned());
    this.ops.clear();
  }

  /**
   * Runs a client operation on this process. Its promise settles as the operation does, or rejects with
   * Abandoned the moment the process dies (whatever the operation did so far may or may not have taken
   * effect).
   */
  client<T>(op: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const abandon = (err: Error) => reject(err);
      this.ops.add(abandon);
      op().then(
        (v) => {
          if (!this.ops.delete(abandon)) return;
          resolve(v);
        },
        (err) => {
          if (!this.ops.delete(abandon)) return;
          reject(err);
        },
      );
    });
  }

  isMemberAddress(address: string): boolean {
    return this.swim.members().some((m) => m.id !== this.id && (m.state === "alive" || m.state === "suspect") && memberAddress(m) === address);
  }

  receiveDatagram(from: string, d: Datagram): void {
    this.clock.run(() => {
      const msg = d.msg instanceof Uint8Array ? decodeMessage(d.msg) : d.msg;
      // membership.ts onDatagram: an ack or nack also closes a round trip.
      this.clockWatch.sample(from, d.sentAt, msg.type === "ack" || msg.type === "nack" ? msg.seq : undefined);
      this.route(this.swim.receive(this.now, from, msg));
      if (this.clockWatch.wantsRoundTrip(from)) this.route(this.swim.clockPing(msg.from, from));
    });
  }

  /** membership.ts deliver(): send the outputs, report changes to the listeners, re-arm the one timer. */
  private route(outputs: Output[]): void {
    const { ctx } = this;
    const from = addressOf(this.id);
    for (const { to, msg } of outputs) {
      const target = idOf(to);
      if (msg.type === "ping" || msg.type === "ping-req") this.clockWatch.asked(msg.seq);
      const d: Datagram = { msg: ctx.wire ? encodeMessage(msg) : msg, sentAt: this.clock.now() };
      ctx.net.send(this.id, target, () => ctx.running(target)?.receiveDatagram(from, d));
    }
    const changes = this.swim.drainEvents();
    for (const { member: m, previous } of changes) {
      this.log(`sees ${m.id} ${previous ?? "new"}->${m.state}#${m.incarnation}`);
      ctx.views.changed(this.id, m.id, m.state, previous);
    }
    if (changes.length > 0) {
      // node.ts: every change goes to onMembers (with the same member list: once is the same) and to the
      // manifest replicator (a member that joined or came back is synced with at once), and idle
      // anti-entropy comes back to its normal pace.
      this.core.onMembers(this.swim.members());
      for (let i = 0; i < changes.length; i++) this.core.replicator.tick();
      this.core.unquiet();
    }
    if (changes.length > 0 && this.gate.observe(this.swim.members())) {
      this.log("reached the cluster");
      this.route(this.swim.updateSelf({ joining: undefined }));
      return;
    }
    this.armSwimTimer();
  }

  private armSwimTimer(): void {
    const at = Math.max(this.swim.nextDeadline(), this.now + 1);
    if (!Number.isFinite(at) || this.swimTimerAt <= at) return;
    this.swimTimerAt = at;
    this.clock.timer(at - this.now, () => {
      if (this.swimTimerAt !== at) return;
      this.swimTimerAt = Number.POSITIVE_INFINITY;
      this.route(this.swim.tick(this.now));
    });
  }
}
