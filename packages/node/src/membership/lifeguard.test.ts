// Unit tests of what keeps healthy members alive when datagrams are lost or a node stalls: memberlist's TCP
// fallback probe and gossip fan-out, Lifeguard's nacks, starvation rule and small-cluster suspicion bounds.
import { describe, expect, test } from "bun:test";
import type { PingMessage } from "./messages.ts";
import { mulberry32 } from "./sim-network.ts";
import { defaultSwimConfig, retransmitLimit, suspicionBounds, suspicionTimeoutAfter } from "./swim-config.ts";
import { SwimNode } from "./swim.ts";
import { addr, gossip, info, member, threeNodes, update } from "./swim-test-kit.ts";

const config = defaultSwimConfig(1000);

describe("TCP fallback probe", () => {
  test("a member none of whose datagrams arrive, but whose TCP answers, is never suspected", () => {
    const c = threeNodes(config, true);
    c.drop = (from, to) => from === "b" || to === "b";
    c.run(3010, 60_000);
    for (const o of ["a", "c"]) {
      expect(c.when(o, "b", "suspect")).toBeUndefined();
      expect(c.node(o).probeStats().stream).toBeGreaterThan(10);
      expect(c.node(o).probeStats().failed).toBe(0);
    }
    // Only probes whose datagrams went unanswered went over TCP, and each was answered.
    expect(c.streamCalls.every((s) => s.to === "b" || s.from === "b")).toBe(true);
    expect(c.streamCalls.every((s) => s.answered)).toBe(true);
  });

  test("with TCP down too and no helper through, the member becomes suspect and then dead", () => {
    const c = threeNodes(config, true);
    c.drop = (from, to) => from === "b" || to === "b";
    c.streamDown = (from, to) => from === "b" || to === "b";
    c.run(3010, 30_000);
    expect(c.when("a", "b", "suspect")).toBeDefined();
    expect(c.state("a", "b")!.state).toBe("dead");
    expect(c.node("a").probeStats().failed).toBeGreaterThan(0);
  });

  test("the stream ping carries the buddy suspicion: the suspect refutes in its answer", () => {
    const c = threeNodes(config, true);
    // c suspects b; a hears it. b's datagrams are all lost, so b learns of it only through a's TCP probe.
    c.drop = (from, to) => from === "b" || to === "b";
    const a = c.node("a");
    c.deliver(3010, "a", a.receive(3010, addr("c"), gossip("c", [update("b", "suspect", 0, { suspectedBy: "c" })])));
    expect(c.state("a", "b")!.state).toBe("suspect");
    c.run(3020, 20_000);
    expect(c.node("b").self().incarnation).toBe(1);
    expect(c.state("a", "b")!.state).toBe("alive");
    expect(c.state("a", "b")!.incarnation).toBe(1);
    expect(c.when("a", "b", "dead")).toBeUndefined();
  });

  test("a ping over the stream is answered only by the member it names, from the caller the handshake proved", () => {
    const c = threeNodes(config, true);
    const b = c.node("b");
    const ping: PingMessage = { v: 1, type: "ping", from: "a", seq: 7, to: "b", updates: [] };
    expect(b.answerStreamPing(3010, "a", ping).ack?.seq).toBe(7);
    expect(b.answerStreamPing(3010, "c", ping).ack).toBeUndefined(); // the body claims a, the connection is c's
    expect(b.answerStreamPing(3010, "a", { ...ping, to: "c" }).ack).toBeUndefined();
  });
});

describe("nacks (Lifeguard)", () => {
  /** a's health score right after its first failed probe (b is silent to everyone; a and c hear each other). */
  const healthAfterFirstFailure = (dropNacks: boolean) => {
    const c = threeNodes(config);
    c.drop = (from, to, msg) => from === "b" || to === "b" || (dropNacks && msg.type === "nack");
    const a = c.node("a");
    for (let t = 3010; t <= 10_000; t += 10) {
      c.deliver(t, "c", c.node("c").tick(t));
      c.deliver(t, "b", c.node("b").tick(t));
      const out = a.tick(t);
      if (a.probeStats().failed > 0) return { health: a.healthScore(), nacked: c.sent.some((s) => s.from === "c" && s.to === "a" && s.msg.type === "nack") };
      c.deliver(t, "a", out);
    }
    throw new Error("a never failed a probe");
  };

  test("a helper that cannot reach the target nacks; the prober whose helpers vouched for it keeps its health", () => {
    expect(healthAfterFirstFailure(false)).toEqual({ health: 0, nacked: true });
  });

  test("a nack that never comes counts against the prober, as an unanswered probe without helpers does", () => {
    expect(healthAfterFirstFailure(true).health).toBe(1);
  });
});

