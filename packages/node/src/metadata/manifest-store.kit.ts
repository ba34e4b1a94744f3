// What the ManifestStore conformance suites share: the store factory's type, a store's whole content, and
// exchanges between stores (the delta sync without a transport).
import { expect } from "bun:test";
import { OrreryError } from "../errors.ts";
import type { Manifest } from "./manifest.ts";
import type { ManifestStore } from "./manifest-store.ts";
import { FakeTime } from "./test-fixtures.ts";

export type NewManifestStore = (nodeId: string, now: () => number) => ManifestStore;

/** Every row, tombstones included, in (origin, seq) order: the whole observable content of a store. */
export const dump = (s: ManifestStore) => s.changesSince({}, 1_000_000).entries;

/** One single-page exchange: `to` asks `from` for what it lacks, applies it, absorbs the marks. */
export function exchange(to: ManifestStore, from: ManifestStore): Manifest[] {
  const page = from.changesSince(to.marks(), 1_000_000);
  expect(page.more).toBe(false);
  to.apply(page.entries);
  to.absorbMarks(page.marks);
  return page.entries;
}

export function syncAll(stores: ManifestStore[]): void {
  for (const to of stores) for (const from of stores) if (to !== from) exchange(to, from);
}

export function expectConverged(stores: ManifestStore[]): void {
  const [first, ...rest] = stores;
  for (const s of rest) {
    expect(dump(s)).toEqual(dump(first!));
    expect(s.marks()).toEqual(first!.marks());
  }
}

export function thrown(fn: () => unknown): OrreryError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OrreryError);
    return err as OrreryError;
  }
  throw new Error("expected an OrreryError");
}

/** Three stores a, b, c sharing one fake time. */
export const trioOf = (newStore: NewManifestStore, time = new FakeTime()) => ["a", "b", "c"].map((id) => newStore(id, time.now)) as [ManifestStore, ManifestStore, ManifestStore];
