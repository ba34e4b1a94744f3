// The manifest rings a node still counts for quorums beside the current one, and when it stops counting them:
// once every owner of the current ring announces it has pulled its arcs from their previous owners (the
// `ringSynced` tracker of its member record, Garage's `sync_ack`), or, as a safety valve against a member that
// never reports (dead, or an older version without trackers), once the settle window has passed. Pure.
import type { Hash64, Ring } from "../ring/index.ts";

export interface RememberedRing {
  ring: Ring;
  factor: number;
  /** Its ring version (ringVersion), what a member's tracker names. */
  version: string;
  replacedAt: number;
}

/**
 * The identifier every node computes alike for the same manifest placement: the factor in force and the ring's
 * layout (member ids, weights and zones, sorted; fullness does not move manifest owners). 16 hex digits.
 */
export function ringVersion(hash: Hash64, factor: number, layoutKey: string): string {
  return hash(`manifest-ring|${factor}|${layoutKey}`).toString(16).padStart(16, "0");
}

/** How the replaced rings were let go: by the owners' trackers, or by age (the valve). */
export interface RetiredCounts {
  bySync: number;
  byAge: number;
}

export class RingHistory {
  /** Rings replaced within the settle window and not yet retired by sync, newest last. */
  entries: RememberedRing[] = [];
  readonly retired: RetiredCounts = { bySync: 0, byAge: 0 };

  constructor(private readonly onAgedOut: (rings: readonly RememberedRing[]) => void = () => {}) {}

  remember(entry: RememberedRing): void {
    this.entries.push(entry);
  }

  /** Drops the rings replaced before `since` (the valve): their owners' trackers did not all report in time. */
  forgetOlderThan(since: number): void {
    if (this.entries.length === 0 || this.entries[0]!.replacedAt >= since) return;
    const aged = this.entries.filter((h) => h.replacedAt < since);
    this.entries = this.entries.filter((h) => h.replacedAt >= since);
    this.retired.byAge += aged.length;
    this.onAgedOut(aged);
  }

  /**
   * Drops every replaced ring when each of `owners` (the current ring's members) announces `current` synced:
   * each has then pulled every arc it owns from the arcs' owners under the rings it replaced, so a quorum of the
   * current ring alone meets every quorum write acknowledged under them. Returns how many were dropped.
   */
  retireSynced(current: string, owners: readonly string[], syncedOf: (id: string) => string | undefined): number {
    if (this.entries.length === 0 || owners.length === 0) return 0;
    if (!owners.every((id) => syncedOf(id) === current)) return 0;
    const n = this.entries.length;
    this.entries = [];
    this.retired.bySync += n;
    return n;
  }

  /** The owners of the current ring whose trackers do not name `current` yet (what a log line about the valve names). */
  static unsynced(current: string, owners: readonly string[], syncedOf: (id: string) => string | undefined): string[] {
    return owners.filter((id) => syncedOf(id) !== current);
  }
}
