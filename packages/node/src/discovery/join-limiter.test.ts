// Rate limits on joins that discovery asks for, and the announcement schedule.
import { describe, expect, test } from "bun:test";
import { nextAnnouncementDelay } from "./announce-schedule.ts";
import { JoinLimiter } from "./join-limiter.ts";

describe("JoinLimiter", () => {
  test("the same node at the same address is contacted at most once per cooldown", () => {
    let now = 0;
    const l = new JoinLimiter({ cooldownMs: 10_000, burst: 16, perSecond: 4 }, () => now);
    expect(l.allow("b", "10.0.0.2:4000")).toBe(true);
    now = 9_999;
    expect(l.allow("b", "10.0.0.2:4000")).toBe(false);
    // A new address of the same node is news at once.
    expect(l.allow("b", "10.0.0.3:4000")).toBe(true);
    now = 10_000;
    expect(l.allow("b", "10.0.0.2:4000")).toBe(true);
  });

  test("joins of many different nodes are capped by a token bucket", () => {
    let now = 0;
    const l = new JoinLimiter({ cooldownMs: 10_000, burst: 16, perSecond: 4 }, () => now);
    let allowed = 0;
    for (let i = 0; i < 1000; i++) if (l.allow(`n${i}`, `10.0.${i >> 8}.${i & 255}:4000`)) allowed++;
    expect(allowed).toBe(16);
    now = 1000; // one second refills four
    for (let i = 1000; i < 2000; i++) if (l.allow(`n${i}`, `10.1.${i >> 8}.${i & 255}:4000`)) allowed++;
    expect(allowed).toBe(20);
  });

  test("remembers a bounded number of nodes", () => {
    let now = 0;
    const l = new JoinLimiter({ cooldownMs: 1_000, burst: 1e9, perSecond: 1e9, maxTracked: 100 }, () => now);
    for (let i = 0; i < 500; i++) {
      now += 1;
      expect(l.allow(`n${i}`, `h${i}:1`)).toBe(true);
    }
    expect(l.tracked).toBeLessThanOrEqual(100);
    // Expired entries make room before fresh ones are dropped.
    now += 5_000;
    expect(l.allow("late", "h:1")).toBe(true);
    expect(l.tracked).toBe(1);
  });
});

describe("nextAnnouncementDelay", () => {
  test("a quick burst after start, then the interval, jittered ±25%", () => {
    const mid = () => 0.5;
    expect([0, 1, 2, 3, 10].map((sent) => nextAnnouncementDelay(sent, 5000, mid))).toEqual([500, 1000, 2000, 5000, 5000]);
    expect(nextAnnouncementDelay(5, 5000, () => 0)).toBe(3750);
    expect(nextAnnouncementDelay(5, 5000, () => 0.9999)).toBeCloseTo(6250, 0);
    // A short interval also caps the burst.
    expect(nextAnnouncementDelay(2, 1000, mid)).toBe(1000);
  });
});
