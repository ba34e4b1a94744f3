// Garbage collection of deleted data. Tombstones are purged only once every member that has not
// left has seen them (so no returning node can resurrect the file); chunks no live manifest
// references are deleted only when every member's manifests have converged with ours and the chunk
// has not been written for a while (an upload in progress writes chunks before its manifest).
import type { Logger } from "../log.ts";
import type { Manifest } from "../metadata/manifest.ts";
import type { ManifestStore, Marks } from "../metadata/manifest-store.ts";
import { markOf } from "../metadata/manifest-store.ts";
import { parseVersion } from "../metadata/hlc.ts";
import type { ChunkStorage } from "../store/chunk-storage.ts";
import type { ManifestReplicator } from "./manifest-replicator.ts";
import type { Placement } from "./placement.ts";
import { BackgroundWorker } from "../util/background-worker.ts";
import { type Clock, systemClock } from "../util/clock.ts";

export interface GarbageCollectorInit {
  intervalMs: number;
  /** A chunk written more recently than this is never collected. */
  minChunkAgeMs: number;
  /** A tombstone younger than this is kept even if everyone has seen it. */
  minTombstoneAgeMs: number;
}

export interface GarbageCollectorComponents {
  selfId: string;
  placement: Placement;
  manifests: ManifestStore;
  store: ChunkStorage;
  replicator: ManifestReplicator;
  log: Logger;
  clock?: Clock;
  /** Removes the versions past KEEP_VERSIONS / KEEP_DAYS (filesystem/file-versions.ts); their chunks then go as any others. */
  pruneVersions?: (now: number) => Promise<number>;
}

/** Every write `mine` covers is covered by `theirs` too (pure). */
export function marksCover(theirs: Marks, mine: Marks): boolean {
  return Object.entries(mine).every(([origin, seq]) => markOf(theirs, origin) >= seq);
}

/** A tombstone may go once every listed member's marks cover its write and it is old enough (pure). */
export function tombstoneCollectable(t: Manifest, peers: readonly Marks[], now: number, minAgeMs: number): boolean {
  if (!t.deleted) return false;
  if (now - parseVersion(t.version).wall < minAgeMs) return false;
  return peers.every((marks) => markOf(marks, t.origin) >= t.seq);
}

export interface GcStats {
  passes: number;
  skipped: string | null;
  chunksDeleted: number;
  tombstonesPurged: number;
  /** Versions removed for being past the limits (KEEP_VERSIONS, KEEP_DAYS). */
  versionsPruned: number;
  lastPassAt: number | null;
  /**
   * Copies on this node that no file references, still on disk after the last pass: too young to collect
   * (`minChunkAgeSeconds`), or the pass was skipped (`skipped` says why). What deleted files still take.
   * Null before the first pass has counted.
   */
  pendingChunks: number | null;
  minChunkAgeSeconds: number;
}

export class GarbageCollector {
  readonly worker: BackgroundWorker;
  private readonly clock: Clock;
  readonly stats: GcStats;

  constructor(
    private readonly init: GarbageCollectorInit,
    private readonly c: GarbageCollectorComponents,
  ) {
    this.clock = c.clock ?? systemClock;
    this.stats = {
      passes: 0,
      skipped: null,
      chunksDeleted: 0,
      tombstonesPurged: 0,
      versionsPruned: 0,
      lastPassAt: null,
      pendingChunks: null,
      minChunkAgeSeconds: Math.round(init.minChunkAgeMs / 1000),
    };
    this.worker = new BackgroundWorker({ name: "garbage-collector", intervalMs: init.intervalMs, clock: this.clock, log: c.log }, async () => void (await this.pass()));
  }

  start(): void {
    this.worker.start();
  }

  stop(): Promise<void> {
    return this.worker.stop();
  }

  async pass(): Promise<void> {
    const { placement, manifests, replicator, selfId, log } = this.c;
    const now = this.clock.now();
    this.stats.passes++;
    this.stats.lastPassAt = now;
    const peers = placement.members().filter((m) => m.id !== selfId && m.state !== "left");
    const away = peers.filter((m) => m.state !== "alive").map((m) => m.id);
    if (away.length > 0) {
      // A member that is down may hold old rows; until it is back (or has left), nothing is collected.
      this.stats.skipped = `members not alive: ${away.join(", ")}`;
      this.stats.pendingChunks = await this.walkUnreferenced(now, false);
      return;
    }
    // Only with every member up: a pruned version's tombstone must reach its owners like any write.
    if (this.c.pruneVersions) this.stats.versionsPruned += await this.c.pruneVersions(now);
    const started = this.clock.now();
    await Promise.all(peers.map((m) => replicator.syncWith(m.id).catch(() => 0)));
    const seen = peers.map((m) => replicator.peerMarks(m.id));
    if (seen.some((s) => !s || s.at < started)) {
      this.stats.skipped = "could not sync with every member";
      this.stats.pendingChunks = await this.walkUnreferenced(now, false);
      return;
    }
    const peerMarks = seen.map((s) => s!.marks);
    const purged = manifests.purgeTombstones(
      (t) => tombstoneCollectable(t, peerMarks, now, this.init.minTombstoneAgeMs),
      10_000,
    );
    this.stats.tombstonesPurged += purged;
    const mine = manifests.marks();
    if (!peerMarks.every((theirs) => marksCover(theirs, mine))) {
      this.stats.skipped = "manifests not converged yet";
      this.stats.pendingChunks = await this.walkUnreferenced(now, false);
      if (purged) log.info("tombstones purged", { purged });
      return;
    }
    const before = this.stats.chunksDeleted;
    this.stats.pendingChunks = await this.walkUnreferenced(now, true);
    const deleted = this.stats.chunksDeleted - before;
    this.stats.skipped = null;
    if (purged || deleted) log.info("garbage collected", { tombstones: purged, chunks: deleted });
  }

  /**
   * Walks this node's chunks for those no file references; with `collect`, deletes the ones old enough.
   * Returns how many unreferenced copies stay on disk (deleted ones counted in `stats.chunksDeleted`).
   */
  private async walkUnreferenced(now: number, collect: boolean): Promise<number> {
    const { store, manifests } = this.c;
    let pending = 0;
    let after: string | undefined;
    for (;;) {
      const ids = store.ids(after, 1000);
      if (ids.length === 0) break;
      // Asked per page of this node's chunks: memory in proportion to the page, not to every file's chunks.
      const referenced = manifests.referencedAmong(ids);
      for (const id of ids) {
        if (referenced.has(id)) continue;
        const storedAt = store.storedAt(id);
        const oldEnough = storedAt !== undefined && now - storedAt >= this.init.minChunkAgeMs;
        if (collect && oldEnough) {
          if (await store.delete(id)) this.stats.chunksDeleted++;
        } else if (storedAt !== undefined) {
          pending++;
        }
      }
      after = ids[ids.length - 1];
      await this.clock.sleep(0);
    }
    return pending;
  }
}
