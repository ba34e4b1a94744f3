// A virtual node: its machine and disk (chunks, manifests, queue, peers) survive a crash; a NodeProcess is one
// life wiring the real cores as node.ts does (SWIM, placement, queue, replication, sweeper, anti-entropy).
import { memberAddress } from "../membership/member-record.ts";
import type { SwimMessage } from "../membership/messages.ts";
import { decodeMessage, encodeMessage } from "../membership/messages.ts";
import { defaultSwimConfig } from "../membership/swim-config.ts";
import { SwimNode, type Output } from "../membership/swim.ts";
import type { Member, MemberInfo } from "../membership/types.ts";
import { MemoryManifestStore } from "../metadata/memory-manifest-store.ts";
import { answerSyncRequest, applyPush } from "../metadata/sync.ts";
import { Placement } from "../replication/placement.ts";
import { ChunkQueue } from "./chunk-queue.ts";
import { ChunkSync, digestsFor, idsFor } from "./chunk-sync.ts";
import { SimSurplusSweeper } from "./surplus-sweeper.ts";
import type { SimContext } from "./context.ts";
import { ManifestReplication } from "./manifest-replication.ts";
import { PlacementChecker } from "./placement-checker.ts";
import { SimQueueWorker } from "./queue-worker.ts";
import { type Rng } from "./rng.ts";
import { type RpcMap, type RpcName, RpcEndpoint } from "./rpc.ts";

export const GOSSIP_PORT = 7946;

export const addressOf = (id: string) => `${id}:${GOSSIP_PORT}`;
const idOf = (address: string) => address.slice(0, address.lastIndexOf(":"));

/** A cancellable timer owned by a process. */
export interface Timer {
  cancel(): void;
}

export class VirtualNode {
  readonly info: MemberInfo;
  readonly chunks = new Set<string>();
  readonly manifests: MemoryManifestStore;
  readonly queue = new ChunkQueue();
  /** The peers table (store/peers.ts): the last member list this node saw. */
  remembered: Member[] = [];
  process: NodeProcess | undefined;
  lives = 0;
  /** Killed for good: its disk is gone. */
  lost = false;

  constructor(
    readonly id: string,
    private readonly ctx: SimContext,
    /** This machine's wall clock offset from true time. */
    readonly clockSkewMs: number,
  ) {
    this.info = { id, host: id, gossipPort: GOSSIP_PORT, httpPort: 8080, transferPort: 9090, weight: 1 };
    this.manifests = new MemoryManifestStore(id, () => ctx.settings.epochMs + ctx.events.now + clockSkewMs);
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
    const p = new NodeProcess(this, this.ctx, rng);
    this.process = p;
    const known = (opts.known ?? this.remembered).filter((m) => m.id !== this.id);
    const peerSeeds = opts.peersAsSeeds === false ? [] : known.map((m) => memberAddress(m));
    p.start([...new Set([...seeds, ...peerSeeds])], known);
    return p;
  }

  /** A crash: the process and everything in its memory are gone; the disk stays unless `wipe`. */
  kill(wipe: boolean): void {
    const p = this.process;
    if (p) {
      this.remembered = p.swim.members();
      p.stop();
    }
    this.process = undefined;
    if (wipe) {
      this.lost = true;
      this.chunks.clear();
    }
  }
}

export class NodeProcess {
  swim!: SwimNode;
  readonly placement: Placement;
  readonly rpc: RpcEndpoint;
  readonly worker: SimQueueWorker;
  readonly check: PlacementChecker;
  readonly replication: ManifestReplication;
  readonly chunkSync: ChunkSync;
  readonly sweeper: SimSurplusSweeper;
  alive = true;
  /** Client operations this process is coordinating; abandoned if it dies. */
  readonly ops = new Set<{ abandon(): void }>();
  private swimTimerAt = Number.POSITIVE_INFINITY;

  constructor(
    readonly node: VirtualNode,
    readonly ctx: SimContext,
    readonly rng: Rng,
  ) {
    const s = ctx.settings;
    this.placement = new Placement(s.replicationFactor, ctx.hash, s.vnodes);
    this.rpc = new RpcEndpoint(node.id, ctx, () => this.alive);
    this.worker = new SimQueueWorker(this);
    this.check = new PlacementChecker(this);
    this.replication = new ManifestReplication(this);
    this.chunkSync = new ChunkSync(this);
    this.sweeper = new SimSurplusSweeper(this);
  }

  get id(): string {
    return this.node.id;
  }

  get now(): number {
    return this.ctx.events.now;
  }

  log(text: string): void {
    this.ctx.trace.log(this.ctx.events.now, this.id, text);
  }

  /** Runs `fn` after `ms` unless this process died or the timer was cancelled. */
  timer(ms: number, fn: () => void): Timer {
    let live = true;
    this.ctx.events.after(ms, () => {
      if (live && this.alive) fn();
    });
    return { cancel: () => (live = false) };
  }

