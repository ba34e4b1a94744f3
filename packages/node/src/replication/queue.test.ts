import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testMember } from "../membership/test-member.ts";
import { openDatabase } from "../store/db.ts";
import { backoffDelay } from "../util/backoff.ts";
import { TokenBucket } from "../util/token-bucket.ts";
import { decideQueueRow } from "./queue-decision.ts";
import { MemoryReplicationQueue } from "./memory-queue.ts";
import { SqliteReplicationQueue } from "./queue.ts";
import { runQueueTests } from "./queue.case.ts";

const member = testMember;

runQueueTests("sqlite", () => {
  const dir = mkdtempSync(join(tmpdir(), "orrery-queue-"));
  const path = join(dir, "db.sqlite");
  const dbs = [openDatabase(path)];
  return {
    queue: new SqliteReplicationQueue(dbs[0]!),
    reopen: () => {
      dbs[0]!.close();
      dbs[0] = openDatabase(path);
      return new SqliteReplicationQueue(dbs[0]);
    },
    close: () => {
      dbs[0]!.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

runQueueTests("memory", () => {
  const queue = new MemoryReplicationQueue();
  return { queue, reopen: () => queue };
});

describe("decideQueueRow", () => {
  test("delivers to a live owner, waits for dead or suspect or unknown, drops for left or non-owner", () => {
    expect(decideQueueRow(member("n2", "alive"), ["n1", "n2"], "n1").kind).toBe("deliver");
    expect(decideQueueRow(member("n2", "dead"), ["n1"], "n1").kind).toBe("wait");
    expect(decideQueueRow(member("n2", "suspect"), ["n1", "n2"], "n1").kind).toBe("wait");
    expect(decideQueueRow(undefined, ["n1"], "n1").kind).toBe("wait");
    expect(decideQueueRow(member("n2", "left"), ["n1", "n2"], "n1").kind).toBe("drop");
    expect(decideQueueRow(member("n2", "alive"), ["n1", "n3"], "n1").kind).toBe("drop");
    expect(decideQueueRow(member("n1", "alive"), ["n1"], "n1").kind).toBe("drop");
  });
});

describe("backoff and bandwidth", () => {
  test("backoff grows exponentially up to the cap, with jitter", () => {
    expect(backoffDelay(0, 100, 10_000, () => 0.999)).toBeLessThanOrEqual(100);
    expect(backoffDelay(3, 100, 10_000, () => 0.999)).toBe(799);
    expect(backoffDelay(30, 100, 10_000, () => 0.999)).toBe(9990);
    expect(backoffDelay(5, 100, 10_000, () => 0)).toBe(50);
  });

  test("token bucket makes callers wait in proportion to bytes over the rate", () => {
    let t = 0;
    const b = new TokenBucket(1000, 1000, () => t);
    expect(b.take(1000)).toBe(0);
    expect(b.take(500)).toBe(500);
    t = 1500;
    expect(b.take(500)).toBe(0);
  });
});
