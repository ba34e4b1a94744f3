// The simulated cluster: the clock, the network and every virtual node, plus the loop that runs events
// in order and lets promise continuations (sync rounds) finish before the next event.
import type { Hash64 } from "../ring/ring.ts";
import { type Broken, defaultNodeSettings, type NodeSettings, type SimContext, type WhatIf } from "./context.ts";
import { EventQueue } from "./event-queue.ts";
import { SimNetwork } from "./network.ts";
import { fork, type Rng } from "./rng.ts";
import type { Trace } from "./trace.ts";
import type { Member } from "../membership/types.ts";
import { type NodeProcess, VirtualNode } from "./virtual-node.ts";

export interface ClusterInit {
  rng: Rng;
  trace: Trace;
  hash: Hash64;
  settings?: Partial<NodeSettings>;
  wire?: boolean;
  broken?: Iterable<Broken>;
  whatIf?: Iterable<WhatIf>;
}

export class Cluster implements SimContext {
  readonly events = new EventQueue();
  readonly net: SimNetwork;
  readonly trace: Trace;
  readonly settings: NodeSettings;
  readonly hash: Hash64;
  readonly wire: boolean;
  readonly broken: ReadonlySet<Broken>;
  readonly whatIf: ReadonlySet<WhatIf>;
  readonly nodes = new Map<string, VirtualNode>();
  private asyncPending = false;
  private readonly nodeRng: Rng;
  drains = 0;

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
    this.settings = { ...defaultNodeSettings, ...init.settings };
    this.wire = init.wire ?? false;
    this.broken = new Set(init.broken ?? []);
    this.whatIf = new Set(init.whatIf ?? []);
  }

  running(id: string): NodeProcess | undefined {
    return this.nodes.get(id)?.process;
  }

  markAsync(): void {
    this.asyncPending = true;
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

  /** Runs every event due up to `end`, then sets the clock to `end`. */
  async runUntil(end: number): Promise<void> {
    const { events } = this;
    while (events.step(end)) {
      if (this.asyncPending) {
        this.asyncPending = false;
        this.drains++;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    if (end > events.now) events.now = end;
  }
}
