// Unit tests of the SWIM state machine, driven by hand: instant delivery, chosen drops, a stepped clock.
import { describe, expect, test } from "bun:test";
import { encodeMessage, MAX_DATAGRAM_BYTES, type MemberUpdate } from "./messages.ts";
import type { MemberState } from "./types.ts";
import { mulberry32 } from "./sim-network.ts";
import { defaultSwimConfig, suspicionTimeoutMs } from "./swim-config.ts";
import { overrides } from "./member-record.ts";
import { SwimNode } from "./swim.ts";
import { addr, Cluster, gossip, info, member, threeNodes, tickThrough, update } from "./swim-test-kit.ts";

describe("incarnation precedence", () => {
  test("the override rules between (state, incarnation) claims", () => {
    const o = (s: MemberState, i: number, cs: MemberState, j: number) => overrides({ state: s, incarnation: i }, { state: cs, incarnation: j });
    expect([o("alive", 2, "suspect", 1), o("alive", 1, "suspect", 1), o("alive", 0, "suspect", 1)]).toEqual([true, false, false]);
    expect([o("suspect", 1, "alive", 1), o("suspect", 2, "alive", 1), o("suspect", 0, "alive", 1)]).toEqual([true, true, false]);
    expect([o("dead", 1, "alive", 1), o("dead", 1, "suspect", 1), o("dead", 0, "suspect", 1)]).toEqual([true, true, false]);
    expect([o("alive", 1, "dead", 1), o("alive", 2, "dead", 1), o("suspect", 5, "dead", 1)]).toEqual([false, true, false]);
    expect([o("left", 1, "alive", 1), o("left", 1, "dead", 1), o("dead", 3, "left", 1), o("alive", 2, "left", 1)]).toEqual([true, true, false, true]);
  });

  test("a node applies gossip about a member in precedence order", () => {
    const c = new Cluster();
    const a = c.add("a", [member("x")]);
    c.start(0, "a", []);
    const say = (u: MemberUpdate) => c.deliver(1, "a", a.receive(1, addr("z"), gossip("z", [u])));
    const seen = () => `${c.state("a", "x")!.state}#${c.state("a", "x")!.incarnation}`;
    say(update("x", "suspect", 0));
    expect(seen()).toBe("suspect#0");
    say(update("x", "alive", 0)); // same incarnation cannot clear a suspicion
    expect(seen()).toBe("suspect#0");
    say(update("x", "alive", 1));
    expect(seen()).toBe("alive#1");
    say(update("x", "suspect", 0)); // stale
    expect(seen()).toBe("alive#1");
    say(update("x", "dead", 1));
    expect(seen()).toBe("dead#1");
    say(update("x", "alive", 1));
    expect(seen()).toBe("dead#1");
    say(update("x", "alive", 2));
    expect(seen()).toBe("alive#2");
    expect(c.events.get("a")!.map((e) => `${e.previous}->${e.member.state}`)).toEqual([
      "alive->suspect",
      "suspect->alive",
      "alive->dead",
      "dead->alive",
    ]);
  });

  test("a higher incarnation with new metadata updates the member on its own word; the same incarnation does not", () => {
    const c = new Cluster();
    const a = c.add("a", [member("x")]);
    c.start(0, "a", []);
    a.receive(1, addr("x"), gossip("x", [update("x", "alive", 0, { httpPort: 1111 })]));
    expect(c.state("a", "x")!.httpPort).toBe(8080);
    a.receive(2, addr("x"), gossip("x", [update("x", "alive", 1, { httpPort: 1111, gossipPort: 7000, zone: "attic" })]));
    const x = c.state("a", "x")!;
    expect([x.httpPort, x.gossipPort, x.zone, x.incarnation]).toEqual([1111, 7000, "attic", 1]);
    const changes = a.drainEvents();
    expect(changes).toHaveLength(1);
    expect(changes[0]!.previous).toBe("alive");
    expect(changes[0]!.member.httpPort).toBe(1111);
  });

  test("another member's word cannot move a member: the state is news, the address is checked with a ping there", () => {
    const c = new Cluster();
    const a = c.add("a", [member("x")]);
    c.start(0, "a", []);
    const out = a.receive(1, addr("z"), gossip("z", [update("x", "alive", 3, { gossipPort: 6666, transferPort: 6667 })]));
    const x = c.state("a", "x")!;
    expect([x.incarnation, x.gossipPort, x.transferPort]).toEqual([3, member("x").gossipPort, member("x").transferPort]);
    // a asks x at the claimed address; only x's own answer from there could move it.
    const check = out.find((o) => o.msg.type === "ping" && o.msg.to === "x");
    expect(check?.to).toBe("x:6666");
    // At most one such ping per member per protocol period.
    const again = a.receive(2, addr("z"), gossip("z", [update("x", "alive", 4, { gossipPort: 6666 })]));
    expect(again.some((o) => o.msg.type === "ping" && o.msg.to === "x")).toBe(false);
  });

  test("the member's own answer from the claimed address, at the incarnation already held, moves it there", () => {
    const c = new Cluster();
    const a = c.add("a", [member("x")]);
    c.start(0, "a", []);
    // x restarted at another port and refuted its death: a hears that from z, keeps the old address and pings the new.
    const out = a.receive(1, addr("z"), gossip("z", [update("x", "alive", 3, { gossipPort: 6666 })]));
    const check = out.find((o) => o.msg.type === "ping" && o.msg.to === "x")!;
    a.drainEvents();
    // x's ack carries its own record first: the same incarnation, from where it now is.
    a.receive(2, "x:6666", { v: 1, type: "ack", from: "x", seq: (check.msg as { seq: number }).seq, updates: [update("x", "alive", 3, { gossipPort: 6666 })] });
    expect(c.state("a", "x")).toMatchObject({ state: "alive", incarnation: 3, gossipPort: 6666 });
    expect(a.drainEvents().map((e) => [e.member.id, e.member.gossipPort, e.previous])).toEqual([["x", 6666, "alive"]]);
    // Its own word at an older incarnation still changes nothing.
    a.receive(3, "x:7000", gossip("x", [update("x", "alive", 2, { gossipPort: 7000 })]));
    expect(c.state("a", "x")!.gossipPort).toBe(6666);
  });
});

