import { describe, expect, test } from "bun:test";
import type { Clock, Timer } from "./clock.ts";
import { CoalescingClock } from "./coalescing-clock.ts";
import { ManualClock } from "./manual-clock.ts";

/** A manual clock that counts how often one of its timers fired: each is a wake-up of the process. */
class CountingClock extends ManualClock {
  fired: number[] = [];
  override timer(ms: number, fn: () => void): Timer {
    return super.timer(ms, () => {
      this.fired.push(this.elapsed());
      fn();
    });
  }
}

function setup(): { base: CountingClock; clock: CoalescingClock; ran: Array<[string, number]>; at: (name: string, ms: number, on?: Clock) => Timer } {
  const base = new CountingClock();
  const clock = new CoalescingClock(base);
  const ran: Array<[string, number]> = [];
  const at = (name: string, ms: number, on: Clock = clock) => on.timer(ms, () => ran.push([name, base.elapsed()]));
  return { base, clock, ran, at };
}

describe("CoalescingClock", () => {
  test("long timers whose windows overlap run in one wake-up, none before its time", async () => {
    const { base, clock, ran, at } = setup();
    at("sync", 5000); // may run 5000..6000
    at("sweep", 5600); // 5600..6600
    at("census", 8000); // 8000..9000: no overlap, its own wake-up
    await base.advance(20_000);
    expect(ran).toEqual([
      ["sync", 6000],
      ["sweep", 6000],
      ["census", 9000],
    ]);
    expect(base.fired).toEqual([6000, 9000]);
    expect(clock.ownWakeups).toBe(2);
  });

  test("they ride on an exact timer (the gossip probe) that fires after their time, which itself is never late", async () => {
    const { base, clock, ran } = setup();
    const probe = (ms: number) => clock.exact(ms, () => ran.push(["probe", base.elapsed()]));
    clock.timer(5000, () => ran.push(["sync", base.elapsed()]));
    clock.timer(30_000, () => ran.push(["quiet round", base.elapsed()]));
    // The probe every second, as membership arms it.
    for (let t = 1000; t <= 31_000; t += 1000) probe(t);
    await base.advance(40_000);
    expect(ran.filter(([name]) => name !== "probe")).toEqual([
      ["sync", 5000],
      ["quiet round", 30_000],
    ]);
    expect(ran.filter(([name]) => name === "probe").map(([, t]) => t)).toEqual(Array.from({ length: 31 }, (_, i) => (i + 1) * 1000));
    // Every wake-up was a probe's: the long timers never woke the process on their own.
    expect(clock.ownWakeups).toBe(0);
    expect(base.fired.length).toBe(31);
  });

  test("short timers run on time; a cancelled long timer neither runs nor leaves a wake-up behind", async () => {
    const { base, clock, ran, at } = setup();
    at("rpc timeout", 300);
    at("debounce", 999);
    const cancelled = at("cancelled", 2000);
    at("later", 10_000);
    cancelled.cancel();
    await base.advance(20_000);
    expect(ran).toEqual([
      ["rpc timeout", 300],
      ["debounce", 999],
      ["later", 11_000],
    ]);
    expect(base.fired).toEqual([300, 999, 11_000]);
  });

  test("the slack is a quarter of the wait, at most a second; sleep waits the same way", async () => {
    const { base, clock } = setup();
    expect([500, 999, 1000, 2000, 4000, 30_000].map((ms) => clock.slackFor(ms))).toEqual([0, 0, 250, 500, 1000, 1000]);
    let woke = -1;
    void clock.sleep(2000).then(() => (woke = base.elapsed()));
    await base.advance(5000);
    expect(woke).toBe(2500);
  });

  test("a timer that throws does not cost the others due with it their turn", async () => {
    const { base, clock, ran } = setup();
    clock.timer(5000, () => {
      throw new Error("boom");
    });
    clock.timer(5200, () => ran.push(["after", base.elapsed()]));
    // ManualClock runs timers synchronously: the error surfaces from the wake-up that ran them, as it would from a timer.
    const error = await base.advance(10_000).then(
      () => undefined,
      (err: Error) => err.message,
    );
    expect(ran).toEqual([["after", 6000]]);
    expect(error).toBe("boom");
  });
});
