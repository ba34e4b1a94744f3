import { describe, expect, test } from "bun:test";
import type { Logger } from "../log.ts";
import { capacityBytes, ringWeight } from "./capacity.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { decideFull, FullnessMonitor, fullnessThresholds } from "./fullness.ts";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const MiB = 1024 * 1024;

describe("store fullness", () => {
  test("full below one chunk of room; room again only past the margin (no flapping at the threshold)", () => {
    const t = fullnessThresholds(4 * MiB, 2e12);
    expect(t).toEqual({ fullBelow: 4 * MiB, roomAbove: 1024 ** 3 });
    expect(decideFull(false, 4 * MiB, t)).toBe(false);
    expect(decideFull(false, 4 * MiB - 1, t)).toBe(true);
    expect(decideFull(true, 100 * MiB, t)).toBe(true);
    expect(decideFull(true, 1024 ** 3, t)).toBe(false);
    // A small store: four chunks of margin.
    expect(fullnessThresholds(MiB, 10 * MiB)).toEqual({ fullBelow: MiB, roomAbove: 4 * MiB });
  });

  test("the monitor reports each change once", () => {
    let headroom = 10 * MiB;
    const changes: boolean[] = [];
    const monitor = new FullnessMonitor(
      { intervalMs: 1000, thresholds: () => fullnessThresholds(MiB, 100 * MiB) },
      { headroom: () => headroom, onChange: (full) => changes.push(full), log: quiet },
    );
    expect(monitor.full).toBe(false);
    headroom = MiB / 2;
    expect(monitor.check()).toBe(true);
    expect(monitor.check()).toBe(true);
    headroom = 2 * MiB;
    expect(monitor.check()).toBe(true);
    headroom = 4 * MiB;
    expect(monitor.check()).toBe(false);
    expect(changes).toEqual([true, false]);
    // A store that starts without room starts full, without a change to report.
    headroom = 0;
    expect(new FullnessMonitor({ intervalMs: 1000, thresholds: () => fullnessThresholds(MiB, MiB) }, { headroom: () => headroom, onChange: () => changes.push(true), log: quiet }).full).toBe(true);
    expect(changes).toEqual([true, false]);
  });

  test("checks space out while the store has ample room, and come back to every interval when room runs low", async () => {
    const clock = new ManualClock();
    const GiB = 1024 ** 3;
    let headroom = 100 * GiB;
    let reads = 0;
    const monitor = new FullnessMonitor(
      { intervalMs: 1000, thresholds: () => fullnessThresholds(4 * MiB, 200 * GiB) },
      { headroom: () => (reads++, headroom), onChange: () => {}, log: quiet, clock },
    );
    monitor.start();
    reads = 0;
    for (let i = 0; i < 60; i++) await clock.advance(1000);
    const ample = reads;
    expect(ample).toBeLessThan(20); // 1, 2, 4, 6, 6 ... s apart: 12 checks in a minute instead of 60
    headroom = 10 * GiB; // within 16 GiB of the thresholds: every second again, after the wait in progress
    for (let i = 0; i < 6; i++) await clock.advance(1000);
    reads = 0;
    for (let i = 0; i < 10; i++) await clock.advance(1000);
    expect(reads).toBeGreaterThanOrEqual(9);
    await monitor.stop();
  });

  test("the thresholds follow the chunk size in force (a live setting): room for a 1 MiB chunk is none for an 8 MiB one", () => {
    let chunkSize = MiB;
    const changes: boolean[] = [];
    const monitor = new FullnessMonitor(
      { intervalMs: 1000, thresholds: () => fullnessThresholds(chunkSize, 100 * MiB) },
      { headroom: () => 6 * MiB, onChange: (full) => changes.push(full), log: quiet },
    );
    expect(monitor.full).toBe(false);
    chunkSize = 8 * MiB;
    expect(monitor.check()).toBe(true);
    chunkSize = MiB;
    expect(monitor.check()).toBe(false); // 6 MiB of room is past four 1 MiB chunks
    expect(changes).toEqual([true, false]);
  });
});

describe("capacity", () => {
  const disk = () => 2e12;
  test("CAPACITY_GB, else STORE_QUOTA_MB, else the disk; nothing with STORAGE=off", () => {
    expect(capacityBytes({ STORAGE: "on", CAPACITY_GB: 500, STORE_QUOTA_MB: 1 }, disk)).toBe(500e9);
    expect(capacityBytes({ STORAGE: "on", STORE_QUOTA_MB: 1 }, disk)).toBe(MiB);
    expect(capacityBytes({ STORAGE: "on" }, disk)).toBe(2e12);
    expect(capacityBytes({ STORAGE: "off", CAPACITY_GB: 500 }, disk)).toBe(0);
  });

  test("the ring weight is GB, bounded as the wire format wants; 0 only for no storage", () => {
    expect(ringWeight(2e12)).toBe(2000);
    expect(ringWeight(MiB)).toBeCloseTo(0.001048576, 9);
    expect(ringWeight(1)).toBe(1e-6);
    expect(ringWeight(1e30)).toBe(1e6);
    expect(ringWeight(0)).toBe(0);
  });
});