describe("a member's record changing at runtime (capacity)", () => {
  test("a node that fills up announces full one incarnation up; every member learns it, also when it hears only relays", () => {
    const c = threeNodes();
    // c hears nothing from a directly: the news must come through b.
    c.drop = (from, to) => from === "a" && to === "c";
    const before = c.node("a").self().incarnation;
    c.deliver(3001, "a", c.node("a").updateSelf({ full: true }));
    expect(c.node("a").self()).toMatchObject({ full: true, incarnation: before + 1 });
    c.run(3001, 6000);
    for (const o of ["b", "c"]) expect(c.state(o, "a")).toMatchObject({ state: "alive", full: true, incarnation: before + 1 });
    // Room again: the flag goes away the same way, and nothing else about the record changed.
    c.deliver(6001, "a", c.node("a").updateSelf({ full: false }));
    c.run(6001, 9000);
    for (const o of ["b", "c"]) {
      const a = c.state(o, "a")!;
      expect(a.full).toBeUndefined();
      expect([a.incarnation, a.weight, a.gossipPort]).toEqual([before + 2, 1, 7946]);
    }
    expect(c.events.get("c")!.filter((e) => e.member.id === "a" && e.previous === "alive").length).toBeGreaterThanOrEqual(2);
  });

  test("a ring version synced is announced one incarnation up and reaches every member; cleared, it goes away", () => {
    const c = threeNodes();
    const before = c.node("a").self().incarnation;
    c.deliver(3001, "a", c.node("a").updateSelf({ ringSynced: "0123456789abcdef" }));
    c.run(3001, 6000);
    for (const o of ["b", "c"]) expect(c.state(o, "a")).toMatchObject({ state: "alive", ringSynced: "0123456789abcdef", incarnation: before + 1 });
    c.deliver(6001, "a", c.node("a").updateSelf({ ringSynced: undefined }));
    c.run(6001, 9000);
    for (const o of ["b", "c"]) expect(c.state(o, "a")!.ringSynced).toBeUndefined();
    expect(c.node("a").updateSelf({ ringSynced: undefined })).toEqual([]);
  });

  test("an unchanged record is not announced again", () => {
    const c = threeNodes();
    const before = c.node("a").self().incarnation;
    expect(c.node("a").updateSelf({ full: false, weight: 1 })).toEqual([]);
    expect(c.node("a").self().incarnation).toBe(before);
  });

  test("a relay's word changes a member's weight and fullness but not its address", () => {
    const c = new Cluster();
    const a = c.add("a", [member("x")]);
    c.start(0, "a", []);
    a.receive(1, addr("z"), gossip("z", [update("x", "alive", 2, { weight: 4, full: true, gossipPort: 6666 })]));
    expect(c.state("a", "x")).toMatchObject({ incarnation: 2, weight: 4, full: true, gossipPort: 7946 });
  });
});

