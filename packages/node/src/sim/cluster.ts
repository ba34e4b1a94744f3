// The simulated cluster: the clock, the network (datagrams for gossip, calls for the peer RPC) and every
// virtual node, plus the loop that runs events in order and lets promise continuations finish before the
// next event, so the real async code runs on virtual time exactly as it would on real time.
import type { Member } from "../membership/types.ts";
import type { Hash64 } from "../ring/ring.ts";
import { type MemoryLink, MemoryNetwork } from "../rpc/memory-rpc.ts";
import { type Broken, defaultSettings, type SimContext, type SimSettings } from "./context.ts";
import { EventQueue } from "./event-queue.ts";
import { MembershipViews } from "./membership-views.ts";
import { SimNetwork } from "./network.ts";
import { fork, type Rng } from "./rng.ts";
import type { Trace } from "./trace.ts";
import { type NodeProcess, VirtualNode } from "./virtual-node.ts";

export interface ClusterInit {
  rng: Rng;
  trace: Trace;
  hash: Hash64;
  settings?: Partial<SimSettings>;
  wire?: boolean;
  broken?: Iterable<Broken>;
}

export class Cluster implements SimContext {
  readonly events = new EventQueue();
  readonly net: SimNetwork;
  readonly rpcNet: MemoryNetwork;
  readonly trace: Trace;
  readonly settings: SimSettings;
  readonly hash: Hash64;
  readonly wire: boolean;
  readonly broken: ReadonlySet<Broken>;
  readonly nodes = new Map<string, VirtualNode>();
  readonly views = new MembershipViews(() => this.events.now);
  private readonly nodeRng: Rng;

  constructor(init: ClusterInit) {
    this.net = new SimNetwork(this.events, fork(init.rng));
    this.nodeRng = fork(init.rng);
    this.trace = init.trace;
    // The hash is pure; every node hashes the same vnode names and chunk ids, so one cache serves all.
    const cache = new Map<string, bigint>();
    this.hash = (input: string) => {
      let h = cache.get(input);
      if (h === undefined) cache.set(input, (h = init.hash(input)));
      return h;
    };
    this.settings = { ...defaultSettings, ...init.settings };
    this.wire = init.wire ?? false;
    this.broken = new Set(init.broken ?? []);
    this.rpcNet = new MemoryNetwork(this.settings.timeouts, this.link());
  }

  /** Peer calls travel as messages on a connection: delayed, lost (the caller times out), never doubled. */
  private link(): MemoryLink {
    return {
      hop: (from, to) => {
        if (from === to) return Promise.resolve();
        return new Promise<void>((resolve) => this.net.send(from, to, () => this.deliver(to, resolve), true));
      },
    };
  }

  /** A message reaches `to`: now, or when its process resumes if it is paused. */
  private deliver(to: string, fn: () => void): void {
    const p = this.running(to);
    if (p) p.clock.run(fn);
    else fn();
  }

  running(id: string): NodeProcess | undefined {
    return this.nodes.get(id)?.process;
  }

  add(id: string, clockSkewMs: number): VirtualNode {
    if (this.nodes.has(id)) throw new Error(`node ${id} exists`);
    const node = new VirtualNode(id, this, clockSkewMs);
    this.nodes.set(id, node);
    return node;
  }

  node(id: string): VirtualNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  start(id: string, seeds: string[], opts: { known?: Member[]; peersAsSeeds?: boolean } = {}): NodeProcess {
    return this.node(id).start(seeds, fork(this.nodeRng), opts);
  }

  kill(id: string, wipe: boolean): void {
    this.trace.log(this.events.now, id, wipe ? "KILLED for good (disk lost)" : "KILLED (disk kept)");
    this.node(id).kill(wipe);
  }

  /** Running nodes, sorted by id. */
  liveIds(): string[] {
    return [...this.nodes.values()].filter((n) => n.running).map((n) => n.id).sort();
  }

  /** Runs every event due up to `end` (settling promise continuations after each), then sets the clock to `end`. */
  async runUntil(end: number): Promise<void> {
    const { events } = this;
    while (events.step(end)) await settle();
    if (end > events.now) events.now = end;
  }
}

/** Lets every ready promise continuation run (they may schedule events at the current instant). */
function settle(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
