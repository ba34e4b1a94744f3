// The clock offset estimate: round trips with a small uncertainty, one-way samples only where no delay
// explains them, and a verdict only when most peers heard were judged off. `FakeTime` is this node's clock.
import { expect, test } from "bun:test";
import { FakeTime } from "../metadata/test-fixtures.ts";
import { ClockWatch } from "./clock-watch.ts";

let nextSeq = 1;

/**
 * A probe of `peer` (its clock `offsetMs` from ours): our ping is sealed now, the peer stamps its ack
 * `outMs` later (the ping's way plus the peer's wait), and we read the ack `backMs` after that.
 */
function roundTrip(w: ClockWatch, t: FakeTime, peer: string, offsetMs: number, outMs = 1, backMs = 1): void {
  const seq = nextSeq++;
  w.asked(seq);
  t.advance(outMs);
  const stamp = t.ms + offsetMs;
  t.advance(backMs);
  w.sample(peer, stamp, seq);
}

/** A datagram that is no answer, stamped by `peer` (clock `offsetMs` from ours) and read `delayMs` later. */
function oneWay(w: ClockWatch, t: FakeTime, peer: string, offsetMs: number, delayMs = 0): void {
  w.sample(peer, t.ms - delayMs + offsetMs);
}

test("a round trip gives stamp − midpoint; it counts only when half of it is at most a quarter of the bound", () => {
  const t = new FakeTime(1_000_000);
  const w = new ClockWatch(500, t.now);
  expect(w.maxUncertaintyMs).toBe(125);
  expect(w.offsetMs()).toBeUndefined();
  // Asymmetric ways (2 ms out, 8 ms back): the midpoint is 3 ms off the stamp's true time, within the ±5 ms it claims.
  roundTrip(w, t, "p1", 40, 2, 8);
  expect(w.offsetMs()).toBe(37);
  // A round trip of 252 ms (uncertainty 126 ms) says nothing: p2 gives no estimate.
  roundTrip(w, t, "p2", -10_000, 126, 126);
  expect(w.offsetMs()).toBe(37);
  // 250 ms is still good enough.
  roundTrip(w, t, "p3", 60, 125, 125);
  expect(w.offsetMs()).toBe((37 + 60) / 2);
  // An answer to nothing we asked, or a second answer to one seq, is a one-way sample only.
  const seq = nextSeq++;
  w.asked(seq);
  w.sample("p2", t.ms - 10_000, seq + 1000);
  w.sample("p2", t.ms + 200, seq);
  w.sample("p2", t.ms - 3_000, seq); // the same seq again: not a round trip any more
  expect(w.offsetMs()).toBe(60); // p1 37, p2 200 (its one trip), p3 60
});

test("(a) a stalled event loop, ours or a peer's, gives no verdict: late datagrams and long round trips are not believed", () => {
  const t = new FakeTime(1_000_000);
  // The million-file benchmark's n1: four peers on the same clock, this node's loop 1.2 s behind, so every
  // datagram is read 1.2 s after it was stamped and every ack 1.2 s after it came back.
  const w = new ClockWatch(500, t.now);
  for (let round = 0; round < 40; round++) {
    for (const peer of ["n2", "n3", "n4", "n5"]) {
      oneWay(w, t, peer, 0, 1200);
      roundTrip(w, t, peer, 0, 1, 1200);
    }
    t.advance(250);
  }
  expect(w.problem()).toBeUndefined();
  expect(w.offsetMs()).toBeUndefined();
  // The peers' loops stalled instead (SIGSTOP for 3 s): their acks come 3 s late, their datagrams are
  // stamped when they are sent and read at once.
  const v = new ClockWatch(500, t.now);
  for (const peer of ["n2", "n3", "n4"]) {
    roundTrip(v, t, peer, 0, 3000, 1);
    oneWay(v, t, peer, 0, 2);
  }
  expect(v.problem()).toBeUndefined();
});

test("(b) real skew with short round trips is found both ways; a bit under the bound is not", () => {
  for (const [offset, verdict] of [
    [30_000, "30.0 s behind its peers'"],
    [-30_000, "30.0 s ahead of its peers'"],
    [700, "700 ms behind"],
    [-700, "700 ms ahead of"],
    [400, undefined],
    [-400, undefined],
  ] as const) {
    const t = new FakeTime(1_000_000);
    const w = new ClockWatch(500, t.now);
    for (const peer of ["n2", "n3"]) roundTrip(w, t, peer, offset, 4, 4);
    const problem = w.problem();
    if (verdict === undefined) expect(problem).toBeUndefined();
    else expect(problem).toContain(verdict);
    expect(Math.abs(w.offsetMs()! - offset)).toBeLessThanOrEqual(4);
  }
  // A node whose clock runs behind needs no round trip: a stamp from the future proves it, however late it is read.
  const t = new FakeTime(1_000_000);
  const w = new ClockWatch(500, t.now);
  oneWay(w, t, "n2", 30_000, 2000);
  oneWay(w, t, "n3", 30_000, 5);
  expect(w.problem()).toContain("behind its peers'");
  expect(w.offsetMs()).toBe((28_000 + 29_995) / 2);
});

