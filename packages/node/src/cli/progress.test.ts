import { describe, expect, test } from "bun:test";
import { Progress } from "./progress.ts";

function fakeProgress(enabled: boolean, total?: number) {
  let now = 1_000;
  const written: string[] = [];
  const progress = new Progress({ label: "/a.bin", total, enabled, write: (t) => written.push(t), columns: () => 100, now: () => now });
  return { progress, written, advance: (ms: number) => (now += ms) };
}

describe("Progress", () => {
  test("redraws in place at most every 100 ms and erases itself at the end", () => {
    const { progress, written, advance } = fakeProgress(true, 1000);
    advance(150);
    progress.update(100);
    advance(10);
    progress.update(200); // too soon: no redraw
    advance(100);
    progress.update(300);
    expect(written).toHaveLength(2);
    expect(written.every((w) => w.startsWith("\r\x1b[2K/a.bin"))).toBe(true);
    expect(written[1]).toContain(" 30%");
    advance(40);
    expect(progress.end()).toBe(300);
    expect(written.at(-1)).toBe("\r\x1b[2K");
  });
  test("rate is bytes over the recent window", () => {
    const { progress, advance } = fakeProgress(true, 10_000);
    advance(1000);
    progress.update(1000);
    expect(progress.rate()).toBeCloseTo(1000);
    advance(5000);
    progress.update(1500);
    advance(1000);
    progress.update(2500);
    // Samples older than 3 s are dropped: the last second's 1000 B/s, not the long-run average.
    expect(progress.rate()).toBeCloseTo(1000);
  });
  test("disabled (not a TTY, or --json): writes nothing", () => {
    const { progress, written, advance } = fakeProgress(false, 10);
    advance(500);
    progress.update(5);
    progress.end();
    expect(written).toEqual([]);
    expect(progress.bytes).toBe(5);
  });
});
