// The memory governor: a collection only above the soft limit, looked at once per so many streamed bytes,
// never twice within its gap; and the process-wide hook does nothing until a node installs a governor.
import { afterEach, expect, test } from "bun:test";
import { activeMemoryGovernor, governMemory, MemoryGovernor, noteStreamedBytes } from "./memory-governor.ts";

function governor(rss: number[], collectMs = 0) {
  let now = 0;
  let collected = 0;
  const g = new MemoryGovernor({
    softLimitBytes: 100,
    checkEveryBytes: 10,
    minGapMs: 1000,
    rss: () => rss[0]!,
    collect: () => {
      collected++;
      now += collectMs;
    },
    now: () => now,
  });
  return { g, advance: (ms: number) => void (now += ms), collected: () => collected };
}

afterEach(() => governMemory(undefined));

test("collects when above the limit, looks only every checkEveryBytes, and waits minGapMs between collections", () => {
  const rss = [150];
  const { g, advance, collected } = governor(rss);
  g.note(9);
  expect(collected()).toBe(0); // not yet a look
  g.note(1);
  expect(collected()).toBe(1);
  g.note(10);
  expect(collected()).toBe(1); // too soon after the last
  advance(1000);
  g.note(10);
  expect(collected()).toBe(2);
  rss[0] = 90; // below the limit: nothing to do
  advance(5000);
  g.note(100);
  expect(collected()).toBe(2);
  expect(g.collections).toBe(2);
});

test("noteStreamedBytes reaches the installed governor only", () => {
  const rss = [500];
  const { g, collected } = governor(rss);
  noteStreamedBytes(1000);
  expect(activeMemoryGovernor()).toBeUndefined();
  governMemory(g);
  noteStreamedBytes(1000);
  expect(collected()).toBe(1);
});

test("a slow collection spaces the next by 25 times its duration, so collecting costs at most 4 % of the time", () => {
  const rss = [150];
  const { g, advance, collected } = governor(rss, 100); // each collection takes 100 ms
  g.note(10);
  expect(collected()).toBe(1);
  advance(1500); // past minGapMs, not past 25 × 100 ms
  g.note(10);
  expect(collected()).toBe(1);
  advance(1000);
  g.note(10);
  expect(collected()).toBe(2);
});

test("by default, a collection at most every 32 MiB streamed: what it can free is what streamed since the last", () => {
  let collected = 0;
  const g = new MemoryGovernor({ softLimitBytes: 100, minGapMs: 0, rss: () => 500, collect: () => void collected++, now: () => 0 });
  for (let i = 0; i < 3; i++) g.note(8 << 20);
  expect(collected).toBe(0);
  g.note(8 << 20);
  expect(collected).toBe(1);
  for (let i = 0; i < 4; i++) g.note(8 << 20);
  expect(collected).toBe(2);
});