describe("starvation (Lifeguard)", () => {
  test("a node whose timers stalled past a suspicion's end waits for the refutation queued meanwhile", () => {
    const others = ["b", "c", "d"].map((id) => member(id));
    const run = (refute: boolean) => {
      const a = new SwimNode({ self: info("a"), config, random: mulberry32(1), knownMembers: others });
      a.start(0, []);
      a.receive(10, addr("c"), gossip("c", [update("b", "suspect", 0, { suspectedBy: "c" })]));
      // The process stops at 20 ms for 40 s, long past the suspicion's end (24 s: nobody confirmed it).
      a.tick(40_000);
      const atResume = a.members().find((m) => m.id === "b")!.state;
      if (refute) a.receive(40_001, addr("b"), gossip("b", [update("b", "alive", 1)]));
      for (let t = 40_010; t <= 41_000; t += 10) a.tick(t);
      return { atResume, after: a.members().find((m) => m.id === "b")!.state, health: a.healthScore() };
    };
    expect(run(true)).toEqual({ atResume: "suspect", after: "alive", health: 1 });
    // Without a refutation it is declared dead, one ack timeout after the node resumed.
    expect(run(false)).toMatchObject({ atResume: "suspect", after: "dead" });
  });

  test("a probe under way when the node stalled ends without a verdict", () => {
    const c = threeNodes(config);
    const a = c.node("a");
    // Tick a until it has just sent a probe, then stall it for 10 s; its peers' answers are lost meanwhile.
    let t = 3010;
    for (; t < 10_000; t += 10) {
      const out = a.tick(t);
      c.deliver(t, "a", out.filter((o) => o.msg.type !== "ping"));
      if (out.some((o) => o.msg.type === "ping")) break;
    }
    const out = a.tick(t + 10_000);
    expect(a.probeStats().abandoned).toBe(1);
    expect(a.probeStats().failed).toBe(0);
    expect(a.healthScore()).toBe(1);
    c.deliver(t + 10_000, "a", out);
    expect(c.when("a", "b", "suspect")).toBeUndefined();
    expect(c.when("a", "c", "suspect")).toBeUndefined();
  });
});

describe("gossip fan-out (memberlist)", () => {
  test("news goes to 3 random members every gossip interval until sent retransmitLimit times, then stops", () => {
    const others = ["b", "c", "d", "e", "f"].map((id) => member(id));
    const a = new SwimNode({ self: info("a"), config, random: mulberry32(3), knownMembers: others });
    a.start(0, []);
    a.receive(1, addr("b"), gossip("b", [update("c", "suspect", 0, { suspectedBy: "b" })]));
    const rounds: string[][] = [];
    for (let t = 10; t <= 3000; t += 10) {
      const sent = a.tick(t).filter((o) => o.msg.type === "gossip" && o.msg.updates.some((u) => u.id === "c"));
      if (sent.length > 0) rounds.push(sent.map((o) => o.to));
    }
    const limit = retransmitLimit(config, 6);
    const total = rounds.flat().length;
    // Probes carry it too, so the fan-out sends at most `limit` copies, 3 distinct members a round.
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(limit);
    expect(rounds.every((r) => new Set(r).size === r.length && r.length <= 3)).toBe(true);
    // Nothing pending: the node asks for no gossip ticks.
    const idle = a.nextDeadline();
    expect(idle).toBeGreaterThan(3000);
  });
});

describe("a node alone", () => {
  test("asks for no tick until somebody turns up (it woke every gossip interval), then probes whoever did", () => {
    const a = new SwimNode({ self: info("a"), config, random: mulberry32(5) });
    a.start(0, []);
    // Its own record waits to be gossiped, but there is nobody to gossip, probe or exchange state with.
    expect(a.nextDeadline()).toBe(Number.POSITIVE_INFINITY);
    expect(a.tick(60_000)).toEqual([]);
    expect(a.nextDeadline()).toBe(Number.POSITIVE_INFINITY);
    a.receive(120_000, addr("b"), gossip("b", [update("b", "alive", 0)]));
    const due = a.nextDeadline();
    expect(due).toBeLessThanOrEqual(120_000);
    const sent = a.tick(120_001);
    expect(sent.some((o) => o.to === addr("b") && o.msg.type === "ping")).toBe(true);
  });

  test("with seeds it cannot reach, it retries them every 2 s and wakes for nothing else", () => {
    const a = new SwimNode({ self: info("a"), config, random: mulberry32(6) });
    const first = a.start(0, [addr("s")]);
    expect(first.map((o) => o.to)).toEqual([addr("s")]);
    const wakes: number[] = [];
    for (let now = 0, i = 0; i < 5; i++) {
      now = a.nextDeadline();
      wakes.push(now);
      expect(a.tick(now).every((o) => o.to === addr("s") && o.msg.type === "push-pull")).toBe(true);
    }
    expect(wakes).toEqual([2000, 4000, 6000, 8000, 10_000]);
  });
});

describe("suspicion bounds for small clusters", () => {
  test("k = the members who could confirm (n - 2), at most suspicionMult - 2", () => {
    expect([2, 3, 4, 5, 10, 100].map((n) => suspicionBounds(config, n).k)).toEqual([0, 1, 2, 2, 2, 2]);
  });

  test("three members: a lone suspicion waits the maximum (24 s), a confirmed one the minimum (4 s)", () => {
    const b = suspicionBounds(config, 3);
    expect(b).toEqual({ k: 1, minMs: 4000, maxMs: 24_000 });
    expect(suspicionTimeoutAfter(b, 0)).toBe(24_000);
    expect(suspicionTimeoutAfter(b, 1)).toBe(4000);
  });
});
