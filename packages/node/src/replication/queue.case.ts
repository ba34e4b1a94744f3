// The conformance suite of ReplicationQueue (queue.test.ts runs it on the SQLite and the memory queue).
import { describe, expect, test } from "bun:test";
import type { ReplicationQueue } from "./queue.ts";

const id = (c: string) => c.repeat(64);

/** `make` gives a fresh queue and a way to reopen it (a restart: the same rows, new object). */
export function runQueueTests(name: string, make: () => { queue: ReplicationQueue; reopen: () => ReplicationQueue; close?: () => void }): void {
  describe(`ReplicationQueue conformance: ${name}`, () => {
    test("rows survive a reopen (a crash or restart)", () => {
      const { queue, reopen, close } = make();
      queue.enqueue(
        [
          { chunkId: id("a"), target: "n2" },
          { chunkId: id("a"), target: "n3" },
          { chunkId: id("b"), target: "n2" },
        ],
        1000,
      );
      const q = reopen();
      expect(q.depth()).toBe(3);
      expect(q.depthByTarget()).toEqual({ n2: 2, n3: 1 });
      expect(q.chunksWithPendingCopies()).toBe(2);
      expect(q.due(999, 10)).toEqual([]);
      expect(q.due(1000, 10).length).toBe(3);
      close?.();
    });

    test("a copy queued twice keeps one row with the earliest due time and its attempts; remove deletes it", () => {
      const { queue: q, close } = make();
      q.enqueue([{ chunkId: id("c"), target: "n2" }], 5000);
      q.enqueue([{ chunkId: id("c"), target: "n2" }], 3000);
      q.enqueue([{ chunkId: id("c"), target: "n2" }], 9000);
      expect(q.depth()).toBe(1);
      const [row] = q.due(3000, 10);
      expect(row).toEqual({ chunkId: id("c"), target: "n2", attempts: 0, nextAttemptAt: 3000, lastError: null });
      expect(q.nextDueAt()).toBe(3000);
      q.reschedule(row!, 8000, "boom");
      expect(q.nextDueAt()).toBe(8000);
      expect(q.due(7999, 10)).toEqual([]);
      q.enqueue([{ chunkId: id("c"), target: "n2" }], 9000);
      const [again] = q.due(8000, 10);
      expect(again).toEqual({ chunkId: id("c"), target: "n2", attempts: 1, nextAttemptAt: 8000, lastError: "boom" });
      q.remove(id("c"), "n2");
      expect(q.depth()).toBe(0);
      expect(q.nextDueAt()).toBeUndefined();
      q.reschedule(again!, 1, null); // a row removed meanwhile stays removed
      expect(q.depth()).toBe(0);
      close?.();
    });

    test("due rows come earliest first, ties in the order queued, limited", () => {
      const { queue: q, close } = make();
      for (let i = 0; i < 10; i++) q.enqueue([{ chunkId: id(String(i)), target: "x" }], 100 - i);
      expect(q.due(1000, 3).map((r) => r.nextAttemptAt)).toEqual([91, 92, 93]);
      q.enqueue([{ chunkId: id("e"), target: "y" }, { chunkId: id("d"), target: "y" }], 50);
      expect(q.due(50, 10).map((r) => r.chunkId)).toEqual([id("e"), id("d")]);
      close?.();
    });

    test("removeMany removes exactly the given rows; listeners hear every enqueue until they unsubscribe", () => {
      const { queue: q, close } = make();
      let heard = 0;
      const off = q.onEnqueue(() => heard++);
      q.enqueue([{ chunkId: id("a"), target: "n1" }, { chunkId: id("a"), target: "n2" }, { chunkId: id("b"), target: "n1" }], 0);
      q.enqueue([], 0);
      expect(heard).toBe(1);
      q.removeMany([{ chunkId: id("a"), target: "n1" }, { chunkId: id("b"), target: "n1" }, { chunkId: id("z"), target: "n1" }]);
      expect(q.due(0, 10).map((r) => `${r.chunkId[0]}${r.target}`)).toEqual(["an2"]);
      off();
      q.enqueue([{ chunkId: id("f"), target: "n1" }], 0);
      expect(heard).toBe(1);
      close?.();
    });
  });
}
