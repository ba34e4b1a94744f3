// Test support for the SWIM core's unit tests: a few SwimNodes with instant delivery through the real wire
// format, a drop rule and a stepped clock, plus record builders.
import { expect } from "bun:test";
import { decodeMessage, encodeMessage, type MemberUpdate, type SwimMessage } from "./messages.ts";
import { mulberry32 } from "./sim-network.ts";
import { defaultSwimConfig } from "./swim-config.ts";
import { SwimNode, type Output, type SwimConfig } from "./swim.ts";
import type { Member, MemberChange, MemberInfo, MemberState } from "./types.ts";

export const info = (id: string, extra: Partial<MemberInfo> = {}): MemberInfo => ({
  id,
  host: id,
  gossipPort: 7946,
  httpPort: 8080,
  transferPort: 9090,
  weight: 1,
  ...extra,
});
export const addr = (id: string) => `${id}:7946`;
export const idOf = (address: string) => address.split(":")[0]!;
export const member = (id: string, state: MemberState = "alive", incarnation = 0): Member => ({
  ...info(id),
  state,
  incarnation,
  stateChangedAt: 0,
});
export const update = (id: string, state: MemberState, incarnation: number, extra: Partial<MemberUpdate> = {}): MemberUpdate => ({
  ...info(id),
  state,
  incarnation,
  ...extra,
});
export const gossip = (from: string, updates: MemberUpdate[]): SwimMessage => ({ v: 1, type: "gossip", from, updates });

/**
 * A few SwimNodes with instant, in-order delivery through the real wire format, and a drop rule. With
 * `streamProbes`, stream pings (the TCP fallback) are answered at once unless `streamDown` says otherwise.
 */
export class Cluster {
  readonly nodes = new Map<string, SwimNode>();
  readonly sent: { from: string; to: string; msg: SwimMessage }[] = [];
  readonly events = new Map<string, MemberChange[]>();
  drop: (from: string, to: string, msg: SwimMessage) => boolean = () => false;
  streamDown: (from: string, to: string) => boolean = () => false;
  /** Stream pings made, with whether they were answered. */
  readonly streamCalls: { from: string; to: string; answered: boolean }[] = [];

  constructor(
    readonly config: SwimConfig = defaultSwimConfig(1000),
    readonly streamProbes = false,
  ) {}

  add(id: string, knownMembers?: Member[]): SwimNode {
    const node = new SwimNode({ self: info(id), config: this.config, random: mulberry32(this.nodes.size + 1), knownMembers, streamProbes: this.streamProbes });
    this.nodes.set(id, node);
    this.events.set(id, []);
    return node;
  }

  node(id: string): SwimNode {
    return this.nodes.get(id)!;
  }

  start(now: number, id: string, seeds: string[]): void {
    this.deliver(now, id, this.node(id).start(now, seeds.map(addr)));
  }

  deliver(now: number, from: string, outputs: Output[]): void {
    this.collect(from);
    const queue = outputs.map((o) => ({ from, to: idOf(o.to), msg: o.msg }));
    const streams = (id: string) => {
      for (const sp of this.node(id).drainStreamPings()) {
        const target = this.nodes.get(sp.target);
        const answer = target && !this.streamDown(id, sp.target) ? target.answerStreamPing(now, id, sp.msg) : undefined;
        if (answer) {
          this.collect(sp.target);
          queue.push(...answer.outputs.map((o) => ({ from: sp.target, to: idOf(o.to), msg: o.msg })));
        }
        this.streamCalls.push({ from: id, to: sp.target, answered: answer?.ack !== undefined });
        const out = this.node(id).streamAnswered(now, sp.seq, answer?.ack);
        this.collect(id);
        queue.push(...out.map((o) => ({ from: id, to: idOf(o.to), msg: o.msg })));
      }
    };
    streams(from);
    while (queue.length > 0) {
      const { from: src, to, msg } = queue.shift()!;
      this.sent.push({ from: src, to, msg });
      const target = this.nodes.get(to);
      if (!target || this.drop(src, to, msg)) continue;
      const out = target.receive(now, addr(src), decodeMessage(encodeMessage(msg)));
      this.collect(to);
      queue.push(...out.map((o) => ({ from: to, to: idOf(o.to), msg: o.msg })));
      streams(to);
    }
  }

  /** Ticks every node each `stepMs` from `fromMs` up to and including `toMs`. */
  run(fromMs: number, toMs: number, stepMs = 10): void {
    for (let t = fromMs; t <= toMs; t += stepMs) {
      for (const [id, n] of this.nodes) this.deliver(t, id, n.tick(t));
    }
  }

  state(observer: string, id: string): Member | undefined {
    return this.node(observer).members().find((m) => m.id === id);
  }

  /** The first time `observer` saw `id` enter `state`, or undefined. */
  when(observer: string, id: string, state: MemberState): number | undefined {
    return this.events.get(observer)!.find((c) => c.member.id === id && c.member.state === state)?.member.stateChangedAt;
  }

  private collect(id: string): void {
    this.events.get(id)?.push(...this.node(id).drainEvents());
  }
}

/**
 * Ticks a lone node every 10 ms up to `toMs`, as its timer would (one tick far past its deadline would read
 * as a stalled process: Lifeguard's starvation rule holds its verdicts), every peer acking its pings so
 * that its own probes add no suspicions.
 */
export function tickThrough(node: SwimNode, fromMs: number, toMs: number): void {
  for (let t = fromMs; t <= toMs; t += 10) {
    for (const o of node.tick(t)) {
      if (o.msg.type === "ping") node.receive(t, o.to, { v: 1, type: "ack", from: o.msg.to, seq: o.msg.seq, updates: [] });
    }
  }
}

/** Three nodes joined through "a" and converged. */
export function threeNodes(config?: SwimConfig, streamProbes = false): Cluster {
  const c = new Cluster(config, streamProbes);
  for (const id of ["a", "b", "c"]) c.add(id);
  c.start(0, "a", []);
  c.start(0, "b", ["a"]);
  c.start(0, "c", ["a"]);
  c.run(0, 3000);
  for (const o of ["a", "b", "c"]) expect(c.node(o).members().map((m) => `${m.id}:${m.state}`).sort()).toEqual(["a:alive", "b:alive", "c:alive"]);
  return c;
}