  start(seeds: string[], known: Member[]): void {
    const config = defaultSwimConfig(this.ctx.settings.probeIntervalMs);
    this.swim = new SwimNode({ self: this.node.info, config, random: this.rng, knownMembers: known });
    this.log(`start (life ${this.node.lives}, ${this.node.chunks.size} chunks, ${this.node.queue.depth} queued)`);
    this.route(this.swim.start(this.now, seeds));
    // node.ts: after membership.start(), onMembers(members), then the worker and the replicator start.
    this.onMembers();
    this.worker.start();
    this.replication.start();
    this.sweeper.start();
    this.chunkSync.start();
  }

  stop(): void {
    this.alive = false;
    for (const op of this.ops) op.abandon();
    this.ops.clear();
    this.worker.stop();
  }

  /** node.ts onMembers: a changed ring goes to the placement check. */
  private onMembers(): void {
    const previous = this.placement.update(this.swim.members());
    if (!previous) return;
    if (this.ctx.trace.enabled) this.log(`ring ${previous.size} -> ${this.placement.ring.size} members`);
    this.check.ringChanged(previous);
  }

  receiveDatagram(from: string, msg: SwimMessage | Uint8Array): void {
    const decoded = msg instanceof Uint8Array ? decodeMessage(msg) : msg;
    this.route(this.swim.receive(this.now, from, decoded));
  }

  /** membership.ts deliver(): send the outputs, report changes to the listeners, re-arm the one timer. */
  private route(outputs: Output[]): void {
    const { ctx } = this;
    const from = addressOf(this.id);
    for (const { to, msg } of outputs) {
      const target = idOf(to);
      const payload = ctx.wire ? encodeMessage(msg) : msg;
      ctx.net.send(this.id, target, () => ctx.running(target)?.receiveDatagram(from, payload));
    }
    const changes = this.swim.drainEvents();
    for (const { member: m, previous } of changes) this.log(`sees ${m.id} ${previous ?? "new"}->${m.state}#${m.incarnation}`);
    if (changes.length > 0) {
      // node.ts calls onMembers(membership.members()) for every change, but all with the same member list
      // (changes are reported after the core returns), so only the first can change the ring: once is the same.
      this.onMembers();
      // ... and replicator.tick() for every change.
      for (let i = 0; i < changes.length; i++) this.replication.tick();
    }
    this.armSwimTimer();
  }

  private armSwimTimer(): void {
    const at = Math.max(this.swim.nextDeadline(), this.now + 1);
    if (!Number.isFinite(at) || this.swimTimerAt <= at) return;
    this.swimTimerAt = at;
    this.ctx.events.at(at, () => {
      if (!this.alive || this.swimTimerAt !== at) return;
      this.swimTimerAt = Number.POSITIVE_INFINITY;
      this.route(this.swim.tick(this.now));
    });
  }

  /** The node's servers: transfer (put/has/get) and the internal HTTP routes (push/sync). */
  handle<K extends RpcName>(name: K, req: RpcMap[K]["req"]): RpcMap[K]["res"] {
    const { node } = this;
    switch (name) {
      case "put": {
        const { chunk } = req as RpcMap["put"]["req"];
        if (!node.chunks.has(chunk)) {
          node.chunks.add(chunk);
          this.log(`stored ${chunk.slice(0, 8)}`);
        }
        return { stored: true } satisfies RpcMap["put"]["res"] as RpcMap[K]["res"];
      }
      case "has": {
        const { chunks } = req as RpcMap["has"]["req"];
        return { present: chunks.map((c) => node.chunks.has(c)) } satisfies RpcMap["has"]["res"] as RpcMap[K]["res"];
      }
      case "get":
        return { found: node.chunks.has((req as RpcMap["get"]["req"]).chunk) } satisfies RpcMap["get"]["res"] as RpcMap[K]["res"];
      case "push": {
        const won = applyPush(node.manifests, req as RpcMap["push"]["req"]);
        for (const m of won) this.log(`push applied ${m.path} ${m.deleted ? "tombstone" : m.kind} ${m.version}`);
        return { applied: won.length } satisfies RpcMap["push"]["res"] as RpcMap[K]["res"];
      }
      case "sync":
        return answerSyncRequest(node.manifests, req as RpcMap["sync"]["req"]) as RpcMap[K]["res"];
      case "chunk-digests":
        return digestsFor(this, (req as RpcMap["chunk-digests"]["req"]).peer) as RpcMap[K]["res"];
      case "chunk-ids": {
        const { peer, ranges } = req as RpcMap["chunk-ids"]["req"];
        return { ids: idsFor(this, peer, ranges) } as RpcMap[K]["res"];
      }
    }
    throw new Error(`unknown request ${String(name)}`);
  }
}
