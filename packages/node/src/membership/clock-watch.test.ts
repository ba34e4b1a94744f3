// The clock offset estimate: the least-delayed sample per peer, the median over peers, a problem only past the bound.
import { expect, test } from "bun:test";
import { FakeTime } from "../metadata/test-fixtures.ts";
import { ClockWatch } from "./clock-watch.ts";

test("offset = median over peers of their clock − ours, using each peer's least-delayed sample", () => {
  const t = new FakeTime(1_000_000);
  const w = new ClockWatch(500, t.now);
  expect(w.offsetMs()).toBeUndefined();
  expect(w.problem()).toBeUndefined();
  // Peer p1's clock equals ours; its datagrams waited 5 to 300 ms on the way.
  for (const delay of [300, 5, 120]) w.sample("p1", t.ms - delay);
  expect(w.offsetMs()).toBe(-5);
  // Two peers 30 s ahead of us: the median says this node is 30 s behind.
  w.sample("p2", t.ms + 30_000);
  w.sample("p3", t.ms + 30_010);
  expect(w.offsetMs()).toBe(30_000);
  expect(w.problem()).toContain("30.0 s behind its peers'");
  // Samples older than 30 s are forgotten.
  t.advance(31_000);
  w.sample("p1", t.ms - 2);
  expect(w.offsetMs()).toBe(-2);
  expect(w.problem()).toBeUndefined();
  w.sample("p2", t.ms - 700);
  w.sample("p3", t.ms - 900);
  expect(w.problem()).toContain("ahead of its peers'");
});

test("one bad clock among three stops only itself; a stranger's clock counts only when no member is heard", () => {
  const t = new FakeTime(1_000_000);
  const members = new Set(["n2", "n3"]);
  const healthy = new ClockWatch(500, t.now, (s) => members.has(s));
  healthy.sample("n2", t.ms);
  healthy.sample("n3", t.ms - 30_000); // n3 is 30 s behind
  healthy.sample("stranger", t.ms + 300_000); // not a member: ignored while members are heard
  expect(healthy.problem()).toBeUndefined();
  const behind = new ClockWatch(500, t.now, (s) => s === "n1" || s === "n2");
  behind.sample("n1", t.ms + 30_000);
  behind.sample("n2", t.ms + 30_000);
  expect(behind.problem()).toContain("behind");
  const alone = new ClockWatch(500, t.now, () => false);
  alone.sample("seed", t.ms - 300_000);
  expect(alone.problem()).toContain("ahead of");
});

test("a judgement stands until a datagram arrives or a second passes: writes ask often, judging asks membership per source", () => {
  const t = new FakeTime(1_000_000);
  let asked = 0;
  const w = new ClockWatch(500, t.now, () => (asked++, true));
  w.sample("n2", t.ms);
  w.sample("n3", t.ms);
  expect(w.problem()).toBeUndefined();
  expect(asked).toBe(2);
  for (let i = 0; i < 100; i++) w.problem();
  expect(asked).toBe(2);
  // A new datagram: judged again at once (n2 and n3 now 30 s behind, so this node is ahead).
  w.sample("n2", t.ms - 30_000);
  w.sample("n3", t.ms - 30_000);
  w.sample("n2", t.ms - 30_000);
  expect(w.problem()).toBeUndefined(); // the best (largest) of each peer's samples still says in step
  expect(asked).toBe(4);
  // Without a datagram the judgement is made again a second later (samples age out of the window meanwhile).
  t.advance(500);
  w.problem();
  expect(asked).toBe(4);
  t.advance(600);
  w.problem();
  expect(asked).toBe(6);
  t.advance(30_000);
  w.sample("n3", t.ms - 30_000);
  expect(w.problem()).toContain("ahead of"); // n2's samples aged out: n3 alone, 30 s behind
});
