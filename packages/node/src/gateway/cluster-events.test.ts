import { expect, test } from "bun:test";
import { ClusterEvents } from "./cluster-events.ts";

test("events are numbered, kept up to the capacity, and fanned out to subscribers", () => {
  let t = 100;
  const ev = new ClusterEvents(3, () => t++);
  const seen: string[] = [];
  const off = ev.subscribe((e) => seen.push(`${e.type}:${e.member}`));
  ev.record("join", "n2 joined", "n2");
  ev.record("suspect", "n2 suspect", "n2");
  off();
  ev.record("dead", "n2 dead", "n2");
  ev.record("alive", "n2 back", "n2");
  expect(seen).toEqual(["join:n2", "suspect:n2"]);
  expect(ev.recent().map((e) => e.seq)).toEqual([2, 3, 4]);
  expect(ev.recent(1)[0]!.at).toBe(103);
});
