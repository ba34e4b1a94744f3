import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testMember } from "../membership/test-member.ts";
import { openDatabase } from "../store/db.ts";
import { backoffDelay } from "../util/backoff.ts";
import { TokenBucket } from "../util/token-bucket.ts";
import { decideQueueRow } from "./queue-decision.ts";
import { ReplicationQueue } from "./queue.ts";

const member = testMember;

describe("ReplicationQueue", () => {
  test("rows survive closing and reopening the database (a crash or restart)", () => {
    const dir = mkdtempSync(join(tmpdir(), "orrery-queue-"));
    try {
      const path = join(dir, "db.sqlite");
      let db = openDatabase(path);
      let q = new ReplicationQueue(db);
      q.enqueue(
        [
          { chunkId: "a".repeat(64), target: "n2" },
          { chunkId: "a".repeat(64), target: "n3" },
          { chunkId: "b".repeat(64), target: "n2" },
        ],
        1000,
      );
      db.close();
      db = openDatabase(path);
      q = new ReplicationQueue(db);
      expect(q.depth()).toBe(3);
      expect(q.depthByTarget()).toEqual({ n2: 2, n3: 1 });
      expect(q.due(999, 10)).toEqual([]);
      expect(q.due(1000, 10).length).toBe(3);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("enqueueing a copy twice keeps one row with the earliest due time; remove deletes it", () => {
    const q = new ReplicationQueue(openDatabase(":memory:"));
    const id = "c".repeat(64);
    q.enqueue([{ chunkId: id, target: "n2" }], 5000);
    q.enqueue([{ chunkId: id, target: "n2" }], 3000);
    q.enqueue([{ chunkId: id, target: "n2" }], 9000);
    expect(q.depth()).toBe(1);
    const [row] = q.due(3000, 10);
    expect(row!.nextAttemptAt).toBe(3000);
    q.reschedule(row!, 8000, "boom");
    const [again] = q.due(8000, 10);
    expect(again!.attempts).toBe(1);
    expect(again!.lastError).toBe("boom");
    q.remove(id, "n2");
    expect(q.depth()).toBe(0);
  });

  test("due rows come oldest first, limited", () => {
    const q = new ReplicationQueue(openDatabase(":memory:"));
    for (let i = 0; i < 10; i++) q.enqueue([{ chunkId: String(i).repeat(64), target: "x" }], 100 - i);
    const due = q.due(1000, 3);
    expect(due.map((r) => r.nextAttemptAt)).toEqual([91, 92, 93]);
  });
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

  test("a row for a full member is dropped and redirected to the owners that took its place", () => {
    const full = { ...member("n2", "alive"), full: true };
    expect(decideQueueRow(full, ["n1", "n3", "n4"], "n1")).toMatchObject({ kind: "drop", redirect: true });
    expect(decideQueueRow({ ...full, state: "suspect" }, ["n1", "n3", "n4"], "n1")).toMatchObject({ kind: "drop", redirect: true });
    // Dead first: it may come back with room, and then it is an owner again.
    expect(decideQueueRow({ ...full, state: "dead" }, ["n1", "n3", "n4"], "n1").kind).toBe("wait");
    expect(decideQueueRow(member("n2", "alive"), ["n1", "n3"], "n1")).not.toHaveProperty("redirect");
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
