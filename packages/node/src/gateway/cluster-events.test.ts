import { expect, test } from "bun:test";
import { testMember } from "../membership/test-member.ts";
import { MemoryEventLog } from "../events/event-log.ts";
import { ClusterEvents, recordFullness, recordMemberEvent } from "./cluster-events.ts";

test("events are numbered, kept up to the capacity, and fanned out to subscribers", () => {
  let t = 100;
  const ev = new ClusterEvents("n1", new MemoryEventLog(3), () => t++);
  const seen: string[] = [];
  const off = ev.subscribe((e) => seen.push(`${e.type}:${e.member}`));
  ev.record("join", "n2 joined", "n2");
  ev.record("suspect", "n2 suspect", "n2");
  off();
  ev.record("dead", "n2 dead", "n2");
  ev.record("alive", "n2 back", "n2");
  expect(seen).toEqual(["join:n2", "suspect:n2"]);
  expect(ev.recent().map((e) => e.seq)).toEqual([2, 3, 4]);
  expect(ev.recent(1)[0]).toMatchObject({ at: 103, node: "n1", member: "n2" });
});

test("a member filling up and having room again is noted once each way", () => {
  const events = new ClusterEvents("n1");
  const full = new Set<string>();
  const n4 = testMember("n4");
  recordFullness(events, n4, full);
  recordFullness(events, { ...n4, full: true }, full);
  recordFullness(events, { ...n4, full: true, incarnation: 2 }, full);
  recordFullness(events, n4, full);
  // A full member that dies is no longer counted full; nothing is said about room it does not have.
  recordFullness(events, { ...n4, full: true }, full);
  recordFullness(events, { ...n4, full: true, state: "dead" }, full);
  expect(events.recent().map((e) => e.message)).toEqual([
    "n4's store is full: it keeps what it holds, new chunks go to the next members on the ring",
    "n4 has room again and takes new chunks",
    "n4's store is full: it keeps what it holds, new chunks go to the next members on the ring",
  ]);
  expect(full.size).toBe(0);
});

test("a death says whether its copies can be made: not with fewer live nodes than N", () => {
  const ev = new ClusterEvents("n1", new MemoryEventLog(10), () => 1);
  const member = { id: "n3", host: "127.0.0.1", httpPort: 3000, state: "dead" } as never;
  recordMemberEvent(ev, { member, previous: "suspect" }, { liveNodes: 2, factor: 3 });
  recordMemberEvent(ev, { member, previous: "suspect" }, { liveNodes: 3, factor: 3 });
  const [short, enough] = ev.recent().map((e) => e.message);
  expect(short).toBe("n3 was declared dead; fewer live nodes (2) than N = 3, so no other node can take its copies until nodes return or join");
  expect(short).not.toContain("being");
  expect(enough).toBe("n3 was declared dead; its chunks are being copied to other owners");
});
