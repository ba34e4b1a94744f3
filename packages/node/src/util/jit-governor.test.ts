import { describe, expect, test } from "bun:test";
import { JitGovernor } from "./jit-governor.ts";

function governed() {
  let now = 0;
  const policies: number[] = [];
  const timers: Array<{ at: number; fn: () => void }> = [];
  const g = new JitGovernor(
    { idleScale: 10, busyRequests: 5, windowMs: 1000, idleAfterMs: 60_000 },
    { now: () => now, setPolicy: (s) => policies.push(s), setTimer: (fn, ms) => (timers.push({ at: now + ms, fn }), {}) },
  );
  const advance = (ms: number) => {
    now += ms;
    for (let t = timers.findIndex((x) => x.at <= now); t >= 0; t = timers.findIndex((x) => x.at <= now)) timers.splice(t, 1)[0]!.fn();
  };
  return { g, policies, timers, advance };
}

describe("JitGovernor", () => {
  test("starts reluctant; background traffic (fewer requests a window than the bound) never changes it, nor arms a timer", () => {
    const { g, policies, timers, advance } = governed();
    for (let i = 0; i < 100; i++) {
      g.note();
      g.note();
      advance(500);
    }
    expect(policies).toEqual([10]);
    expect(g.busy).toBe(false);
    expect(timers).toEqual([]);
  });

  test("a burst of requests sets the normal policy at once; the reluctant one comes back only after a minute without one", () => {
    const { g, policies, advance } = governed();
    for (let i = 0; i < 5; i++) g.note();
    expect(policies).toEqual([10, 1]);
    expect(g.busy).toBe(true);
    // Still busy 40 s later: the minute counts from the last busy window.
    advance(40_000);
    for (let i = 0; i < 5; i++) g.note();
    advance(59_000);
    expect(policies).toEqual([10, 1]);
    advance(1_500);
    expect(policies).toEqual([10, 1, 10]);
    expect(g.busy).toBe(false);
    for (let i = 0; i < 5; i++) g.note();
    expect(policies).toEqual([10, 1, 10, 1]);
  });
});
