import { expect, test } from "bun:test";
import type { Logger } from "../log.ts";
import { BackgroundWorker } from "./background-worker.ts";
import { ManualClock } from "./manual-clock.ts";

const errors: unknown[] = [];
const log: Logger = { debug() {}, info() {}, warn() {}, error: (_m, c) => errors.push(c?.err) };

test("passes run an interval apart, never overlapping; stop() waits for the pass in progress", async () => {
  const clock = new ManualClock();
  let active = 0;
  let maxActive = 0;
  let runs = 0;
  let finished = 0;
  const w = new BackgroundWorker({ name: "t", intervalMs: 100, clock, log }, async () => {
    active++;
    runs++;
    maxActive = Math.max(maxActive, active);
    await clock.sleep(30);
    active--;
    finished++;
  });
  w.start();
  await clock.advance(99);
  expect(runs).toBe(0); // the first pass waits one interval
  await clock.advance(1);
  expect(runs).toBe(1);
  expect(w.status().state).toBe("busy");
  await clock.advance(30 + 100);
  expect(runs).toBe(2); // the next one interval after the first ended
  const stopping = w.stop();
  await clock.advance(30);
  await stopping;
  expect(finished).toBe(runs);
  expect(maxActive).toBe(1);
  await clock.advance(1000);
  expect(runs).toBe(2);
  expect(w.status()).toMatchObject({ name: "t", state: "stopped", passes: 2, errors: 0 });
});

test("wake() runs a pass at once, or right after the one in progress; `true` runs the next at once", async () => {
  const clock = new ManualClock();
  let runs = 0;
  const w = new BackgroundWorker({ name: "t", intervalMs: 1000, firstDelayMs: 1000, clock, log }, async () => {
    runs++;
    await clock.sleep(10);
    return runs >= 2 && runs <= 4;
  });
  w.start();
  w.wake();
  await clock.advance(0);
  expect(runs).toBe(1);
  w.wake(); // while busy: one more pass right after
  await clock.advance(10);
  expect(runs).toBe(2);
  await clock.advance(40); // passes 2..4 said there was more
  expect(runs).toBe(5);
  await clock.advance(500);
  expect(runs).toBe(5);
  await w.stop();
});

test("a failing pass is counted and logged with the worker's name, and the loop goes on", async () => {
  const clock = new ManualClock();
  errors.length = 0;
  const w = new BackgroundWorker({ name: "boom-worker", intervalMs: 10, clock, log }, async () => {
    throw new Error("boom");
  });
  w.start();
  await clock.advance(55);
  await w.stop();
  const s = w.status();
  expect(s.passes).toBe(5);
  expect(s.errors).toBe(5);
  expect(s.lastError).toBe("boom");
  expect(errors.length).toBe(5);
});

test("stop() cuts a pause inside a pass short", async () => {
  const clock = new ManualClock();
  let finished = false;
  const w = new BackgroundWorker({ name: "t", intervalMs: 10, clock, log }, async () => {
    await w.sleep(60_000);
    finished = true;
  });
  w.start();
  await clock.advance(10);
  const stopped = w.stop();
  await clock.advance(0);
  await stopped;
  expect(finished).toBe(true);
});

test("quiet passes double the wait up to quietMaxMs; a busy pass or wake() brings back the interval; a number sets the next wait", async () => {
  const clock = new ManualClock();
  const at: number[] = [];
  let outcome: "quiet" | number | undefined = "quiet";
  const w = new BackgroundWorker({ name: "q", intervalMs: 100, firstDelayMs: 0, quietMaxMs: 500, clock, log }, async () => {
    at.push(clock.now());
    return outcome;
  });
  const t0 = clock.now();
  w.start();
  await clock.advance(0);
  for (let i = 0; i < 30; i++) await clock.advance(50);
  // Passes at 0, then waits of 100, 200, 400, 500 (capped), 500.
  expect(at.map((t) => t - t0)).toEqual([0, 100, 300, 700, 1200]);
  w.wake();
  await clock.advance(0);
  expect(at.length).toBe(6); // woken: at once
  await clock.advance(99);
  expect(at.length).toBe(6);
  await clock.advance(1); // and the streak starts again from one interval
  expect(at.length).toBe(7);
  outcome = undefined; // a pass that did work: one interval, whatever came before
  await clock.advance(200);
  expect(at.length).toBe(8);
  await clock.advance(100);
  expect(at.length).toBe(9);
  outcome = 1000; // "the next item is due in 1 s"
  await clock.advance(100);
  const last = at.length;
  await clock.advance(999);
  expect(at.length).toBe(last);
  await clock.advance(1);
  expect(at.length).toBe(last + 1);
  await w.stop();
});

test("unquiet() ends a stretched wait one interval from now without running a pass at once", async () => {
  const clock = new ManualClock();
  const at: number[] = [];
  const w = new BackgroundWorker({ name: "u", intervalMs: 100, firstDelayMs: 0, quietMaxMs: 10_000, clock, log }, async () => {
    at.push(clock.now());
    return "quiet";
  });
  const t0 = clock.now();
  w.start();
  await clock.advance(0);
  for (let i = 0; i < 16; i++) await clock.advance(100); // passes at 0, 100, 300, 700, 1500; the next wait is 1600
  expect(at.map((t) => t - t0)).toEqual([0, 100, 300, 700, 1500]);
  w.unquiet();
  w.unquiet(); // a burst of changes: still one pass, one interval later
  await clock.advance(0);
  expect(at.length).toBe(5);
  await clock.advance(100);
  expect(at.length).toBe(6);
  expect(at[5]! - t0).toBe(1700);
  await clock.advance(100); // the streak starts again: the next wait is one interval
  expect(at.length).toBe(7);
  await w.stop();
});
