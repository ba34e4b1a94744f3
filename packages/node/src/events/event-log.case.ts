// The conformance suite every EventLog passes: each implementation's test file calls runEventLogTests.
import { describe, expect, test } from "bun:test";
import type { EventLog, NewEvent } from "./event-log.ts";

export type NewEventLog = (capacity: number) => EventLog;

const event = (i: number, over: Partial<NewEvent> = {}): NewEvent => ({ at: 1000 + i, type: "join", node: "n1", member: `m${i}`, message: `m${i} joined`, ...over });

export function runEventLogTests(name: string, make: NewEventLog): void {
  describe(`${name} (EventLog conformance)`, () => {
    test("appends with growing sequence numbers and answers the newest, oldest first", () => {
      const log = make(10);
      const a = log.append(event(1));
      const b = log.append(event(2, { type: "dead", message: "m2 was declared dead" }));
      expect(b.seq).toBeGreaterThan(a.seq);
      expect(log.recent(10)).toEqual([a, b]);
      expect(log.recent(1)).toEqual([b]);
      expect(log.recent(0)).toEqual([]);
    });

    test("keeps only the newest `capacity` events", () => {
      const log = make(3);
      for (let i = 1; i <= 7; i++) log.append(event(i));
      expect(log.recent(100).map((e) => e.member)).toEqual(["m5", "m6", "m7"]);
    });

    test("an event about no member keeps no member field", () => {
      const log = make(5);
      const e = log.append({ at: 5, type: "rebalance", node: "n2", message: "replication queue drained" });
      expect(e).not.toHaveProperty("member");
      expect(log.recent(1)).toEqual([{ seq: e.seq, at: 5, type: "rebalance", node: "n2", message: "replication queue drained" }]);
    });
  });
}
