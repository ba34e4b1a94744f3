// Background scrub: re-hashes every stored chunk at a bounded rate. A copy that no longer matches its
// name is quarantined by the store; the scrubber then restores it from a good replica (if this node
// still owns the chunk) so the client never meets the bad copy.
import { ChunkCorruptError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { inlineProblem } from "../metadata/inline-content.ts";
import type { Manifest, ManifestKind } from "../metadata/manifest.ts";
import type { ManifestStore } from "../metadata/manifest-store.ts";
import type { ChunkStorage } from "../store/chunk-storage.ts";
import { BackgroundWorker } from "../util/background-worker.ts";
import { type Clock, systemClock } from "../util/clock.ts";
import type { TokenBucket } from "../util/token-bucket.ts";
import type { ChunkReader } from "./chunk-reader.ts";
import type { Placement } from "./placement.ts";

export interface ScrubberInit {
  /** Pause between full passes. */
  pauseMs: number;
  pageSize: number;
}

export interface ScrubberComponents {
  selfId: string;
  store: ChunkStorage;
  /** The rows of small files kept inline are verified too (their bytes against their SHA-256). */
  manifests?: ManifestStore;
  /** Puts back a damaged inline row from its owners (inline-repair.ts); resolves whether it is sound again. */
  repairInline?: (row: Manifest) => Promise<boolean>;
  reader: ChunkReader;
  placement: Placement;
  bandwidth: TokenBucket;
  log: Logger;
  clock?: Clock;
}

export interface ScrubStats {
  passes: number;
  checked: number;
  corrupt: number;
  repaired: number;
  /** Rows of small files kept inline verified, found damaged, and put back. */
  inlineChecked: number;
  inlineCorrupt: number;
  inlineRepaired: number;
  lastPassStartedAt: number | null;
  lastPassFinishedAt: number | null;
}

export class Scrubber {
  readonly worker: BackgroundWorker;
  private readonly clock: Clock;
  readonly stats: ScrubStats = {
    passes: 0, checked: 0, corrupt: 0, repaired: 0, inlineChecked: 0, inlineCorrupt: 0, inlineRepaired: 0, lastPassStartedAt: null, lastPassFinishedAt: null,
  };

  constructor(
    private readonly init: ScrubberInit,
    private readonly c: ScrubberComponents,
  ) {
    this.clock = c.clock ?? systemClock;
    this.worker = new BackgroundWorker({ name: "scrubber", intervalMs: init.pauseMs, firstDelayMs: 0, clock: this.clock, log: c.log }, () => this.pass());
  }

  start(): void {
    this.worker.start();
  }

  stop(): Promise<void> {
    return this.worker.stop();
  }

  /** One full pass over the local chunks. */
  async pass(): Promise<void> {
    const { store, log } = this.c;
    this.stats.lastPassStartedAt = this.clock.now();
    let after: string | undefined;
    while (!this.worker.stopping) {
      const ids = store.ids(after, this.init.pageSize);
      if (ids.length === 0) break;
      for (const id of ids) {
        if (this.worker.stopping) return;
        await this.check(id);
      }
      after = ids[ids.length - 1];
    }
    await this.inlinePass();
    if (this.worker.stopping) return;
    this.stats.passes++;
    this.stats.lastPassFinishedAt = this.clock.now();
    log.debug("scrub pass finished", { ...this.stats });
  }

  /** The rows that keep a small file's bytes, a page at a time, at the same bounded rate as the chunks. */
  private async inlinePass(): Promise<void> {
    const { manifests, log } = this.c;
    if (!manifests) return;
    let after: { path: string; kind: ManifestKind } | undefined;
    while (!this.worker.stopping) {
      const rows = manifests.inlineRowsAfter(after, this.init.pageSize);
      if (rows.length === 0) return;
      for (const row of rows) {
        if (this.worker.stopping) return;
        this.stats.inlineChecked++;
        if (inlineProblem(row) === undefined) continue;
        this.stats.inlineCorrupt++;
        log.warn("scrub found a damaged small file's row", { path: `/${row.path}`, version: row.version });
        if (await this.c.repairInline?.(row)) this.stats.inlineRepaired++;
      }
      const wait = this.c.bandwidth.take(rows.reduce((n, r) => n + (r.inline?.length ?? 0), 0));
      if (wait > 0) await this.worker.sleep(wait);
      after = rows[rows.length - 1]!;
    }
  }

  private async check(id: string): Promise<void> {
    const { store, log } = this.c;
    try {
      const data = await store.get(id);
      this.stats.checked++;
      const wait = this.c.bandwidth.take(data.byteLength);
      if (wait > 0) await this.worker.sleep(wait);
    } catch (err) {
      if (!(err instanceof ChunkCorruptError)) {
        // Deleted meanwhile (hand-off, GC) or unreadable: not a corruption finding.
        log.debug("scrub skipped chunk", { chunk: id, err });
        return;
      }
      this.stats.corrupt++;
      log.warn("scrub found a corrupt copy", { chunk: id });
      if (!this.c.placement.keepers(id).includes(this.c.selfId)) return;
      try {
        const good = await this.c.reader.read(id);
        await store.put(id, good);
        this.stats.repaired++;
        log.info("scrub restored chunk from a replica", { chunk: id });
      } catch (repairErr) {
        log.error("scrub could not restore chunk; it stays under-replicated", { chunk: id, err: repairErr });
      }
    }
  }
}
