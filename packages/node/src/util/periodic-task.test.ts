import { expect, test } from "bun:test";
import { PeriodicTask } from "./periodic-task.ts";

test("runs repeatedly, never overlapping; stop() waits for the pass in progress and ends the loop", async () => {
  let active = 0;
  let maxActive = 0;
  let runs = 0;
  let finished = 0;
  const task = new PeriodicTask(
    5,
    async () => {
      active++;
      runs++;
      maxActive = Math.max(maxActive, active);
      await Bun.sleep(20);
      active--;
      finished++;
    },
    () => {},
  );
  task.start();
  await Bun.sleep(120);
  await task.stop();
  expect(runs).toBeGreaterThan(1);
  expect(maxActive).toBe(1);
  expect(finished).toBe(runs); // the pass running at stop() completed before stop() resolved
  const after = runs;
  await Bun.sleep(50);
  expect(runs).toBe(after);
});

test("a failing pass is reported and the loop goes on", async () => {
  const errors: unknown[] = [];
  let runs = 0;
  const task = new PeriodicTask(5, async () => {
    runs++;
    throw new Error("boom");
  }, (e) => errors.push(e));
  task.start();
  await Bun.sleep(60);
  await task.stop();
  expect(runs).toBeGreaterThan(2);
  expect(errors.length).toBe(runs);
});
