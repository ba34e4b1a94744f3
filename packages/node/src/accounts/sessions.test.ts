import { describe, expect, test } from "bun:test";
import { FailureLimiter } from "./failure-limiter.ts";
import { SessionTable } from "./sessions.ts";

describe("SessionTable", () => {
  test("ids are 256 random bits; a session ends when idle too long, too old, or closed", () => {
    let now = 0;
    const table = new SessionTable({ idleMs: 100, maxAgeMs: 250, now: () => now });
    const id = table.open("alice", "hash");
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(table.open("alice", "hash")).not.toBe(id);
    now = 90;
    expect(table.get(id)?.user).toBe("alice");
    now = 180; // 90 ms since last seen: still alive
    expect(table.get(id)?.user).toBe("alice");
    now = 260; // past the absolute limit
    expect(table.get(id)).toBeUndefined();
    const other = table.open("bob", "h");
    now = 400; // idle 140 ms
    expect(table.get(other)).toBeUndefined();
    const closed = table.open("carol", "h");
    table.close(closed);
    expect(table.get(closed)).toBeUndefined();
  });

  test("bounded: past maxSessions the least recently used goes first", () => {
    const table = new SessionTable({ maxSessions: 2 });
    const a = table.open("a", "h");
    const b = table.open("b", "h");
    table.get(a); // a used more recently than b
    const c = table.open("c", "h");
    expect(table.size).toBe(2);
    expect(table.get(b)).toBeUndefined();
    expect(table.get(a)?.user).toBe("a");
    expect(table.get(c)?.user).toBe("c");
  });
});

describe("FailureLimiter", () => {
  test("a key past its failures is refused until its window ends", () => {
    let now = 0;
    const limiter = new FailureLimiter({ limit: 2, windowMs: 1000, now: () => now });
    limiter.fail("k");
    expect(limiter.blockedFor("k")).toBe(0);
    limiter.fail("k");
    now = 300;
    expect(limiter.blockedFor("k")).toBe(700);
    now = 1000;
    expect(limiter.blockedFor("k")).toBe(0);
  });

  test("bounded: at most maxKeys keys, the oldest dropped", () => {
    const limiter = new FailureLimiter({ limit: 1, windowMs: 1000, maxKeys: 2, now: () => 0 });
    for (const k of ["a", "b", "c"]) limiter.fail(k);
    expect(limiter.blockedFor("a")).toBe(0);
    expect(limiter.blockedFor("b")).toBe(1000);
    expect(limiter.blockedFor("c")).toBe(1000);
  });
});
