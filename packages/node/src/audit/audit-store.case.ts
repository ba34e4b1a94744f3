// The conformance suite every AuditStore passes (memory and SQLite).
import { describe, expect, test } from "bun:test";
import { formatVersion } from "../metadata/hlc.ts";
import type { AuditStore } from "./audit-store.ts";
import type { AuditRecord } from "./records.ts";

export const auditRecord = (wall: number, over: Partial<AuditRecord> = {}, node = "n1"): AuditRecord => ({
  id: formatVersion({ wall, counter: 0, nodeId: node }), at: wall, actor: "alice", action: "delete", target: `/home/alice/f${wall}`,
  via: "api", address: "127.0.0.1", node, detail: {}, ...over,
});

export function runAuditStoreTests(name: string, open: (keep: number) => { store: AuditStore; reopen?: (keep: number) => AuditStore }): void {
  describe(`AuditStore: ${name}`, () => {
    test("keeps each record once and pages newest first, filtered by actor and action, from a cursor", () => {
      const { store } = open(100);
      const records = [1, 2, 3, 4, 5].map((w) => auditRecord(w, w % 2 ? {} : { actor: "bob", action: "login" }));
      expect(store.add(records)).toBe(5);
      expect(store.add(records.slice(0, 2))).toBe(0);
      expect(store.count).toBe(5);
      expect(store.page({ limit: 10 }).map((r) => r.at)).toEqual([5, 4, 3, 2, 1]);
      expect(store.page({ limit: 2 }).map((r) => r.at)).toEqual([5, 4]);
      expect(store.page({ limit: 10, before: records[3]!.id }).map((r) => r.at)).toEqual([3, 2, 1]);
      expect(store.page({ limit: 10, actor: "bob" }).map((r) => r.at)).toEqual([4, 2]);
      expect(store.page({ limit: 10, action: "delete" }).map((r) => r.at)).toEqual([5, 3, 1]);
      expect(store.page({ limit: 10, action: "delete", actor: "bob" })).toEqual([]);
      expect(store.page({ limit: 1 })[0]).toEqual(records[4]!);
      expect(store.get([records[1]!.id, "nope", records[0]!.id]).map((r) => r.at)).toEqual([2, 1]);
    });

    test("holds the newest `keep`: older ones are collected, and one older than all of them is refused once full", () => {
      const { store, reopen } = open(3);
      store.add([1, 2, 3, 4].map((w) => auditRecord(w)));
      expect(store.ids()).toEqual([4, 3, 2].map((w) => auditRecord(w).id));
      expect(store.add([auditRecord(1)])).toBe(0);
      expect(store.add([auditRecord(5), auditRecord(3, {}, "n2")])).toBe(2);
      expect(store.page({ limit: 10 }).map((r) => [r.at, r.node])).toEqual([[5, "n1"], [4, "n1"], [3, "n2"]]);
      if (reopen) {
        // A lower bound at the next start collects the surplus.
        const again = reopen(2);
        expect(again.count).toBe(2);
        expect(again.ids()).toEqual([5, 4].map((w) => auditRecord(w).id));
      }
    });

    test("equal sets have equal digests, whatever order they arrived in", () => {
      const a = open(10).store;
      const b = open(10).store;
      a.add([1, 2, 3].map((w) => auditRecord(w)));
      b.add([3, 1].map((w) => auditRecord(w)));
      expect(a.digest()).not.toBe(b.digest());
      b.add([auditRecord(2)]);
      expect(a.digest()).toBe(b.digest());
    });
  });
}
