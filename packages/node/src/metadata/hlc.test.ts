import { describe, expect, test } from "bun:test";
import { OrreryError } from "../errors.ts";
import { compareVersions, formatVersion, HybridClock, MAX_COUNTER, MAX_WALL, parseVersion, versionSchema } from "./hlc.ts";
import { FakeTime, seededRandom } from "./test-fixtures.ts";

describe("version strings", () => {
  test("format: 12 hex ms + 6 hex counter + @ + node id, and parse is its inverse", () => {
    const v = formatVersion({ wall: 0x18f3a2b4c5d, counter: 7, nodeId: "node-1" });
    expect(v).toBe("018f3a2b4c5d000007@node-1");
    expect(parseVersion(v)).toEqual({ wall: 0x18f3a2b4c5d, counter: 7, nodeId: "node-1" });
    expect(versionSchema.safeParse(v).success).toBe(true);
  });

  test("string order equals (wall, counter, node id) order", () => {
    const rand = seededRandom(42);
    const ids = ["a", "ab", "b", "B", "node-1", "node_2", "n.3", "Z9"];
    const versions = Array.from({ length: 500 }, () => ({
      wall: Math.floor(rand() * 4) * 2 ** Math.floor(rand() * 44),
      counter: rand() < 0.5 ? Math.floor(rand() * 3) : Math.floor(rand() * (MAX_COUNTER + 1)),
      nodeId: ids[Math.floor(rand() * ids.length)]!,
    }));
    const tuple = (a: (typeof versions)[0], b: (typeof versions)[0]) =>
      a.wall - b.wall || a.counter - b.counter || (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0);
    for (let i = 0; i + 1 < versions.length; i++) {
      const [a, b] = [versions[i]!, versions[i + 1]!];
      expect(Math.sign(compareVersions(formatVersion(a), formatVersion(b)))).toBe(Math.sign(tuple(a, b)));
    }
  });

  test("out-of-range parts cannot be formatted", () => {
    expect(() => formatVersion({ wall: MAX_WALL + 1, counter: 0, nodeId: "n" })).toThrow(/wall/);
    expect(() => formatVersion({ wall: 1, counter: MAX_COUNTER + 1, nodeId: "n" })).toThrow(/counter/);
    expect(() => formatVersion({ wall: -1, counter: 0, nodeId: "n" })).toThrow(/wall/);
  });

  test("malformed versions are rejected", () => {
    for (const bad of ["", "018f3a2b4c5d000007", "018F3A2B4C5D000007@n", "18f3a2b4c5d000007@n", "018f3a2b4c5d000007@", "018f3a2b4c5d000007@a b", "018f3a2b4c5d000007@__proto__"]) {
      expect(versionSchema.safeParse(bad).success).toBe(false);
      expect(() => parseVersion(bad)).toThrow(OrreryError);
    }
  });
});

describe("HybridClock", () => {
  test("ticks are strictly increasing, also when the wall clock stalls or goes back", () => {
    const time = new FakeTime(1_000_000);
    const clock = new HybridClock("n1", time.now);
    let last = clock.tick();
    expect(parseVersion(last)).toEqual({ wall: 1_000_000, counter: 0, nodeId: "n1" });
    for (const step of [0, 0, 5, -3000, 0, 1, -1, 10_000]) {
      time.advance(step);
      const v = clock.tick();
      expect(compareVersions(v, last)).toBe(1);
      last = v;
    }
    // After the clock went back, the counter carried the order; real time moving on resets it.
    expect(parseVersion(last)).toEqual({ wall: time.ms, counter: 0, nodeId: "n1" });
  });

  test("a counter exhausted within one millisecond borrows the next one", () => {
    const clock = new HybridClock("n1", () => 5);
    clock.restore(formatVersion({ wall: 5, counter: MAX_COUNTER, nodeId: "other" }));
    const v = clock.tick();
    expect(parseVersion(v)).toEqual({ wall: 6, counter: 0, nodeId: "n1" });
  });

  test("after observing a remote version, the next tick is greater", () => {
    const time = new FakeTime(1_000_000);
    const a = new HybridClock("a", time.now);
    const b = new HybridClock("b", () => time.ms - 30_000); // b's clock is 30 s behind
    const va = a.tick();
    expect(compareVersions(b.tick(), va)).toBe(-1); // without observing, b would lose
    b.observe(va);
    const vb = b.tick();
    expect(compareVersions(vb, va)).toBe(1);
    expect(parseVersion(vb).wall).toBe(1_000_000);
    // Same wall and counter, smaller node id: still greater after observing.
    const c = new HybridClock("0", time.now);
    c.observe(formatVersion({ wall: 1_000_000, counter: 9, nodeId: "zzz" }));
    expect(compareVersions(c.tick(), "000000000000000000@zzz")).toBe(1);
    expect(parseVersion(c.last()).counter).toBe(10);
  });

  test("versions more than the allowed drift in the future are refused and do not move the clock", () => {
    const time = new FakeTime(10_000_000);
    const clock = new HybridClock("n1", time.now, { maxDriftMs: 60_000 });
    const before = clock.tick();
    const farFuture = formatVersion({ wall: time.ms + 60_001, counter: 0, nodeId: "evil" });
    let caught: unknown;
    try {
      clock.observe(farFuture);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(OrreryError);
    expect((caught as OrreryError).code).toBe("clock_skew");
    expect((caught as OrreryError).message).toMatch(/ahead of this node's clock/);
    expect(() => clock.check(farFuture)).toThrow(/ahead/);
    expect(clock.last()).toBe(before);
    // Within the bound: accepted, and our clock moves forward to it.
    const nearFuture = formatVersion({ wall: time.ms + 60_000, counter: 3, nodeId: "ok" });
    clock.observe(nearFuture);
    expect(compareVersions(clock.tick(), nearFuture)).toBe(1);
    // The default bound is one hour.
    const hourly = new HybridClock("n2", time.now);
    expect(() => hourly.observe(formatVersion({ wall: time.ms + 3_600_001, counter: 0, nodeId: "x" }))).toThrow(/ahead/);
    hourly.observe(formatVersion({ wall: time.ms + 3_599_000, counter: 0, nodeId: "x" }));
  });

  test("rejects node ids a version cannot carry", () => {
    expect(() => new HybridClock("has space", Date.now)).toThrow(/node id/);
    expect(() => new HybridClock("__proto__", Date.now)).toThrow(/node id/);
    expect(() => new HybridClock("x".repeat(65), Date.now)).toThrow(/node id/);
  });
});