describe("refutation", () => {
  test("a node told it is suspect or dead raises its incarnation and gossips alive", () => {
    const c = new Cluster();
    const a = c.add("a", [member("b")]);
    c.start(0, "a", []);
    a.receive(1, addr("b"), gossip("b", [update("a", "suspect", 0)]));
    expect(a.self().incarnation).toBe(1);
    a.receive(2, addr("b"), gossip("b", [update("a", "dead", 4)]));
    expect(a.self()).toMatchObject({ state: "alive", incarnation: 5 });
    a.receive(3, addr("b"), gossip("b", [update("a", "suspect", 2)])); // older than what we are now: ignored
    expect(a.self().incarnation).toBe(5);
    // Each refuted claim is reported once, for the operator's log; the stale one was not refuted.
    expect(a.drainRefutations().map((r) => [r.claimed, r.incarnation])).toEqual([["suspect", 0], ["dead", 4]]);
    expect(a.drainRefutations()).toEqual([]);
    // The refutation rides on the next message a sends.
    const out = a.receive(4, addr("b"), { v: 1, type: "ping", from: "b", seq: 7, to: "a", updates: [] });
    expect(out[0]!.msg.type).toBe("ack");
    const carried = (out[0]!.msg as { updates: MemberUpdate[] }).updates.find((u) => u.id === "a");
    expect(carried).toMatchObject({ state: "alive", incarnation: 5 });
  });

  test("a relay of an older build that drops the ringSynced tracker from our record is not refuted (no incarnation churn in a mixed cluster)", () => {
    const c = new Cluster();
    const a = c.add("a", [member("b")]);
    c.start(0, "a", []);
    c.deliver(1, "a", a.updateSelf({ ringSynced: "0123456789abcdef" }));
    const incarnation = a.self().incarnation;
    const { ringSynced: _, ...stripped } = { ...update("a", "alive", incarnation), ...a.self() };
    a.receive(2, addr("b"), gossip("b", [{ ...stripped, state: "alive", incarnation }]));
    expect(a.self()).toMatchObject({ incarnation, ringSynced: "0123456789abcdef" });
  });

  test("a restarted node (fresh state, incarnation 0) learns it was declared dead and rejoins above it", () => {
    const c = threeNodes();
    c.drop = (from, to) => from === "c" || to === "c";
    c.run(3010, 30_000);
    expect(c.state("a", "c")!.state).toBe("dead");
    const deadAt = c.state("a", "c")!.incarnation;

    c.nodes.delete("c");
    c.add("c"); // a fresh process: no memory, incarnation 0
    c.drop = () => false;
    c.start(30_000, "c", ["a"]);
    expect(c.node("c").self().incarnation).toBeGreaterThan(deadAt);
    c.run(30_010, 40_000);
    for (const o of ["a", "b"]) expect(c.state(o, "c")).toMatchObject({ state: "alive", incarnation: c.node("c").self().incarnation });
  });
});

