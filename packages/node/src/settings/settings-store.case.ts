// The conformance suite every SettingsStore passes (memory and SQLite).
import { describe, expect, test } from "bun:test";
import type { SettingsRecord } from "./cluster-settings.ts";
import type { SettingsStore } from "./settings-store.ts";

const record = (version: string, replicationFactor: number): SettingsRecord => ({ values: { replicationFactor }, version });

/** `durable`: the store outlives its process (reopen opens the same data). */
export function runSettingsStoreTests(name: string, open: () => { store: SettingsStore; reopen?: () => SettingsStore }, durable: boolean): void {
  describe(`SettingsStore: ${name}`, () => {
    test("holds nothing at first, then the newest record offered, whatever the order", () => {
      const { store } = open();
      expect(store.get()).toBeUndefined();
      expect(store.offer(record("018f00000001000000@b", 2))).toBe(true);
      expect(store.offer(record("018f00000000000000@a", 5))).toBe(false);
      expect(store.offer(record("018f00000001000000@b", 2))).toBe(false);
      expect(store.get()).toEqual(record("018f00000001000000@b", 2));
      expect(store.offer(record("018f00000001000001@a", 3))).toBe(true);
      expect(store.get()).toEqual(record("018f00000001000001@a", 3));
    });

    test("a record held is a copy: changing the offered object changes nothing", () => {
      const { store } = open();
      const r = record("018f00000001000000@b", 2);
      store.offer(r);
      r.values.replicationFactor = 7;
      expect(store.get()?.values.replicationFactor).toBe(2);
    });

    if (durable) {
      test("what was kept is there after a reopen", () => {
        const { store, reopen } = open();
        store.offer(record("018f00000001000000@b", 2));
        expect(reopen!().get()).toEqual(record("018f00000001000000@b", 2));
      });
    }
  });
}