test("(c) one peer stalled, the others prompt: the prompt ones decide, and a peer with no estimate counts against a verdict", () => {
  const stalled = (w: ClockWatch, t: FakeTime, offset: number) => {
    oneWay(w, t, "slow", offset, 4000);
    roundTrip(w, t, "slow", offset, 2000, 2000);
  };
  // In step with everyone: the stalled peer's late datagrams do not make this node look ahead.
  let t = new FakeTime(1_000_000);
  let w = new ClockWatch(500, t.now);
  stalled(w, t, 0);
  roundTrip(w, t, "n2", 0);
  roundTrip(w, t, "n3", 0);
  expect(w.problem()).toBeUndefined();
  expect(w.offsetMs()).toBe(0);
  // This node 30 s ahead, two of three peers judged: refused.
  t = new FakeTime(1_000_000);
  w = new ClockWatch(500, t.now);
  stalled(w, t, -30_000);
  roundTrip(w, t, "n2", -30_000);
  roundTrip(w, t, "n3", -30_000);
  expect(w.problem()).toContain("ahead of");
  // One of two judged: it cannot know, so it does not claim (it will once the slow peer answers in time).
  t = new FakeTime(1_000_000);
  w = new ClockWatch(500, t.now);
  stalled(w, t, -30_000);
  roundTrip(w, t, "n2", -30_000);
  expect(w.problem()).toBeUndefined();
  expect(w.offsetMs()).toBe(-30_000);
  roundTrip(w, t, "slow", -30_000);
  expect(w.problem()).toContain("ahead of");
});

test("one bad clock among three stops only itself; a stranger's clock counts only when no member is heard", () => {
  const t = new FakeTime(1_000_000);
  const members = new Set(["n2", "n3"]);
  const healthy = new ClockWatch(500, t.now, (s) => members.has(s));
  roundTrip(healthy, t, "n2", 0);
  roundTrip(healthy, t, "n3", -30_000); // n3 is 30 s behind
  oneWay(healthy, t, "stranger", 300_000); // not a member: ignored while members are heard
  expect(healthy.problem()).toBeUndefined();
  const behind = new ClockWatch(500, t.now, (s) => s === "n1" || s === "n2");
  oneWay(behind, t, "n1", 30_000);
  oneWay(behind, t, "n2", 30_000);
  expect(behind.problem()).toContain("behind");
  // A node far ahead is not answered, only told its peers' clocks (membership.ts answerStale): more than the
  // seal's two minutes below zero, no delay explains it.
  const alone = new ClockWatch(500, t.now, () => false);
  oneWay(alone, t, "seed", -300_000);
  expect(alone.problem()).toContain("ahead of");
  const near = new ClockWatch(500, t.now, () => false);
  oneWay(near, t, "seed", -30_000);
  expect(near.problem()).toBeUndefined(); // 30 s late or 30 s behind: it cannot tell
});

test("a round trip stands five minutes and one-way samples 30 s; a later stamp from the future raises a round trip's estimate", () => {
  const t = new FakeTime(1_000_000);
  const w = new ClockWatch(500, t.now);
  roundTrip(w, t, "n2", -30_000);
  roundTrip(w, t, "n3", -30_000);
  t.advance(299_000);
  expect(w.problem()).toContain("ahead of");
  // The clock was fixed (a step of 30 s): new round trips replace the old at once.
  roundTrip(w, t, "n2", 0);
  roundTrip(w, t, "n3", 0);
  expect(w.problem()).toBeUndefined();
  // A node 30 s behind whose clock was fixed: the stamps from the future it read before are older evidence.
  oneWay(w, t, "n2", 30_000);
  oneWay(w, t, "n3", 30_000);
  expect(w.problem()).toContain("behind");
  roundTrip(w, t, "n2", 0);
  roundTrip(w, t, "n3", 0);
  expect(w.problem()).toBeUndefined();
  // n2's clock steps 20 s ahead: its next datagram proves it before the next round trip does.
  oneWay(w, t, "n2", 20_000, 50);
  expect(w.offsetMs()).toBe((19_950 + 0) / 2);
  t.advance(31_000);
  expect(w.offsetMs()).toBe(0); // the one-way sample aged out; the round trips stand
  t.advance(270_000);
  expect(w.offsetMs()).toBeUndefined();
});