describe("failure detection", () => {
  test("a member that stops answering becomes suspect, then dead exactly at the suspicion timeout", () => {
    const c = threeNodes();
    c.drop = (from, to) => from === "b" || to === "b";
    c.run(3010, 30_000);
    // The first suspicion anywhere starts the clock and the first verdict anywhere ends it: the other observer
    // may take the verdict from that one's gossip, a little before its own timer (which of a and c probes b
    // first is the seed's draw).
    const first = (state: "suspect" | "dead") => Math.min(...["a", "c"].map((o) => c.when(o, "b", state) ?? Number.POSITIVE_INFINITY));
    const suspectAt = first("suspect");
    const deadAt = first("dead");
    expect(Number.isFinite(suspectAt)).toBe(true);
    // Three members: too few to confirm a suspicion, so Lifeguard's minimum applies: 4 * max(1, log10 3) * 1 s.
    expect(deadAt - suspectAt).toBe(suspicionTimeoutMs(c.config, 3));
    expect(deadAt - suspectAt).toBe(4000);
    expect(c.state("c", "b")!.state).toBe("dead");
  });

  test("Lifeguard: an unconfirmed suspicion waits the maximum; independent confirmations shorten it", () => {
    const config = defaultSwimConfig(1000);
    const others = ["b", "c", "d", "e", "f", "g", "h", "i", "x"].map((id) => member(id));
    const suspectX = (node: SwimNode, now: number, by: string) =>
      node.receive(now, addr(by), gossip(by, [update("x", "suspect", 0, { suspectedBy: by })]));
    // n = 10: min = 4 * log10(10) * 1 s = 4 s, max = 6 * min = 24 s, k = suspicionMult - 2 = 2.
    const lone = new SwimNode({ self: info("a"), config, random: mulberry32(1), knownMembers: others });
    lone.start(0, []);
    suspectX(lone, 0, "b");
    suspectX(lone, 100, "b"); // the same suspecter again is no confirmation
    tickThrough(lone, 0, 23_999);
    expect(lone.members().find((m) => m.id === "x")!.state).toBe("suspect");
    lone.tick(24_000);
    expect(lone.members().find((m) => m.id === "x")!.state).toBe("dead");

    const confirmed = new SwimNode({ self: info("a"), config, random: mulberry32(1), knownMembers: others });
    confirmed.start(0, []);
    suspectX(confirmed, 0, "b");
    suspectX(confirmed, 1000, "c"); // one confirmation: 24 - log(2)/log(3) * 20 s = 11.38 s
    const oneConfirmation = Math.floor(24_000 - (Math.log(2) / Math.log(3)) * 20_000);
    expect(confirmed.members().find((m) => m.id === "x")!.state).toBe("suspect");
    suspectX(confirmed, 2000, "d"); // k confirmations: down to the minimum, 4 s after the suspicion began
    tickThrough(confirmed, 0, 3999);
    expect(confirmed.members().find((m) => m.id === "x")!.state).toBe("suspect");
    confirmed.tick(4000);
    expect(confirmed.members().find((m) => m.id === "x")!.state).toBe("dead");
    expect(oneConfirmation).toBe(11_381);
  });

  test("when the direct ping fails but a helper reaches the target, the target is not suspected", () => {
    const c = threeNodes();
    const sentAt = c.sent.length;
    // a and b cannot talk directly; c can reach both.
    c.drop = (from, to) => (from === "a" && to === "b") || (from === "b" && to === "a");
    c.run(3010, 20_000);
    expect(c.when("a", "b", "suspect")).toBeUndefined();
    expect(c.state("a", "b")!.state).toBe("alive");
    const later = c.sent.slice(sentAt);
    const pingReqs = later.filter((s) => s.from === "a" && s.msg.type === "ping-req" && s.msg.to === "b");
    expect(pingReqs.length).toBeGreaterThan(0);
    // c relayed b's ack back to a under a's sequence number.
    const relayed = later.filter((s) => s.from === "c" && s.to === "a" && s.msg.type === "ack");
    expect(relayed.some((r) => pingReqs.some((p) => p.msg.type === "ping-req" && r.msg.type === "ack" && p.msg.seq === r.msg.seq))).toBe(true);

    // Control: with the helper cut off from b as well, the same probes do end in suspicion.
    c.drop = (from, to) => to === "b" && from !== "b" ? true : (from === "b" && to === "a");
    c.run(20_010, 30_000);
    expect(c.when("a", "b", "suspect")).toBeDefined();
  });
});