test("an answer later than two uncertainties, or to an ask pushed out by a thousand newer ones, makes no round trip", () => {
  const t = new FakeTime(1_000_000);
  const w = new ClockWatch(500, t.now);
  w.asked(1);
  t.advance(300);
  w.asked(2); // forgets ask 1: no answer to it could qualify any more
  w.sample("n2", t.ms - 30_000, 1);
  expect(w.offsetMs()).toBeUndefined();
  for (let seq = 3; seq < 3 + 1100; seq++) w.asked(seq);
  w.sample("n2", t.ms - 30_000, 3);
  expect(w.offsetMs()).toBeUndefined();
  w.sample("n2", t.ms - 30_000, 1102);
  expect(w.offsetMs()).toBe(-30_000);
});

test("a peer heard with no round trip kept, or a datagram later than the bound against it, is wanted for a round trip at once, then at most every 60 s", () => {
  const t = new FakeTime(1_000_000);
  const w = new ClockWatch(500, t.now);
  expect(w.wantsRoundTrip("n2")).toBe(false); // never heard
  oneWay(w, t, "n2", 0, 3);
  expect(w.wantsRoundTrip("n2")).toBe(true);
  expect(w.wantsRoundTrip("n2")).toBe(false);
  expect(w.peers()).toEqual({ heard: 1, judged: 0 });
  t.advance(59_999);
  oneWay(w, t, "n2", 0, 3);
  expect(w.wantsRoundTrip("n2")).toBe(false);
  t.advance(1);
  expect(w.wantsRoundTrip("n2")).toBe(true); // its answer was lost or slow: asked again
  roundTrip(w, t, "n2", 0);
  expect(w.peers()).toEqual({ heard: 1, judged: 1 });
  t.advance(20_000);
  oneWay(w, t, "n2", 0, 3);
  expect(w.wantsRoundTrip("n2")).toBe(false); // its round trip stands
  t.advance(281_000);
  oneWay(w, t, "n2", 0, 3);
  expect(w.wantsRoundTrip("n2")).toBe(true);
  // A datagram later than the bound against the round trip kept: late, or this node's clock stepped 30 s ahead.
  roundTrip(w, t, "n2", 0);
  roundTrip(w, t, "n3", 0);
  oneWay(w, t, "n2", 0, 400);
  expect(w.wantsRoundTrip("n2")).toBe(false); // within the bound: no news
  t.advance(60_000); // the step (n2 was last pinged for a round trip more than a minute ago)
  oneWay(w, t, "n2", -30_000, 2);
  oneWay(w, t, "n3", -30_000, 2);
  expect(w.problem()).toBeUndefined(); // one-way, it cannot tell
  expect([w.wantsRoundTrip("n2"), w.wantsRoundTrip("n3")]).toEqual([true, true]);
  roundTrip(w, t, "n2", -30_000);
  roundTrip(w, t, "n3", -30_000);
  expect(w.problem()).toContain("30.0 s ahead of");
  expect(w.wantsRoundTrip("n2")).toBe(false);
});

test("a judgement stands until a datagram arrives or a second passes: writes ask often, judging asks membership per source", () => {
  const t = new FakeTime(1_000_000);
  let asked = 0;
  const w = new ClockWatch(500, t.now, () => (asked++, true));
  roundTrip(w, t, "n2", 0);
  roundTrip(w, t, "n3", 0);
  expect(w.problem()).toBeUndefined();
  expect(asked).toBe(2);
  for (let i = 0; i < 100; i++) w.problem();
  expect(asked).toBe(2);
  // A new datagram: judged again at once (n2 and n3 now 30 s behind, so this node is ahead).
  roundTrip(w, t, "n2", -30_000);
  roundTrip(w, t, "n3", -30_000);
  expect(w.problem()).toContain("ahead of");
  expect(asked).toBe(4);
  // Without a datagram the judgement is made again a second later (samples age out meanwhile).
  t.advance(500);
  w.problem();
  expect(asked).toBe(4);
  t.advance(600);
  w.problem();
  expect(asked).toBe(6);
  t.advance(300_000);
  roundTrip(w, t, "n3", 0);
  expect(w.problem()).toBeUndefined(); // n2's round trip aged out: n3 alone, in step
  expect(asked).toBe(7);
});