describe("local health awareness (Lifeguard)", () => {
  test("a node that hears no acks blames itself too: its score climbs and its protocol period stretches", () => {
    // awarenessMax 4 so that the cap is reached before a declares both silent peers dead and stops probing.
    const c = threeNodes({ ...defaultSwimConfig(1000), awarenessMax: 4 });
    expect(c.node("a").healthScore()).toBe(0);
    // a is cut off from everyone (its own network or process is the slow part).
    c.drop = (from, to) => from === "a" || to === "a";
    const probesAt: number[] = [];
    const before = c.sent.length;
    for (let t = 3010; t <= 60_000; t += 10) {
      const sentBefore = c.sent.length;
      c.deliver(t, "a", c.node("a").tick(t));
      if (c.sent.slice(sentBefore).some((s) => s.from === "a" && s.msg.type === "ping")) probesAt.push(t);
    }
    expect(c.sent.length).toBeGreaterThan(before);
    // Capped at awarenessMax - 1 = 3: the period grows from 1 to 4 protocol intervals.
    expect(c.node("a").healthScore()).toBe(3);
    const gaps = probesAt.slice(1).map((t, i) => t - probesAt[i]!);
    // Each unanswered probe stretches the next period by one interval, up to the cap.
    expect(gaps.slice(0, 4)).toEqual([1000, 2000, 3000, 4000]);
    expect(new Set(gaps.slice(3))).toEqual(new Set([4000]));
    // Nobody can confirm a's suspicions (it hears no one), so each lone one runs its full 24 s before
    // a declares its peers dead and stops probing.
    for (const o of ["b", "c"]) expect(c.state("a", o)!.state).toBe("dead");
    const suspected = c.when("a", "b", "suspect")!;
    expect(c.when("a", "b", "dead")! - suspected).toBe(24_000);
  });

  test("acks bring the score back down to 0, one successful probe at a time", () => {
    const c = threeNodes();
    c.drop = (from, to) => from === "a" || to === "a";
    for (let t = 3010; t <= 20_000; t += 10) c.deliver(t, "a", c.node("a").tick(t));
    const high = c.node("a").healthScore();
    expect(high).toBeGreaterThan(2);
    c.drop = () => false;
    // Peers may have declared a dead meanwhile; it refutes (a count of its own) and then acks flow again.
    c.run(20_010, 200_000);
    expect(c.node("a").healthScore()).toBe(0);
    for (const o of ["b", "c"]) expect(c.state(o, "a")!.state).toBe("alive");
  });

  test("refuting a suspicion of itself raises a node's score", () => {
    const c = new Cluster();
    const a = c.add("a", [member("b")]);
    c.start(0, "a", []);
    a.receive(1, addr("b"), gossip("b", [update("a", "suspect", 0)]));
    expect(a.healthScore()).toBe(1);
    a.receive(2, addr("b"), gossip("b", [update("a", "dead", 1)]));
    expect(a.healthScore()).toBe(2);
    a.receive(3, addr("b"), gossip("b", [update("a", "suspect", 0)])); // stale: nothing to refute
    expect(a.healthScore()).toBe(2);
  });

  test("awarenessMax 1 turns it off: the period never stretches", () => {
    const c = threeNodes({ ...defaultSwimConfig(1000), awarenessMax: 1 });
    c.drop = (from, to) => from === "a" || to === "a";
    for (let t = 3010; t <= 30_000; t += 10) c.deliver(t, "a", c.node("a").tick(t));
    expect(c.node("a").healthScore()).toBe(0);
  });
});

describe("leave and bookkeeping", () => {
  test("a graceful leave announces left at incarnation + 1; the others keep it and stop probing it", () => {
    const c = threeNodes();
    c.deliver(3005, "b", c.node("b").leave(3005));
    expect(c.node("b").self()).toMatchObject({ state: "left", incarnation: 1 });
    expect(c.events.get("b")!.at(-1)).toMatchObject({ previous: "alive", member: { id: "b", state: "left" } });
    for (const o of ["a", "c"]) expect(c.state(o, "b")).toMatchObject({ state: "left", incarnation: 1 });
    c.nodes.delete("b");
    const sentAt = c.sent.length;
    c.run(3010, 40_000);
    expect(c.sent.slice(sentAt).filter((s) => s.to === "b" && s.msg.type === "ping")).toEqual([]);
    for (const o of ["a", "c"]) expect(c.state(o, "b")!.state).toBe("left");
  });

  test("dead members are kept by default and reaped after deadReapMs when set", () => {
    const kept = threeNodes();
    kept.drop = (from, to) => from === "b" || to === "b";
    kept.run(3010, 60_000);
    expect(kept.state("a", "b")!.state).toBe("dead");

    const reaped = threeNodes({ ...defaultSwimConfig(1000), deadReapMs: 5000 });
    reaped.drop = (from, to) => from === "b" || to === "b";
    reaped.run(3010, 60_000);
    expect(reaped.state("a", "b")).toBeUndefined();
    expect(reaped.node("a").members().map((m) => m.id).sort()).toEqual(["a", "c"]);
  });

  test("deadForgetMs (DEAD_MEMBER_TIMEOUT): a member dead that long becomes left everywhere; unset, it stays dead", () => {
    const c = threeNodes({ ...defaultSwimConfig(1000), deadForgetMs: 20_000 });
    c.drop = (from, to) => from === "b" || to === "b";
    c.run(3010, 15_000);
    expect(c.state("a", "b")!.state).toBe("dead");
    const diedAt = c.state("a", "b")!.stateChangedAt;
    c.run(15_010, diedAt + 19_990);
    expect(c.state("a", "b")!.state).toBe("dead");
    c.run(diedAt + 20_000, diedAt + 25_000);
    for (const o of ["a", "c"]) expect(c.state(o, "b")).toMatchObject({ state: "left", incarnation: 0 });
    expect(c.events.get("a")!.at(-1)).toMatchObject({ previous: "dead", member: { id: "b", state: "left" } });
  });

  test("a forgotten member that returns hears it was forgotten (SelfReport), refutes, and is alive again", () => {
    const c = threeNodes({ ...defaultSwimConfig(1000), deadForgetMs: 20_000 });
    c.drop = (from, to) => from === "b" || to === "b";
    c.run(3010, 60_000);
    expect(c.state("a", "b")!.state).toBe("left");
    // b restarts (a new process: incarnation 0, remembering its peers) and joins through a.
    c.drop = () => false;
    const b = c.add("b", [c.state("a", "a")!, c.state("a", "c")!]);
    c.start(60_010, "b", ["a"]);
    expect(b.drainSelfReports()).toContain("forgotten");
    c.run(60_020, 65_000);
    for (const o of ["a", "c"]) expect(c.state(o, "b")!.state).toBe("alive");
    // Later full states call it alive: "ok", never "forgotten" again.
    c.run(65_010, 100_000);
    const later = b.drainSelfReports();
    expect(later).toContain("ok");
    expect(later).not.toContain("forgotten");
  });

  test("a node that was never forgotten hears ok from its first full state", () => {
    const c = threeNodes();
    const reports = c.node("b").drainSelfReports();
    expect(reports).toContain("ok");
    expect(reports).not.toContain("forgotten");
  });

  test("a node learns a member from any message it sends, even if gossip about its join missed it", () => {
    const c = new Cluster();
    const a = c.add("a");
    c.start(0, "a", []);
    a.receive(5, addr("x"), { v: 1, type: "ping", from: "x", seq: 1, to: "a", updates: [update("x", "alive", 3)] });
    expect(c.state("a", "x")).toMatchObject({ state: "alive", incarnation: 3 });
    // And every message a sends carries a's own record.
    const out = c.node("a").receive(6, addr("x"), { v: 1, type: "ping", from: "x", seq: 2, to: "a", updates: [] });
    expect((out[0]!.msg as { updates: MemberUpdate[] }).updates[0]).toMatchObject({ id: "a", state: "alive" });
  });

  test("a node whose seed was not up yet keeps retrying the seed and joins once it is", () => {
    const c = new Cluster();
    c.add("a");
    c.start(0, "a", ["b"]); // b does not exist yet: the join push-pull is lost
    c.run(0, 5000);
    expect(c.node("a").members()).toHaveLength(1);
    c.add("b");
    c.start(5000, "b", []);
    c.run(5010, 10_000);
    expect(c.state("a", "b")!.state).toBe("alive");
    expect(c.state("b", "a")!.state).toBe("alive");
  });

  test("a full state of hundreds of members is split into datagrams under the limit and answered once", () => {
    const long = "h".repeat(200);
    const known = Array.from({ length: 500 }, (_, i) => ({
      ...member(`m${String(i).padStart(3, "0")}`),
      host: `${long}${i}`,
      zone: "z".repeat(64),
    }));
    const c = new Cluster();
    c.add("a", known);
    c.add("seed");
    c.start(0, "seed", []);
    const out = c.node("a").start(0, [addr("seed")]).filter((o) => o.to === addr("seed"));
    expect(out.length).toBeGreaterThan(1);
    for (const o of out) expect(encodeMessage(o.msg).byteLength).toBeLessThan(MAX_DATAGRAM_BYTES);
    c.deliver(0, "a", out);
    expect(c.node("seed").members()).toHaveLength(502);
    const replies = c.sent.filter((s) => s.from === "seed" && s.msg.type === "push-pull");
    const exchanges = new Set(replies.map((r) => (r.msg.type === "push-pull" ? r.msg.exchange : -1)));
    expect(exchanges.size).toBe(1);
  });
});
