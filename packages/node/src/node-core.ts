// The storage core of a node: every component that decides where data goes and keeps it there (write
// coordinator, chunk reader, replication queue worker, manifest replication and quorum reads, Paxos for
// conditional writes, placement check, surplus sweeper, chunk anti-entropy, scrub, garbage collection)
// and the FileSystem façade over them, built once from the config. It touches no socket, file or timer
// of its own: the store, the queue, the manifests, the peer RPC, the clock and the randomness are given,
// so node.ts runs it on disks and sockets and the simulator runs the very same code on memory and
// virtual time.
import type { Config } from "./config/index.ts";
import { Acceptor } from "./consensus/acceptor.ts";
import type { AcceptorStore } from "./consensus/acceptor-store.ts";
import { ConditionalWrites } from "./consensus/conditional-writes.ts";
import { FileSystem } from "./filesystem/file-system.ts";
import type { Logger } from "./log.ts";
import type { Member } from "./membership/types.ts";
import type { ManifestStore } from "./metadata/manifest-store.ts";
import { ChunkAntiEntropy } from "./replication/chunk-anti-entropy.ts";
import { ChunkFactors } from "./replication/chunk-factors.ts";
import { ChunkReader } from "./replication/chunk-reader.ts";
import { GarbageCollector } from "./replication/garbage-collector.ts";
import { childrenAnswer, getAnswer, newerAnswer, newerChildrenAnswer } from "./replication/manifest-answers.ts";
import { ManifestReads } from "./replication/manifest-reads.ts";
import { ManifestReplicator } from "./replication/manifest-replicator.ts";
import { ManifestRangeSync } from "./replication/manifest-range-sync.ts";
import { ManifestResync, type ManifestResyncInit, type ResyncPersistence } from "./replication/manifest-resync.ts";
import { PlacementCheck } from "./replication/placement-check.ts";
import { ReplicaCensus } from "./replication/replica-census.ts";
import { type EffectiveSettings, effectiveSettings, type SettingsDefaults, type VersioningSettings, versioningSettings } from "./settings/cluster-settings.ts";
import { FileVersions } from "./filesystem/file-versions.ts";
import { VersionedDirs } from "./replication/versioned-dirs.ts";
import { ChangeRelay } from "./replication/change-relay.ts";
import type { VersionLimits } from "./settings/folder-versioning.ts";
import { SettingsSync } from "./settings/cluster-settings-sync.ts";
import type { SettingsStore } from "./settings/settings-store.ts";
import type { Placement } from "./replication/placement.ts";
import type { ReplicationQueue } from "./replication/queue.ts";
import { QueueWorker } from "./replication/queue-worker.ts";
import { Scrubber } from "./replication/scrubber.ts";
import { repairInline } from "./replication/inline-repair.ts";
import { SurplusSweeper } from "./replication/surplus-sweeper.ts";
import { WriteCoordinator } from "./replication/write-coordinator.ts";
import type { JsonHandlers } from "./rpc/methods.ts";
import { coreHandlers } from "./node-core-handlers.ts";
import type { PeerRpc } from "./rpc/peer-rpc.ts";
import type { ChunkStorage } from "./store/chunk-storage.ts";
import { type BackgroundWorker, quietMaxMs } from "./util/background-worker.ts";
import type { Clock } from "./util/clock.ts";
import type { Service } from "./util/lifecycle.ts";
import { TokenBucket } from "./util/token-bucket.ts";

export type CoreConfig = Pick<
  Config,
  | "chunkSize"
  | "QUEUE_RETRY_BASE_MS"
  | "QUEUE_RETRY_MAX_MS"
  | "REBALANCE_BANDWIDTH_MBPS"
  | "REBALANCE_GRACE_S"
  | "SYNC_INTERVAL_MS"
  | "RANGE_SYNC_INTERVAL_MS"
  | "MANIFEST_DELTA_SYNC"
  | "SCRUB_PAUSE_S"
  | "SCRUB_BANDWIDTH_MBPS"
  | "CHUNK_SYNC_INTERVAL_S"
  | "CENSUS_INTERVAL_S"
  | "GC_INTERVAL_S"
  | "GC_MIN_CHUNK_AGE_S"
  | "GC_MIN_TOMBSTONE_AGE_S"
  | "REPLICATION_FACTOR"
  | "KEEP_VERSIONS"
  | "KEEP_DAYS"
  | "RING_SETTLE_S"
  | "UPLOAD_MEMORY_MB"
>;

export interface CoreComponents {
  selfId: string;
  clock: Clock;
  random: () => number;
  rpc: PeerRpc;
  store: ChunkStorage;
  queue: ReplicationQueue;
  manifests: ManifestStore;
  acceptorStore: AcceptorStore;
  settingsStore: SettingsStore;
  placement: Placement;
  logger: (component: string) => Logger;
  /** False while a node given seeds has reached none of them (it must not count itself a quorum). */
  joined: () => boolean;
  /** Why this node's clock is unfit to stamp writes, if it is. */
  clockProblem?: () => string | undefined;
  /** Fault injection: peers this node must not reach. */
  isBlocked?: (memberId: string) => boolean;
  /** Puts the ring version whose arcs this node has pulled in its member record (replication/ring-sync.ts). */
  announceRingSynced?: (version: string | undefined) => void;
  /** True while the node hands its chunks off before leaving: nothing is deleted meanwhile. */
  leaving?: () => boolean;
  /**
   * Wipe and resync the manifests when the cluster forgot this node (replication/manifest-resync.ts).
   * Without it (the simulator), a node always serves.
   */
  resync?: { init: ManifestResyncInit; persistence: ResyncPersistence };
}

/**
 * How long a replaced ring still counts for manifest quorums (Placement.manifestOwnerSets): long enough for
 * anti-entropy to bring new owners up to date (they sync with every peer when the ring changes, and a
 * round runs every SYNC_INTERVAL_MS: an idle node's rounds stretch up to quietMaxMs, but every member change
 * brings them back, see unquiet()), so a quorum read still meets every quorum write while members join,
 * die or come back.
 */
export function ringSettleMs(config: Pick<CoreConfig, "SYNC_INTERVAL_MS" | "RING_SETTLE_S">): number {
  return Math.max(config.RING_SETTLE_S * 1000, 6 * config.SYNC_INTERVAL_MS);
}

/** This node's own settings (its environment): in force until the cluster has a settings record. */
export function settingsDefaults(config: Pick<CoreConfig, "REPLICATION_FACTOR" | "chunkSize">): SettingsDefaults {
  return { replicationFactor: config.REPLICATION_FACTOR, chunkSize: config.chunkSize };
}

/** The chunk size in force on a node holding `store`'s record (before its NodeCore exists, e.g. at start). */
export function chunkSizeInForce(store: SettingsStore, config: Pick<CoreConfig, "REPLICATION_FACTOR" | "chunkSize">): number {
  return effectiveSettings(store.get(), settingsDefaults(config)).chunkSize;
}

/** How long a write waits for the copies beyond its quorum before queueing them. */
const STRAGGLER_GRACE_MS = 2000;
/** How long a manifest push waits for the peers beyond the quorum. */
const PUBLISH_GRACE_MS = 500;
const PLACEMENT_DEBOUNCE_MS = 1000;

export class NodeCore {
  readonly reader: ChunkReader;
  readonly coordinator: WriteCoordinator;
  readonly queueWorker: QueueWorker;
  readonly replicator: ManifestReplicator;
  /** Range anti-entropy between the co-owners of each arc of the ring (beside delta sync, for now). */
  readonly rangeSync: ManifestRangeSync;
  readonly placementCheck: PlacementCheck;
  readonly sweeper: SurplusSweeper;
  readonly scrubber: Scrubber;
  readonly antiEntropy: ChunkAntiEntropy;
  readonly gc: GarbageCollector;
  /** The versions of files in versioned folders (listing, reading, removing, restoring, pruning). */
  readonly versions: FileVersions;
  /** Change feeds of rows this node does not own: watches held at the members, rows forwarded to watchers. */
  readonly changeRelay: ChangeRelay;
  private readonly versionDefaults: VersionLimits;
  /** Kept by applySettings. */
  private versioning: VersioningSettings = { folderVersioning: {}, keepVersions: 0, keepDays: 0 };
  readonly census: ReplicaCensus;
  readonly reads: ManifestReads;
  readonly conditional: ConditionalWrites;
  readonly acceptor: Acceptor;
  readonly fs: FileSystem;
  readonly resync: ManifestResync | undefined;
  readonly settings: SettingsSync;
  /** Each chunk's replication factor: the largest its files' folders ask for (live settings + the manifests' chunk index). */
  readonly chunkFactors: ChunkFactors;
  /** MANIFEST_DELTA_SYNC=off: the delta sync worker is not started (pushes still go out). */
  private readonly deltaSyncOff: boolean;
  /** Bytes per chunk of the writes that start now: the live setting, else CHUNK_SIZE_MB (applySettings). */
  private writeChunkSize = 0;

  constructor(
    config: CoreConfig,
    private readonly c: CoreComponents,
  ) {
    const { selfId, clock, random, rpc, store, queue, manifests, placement, logger, isBlocked } = c;
    this.versionDefaults = { keepVersions: config.KEEP_VERSIONS, keepDays: config.KEEP_DAYS };
    this.deltaSyncOff = config.MANIFEST_DELTA_SYNC === "off";
    this.chunkFactors = new ChunkFactors((chunkId) => manifests.chunkFolders(chunkId));
    placement.useChunkFactors(this.chunkFactors);
    const bucket = (mbps: number) => new TokenBucket(mbps * 1024 * 1024, config.chunkSize * 2, () => clock.elapsed());
    this.reader = new ChunkReader({
      selfId,
      placement,
      store,
      rpc,
      clock,
      log: logger("read"),
      onBadReplica: (chunkId, target) => queue.enqueue([{ chunkId, target }], clock.now()),
    });
    this.coordinator = new WriteCoordinator(
      { stragglerGraceMs: STRAGGLER_GRACE_MS, retryBaseMs: config.QUEUE_RETRY_BASE_MS },
      { selfId, placement, rpc, ownStore: store, queue, clock, log: logger("write") },
    );
    this.queueWorker = new QueueWorker(
      { batchSize: 64, retryBaseMs: config.QUEUE_RETRY_BASE_MS, retryMaxMs: config.QUEUE_RETRY_MAX_MS, pollMs: 500 },
      { selfId, queue, placement, store, reader: this.reader, rpc, clock, random, bandwidth: bucket(config.REBALANCE_BANDWIDTH_MBPS), log: logger("queue") },
    );
    this.replicator = new ManifestReplicator(
      { selfId, syncIntervalMs: config.SYNC_INTERVAL_MS, quietMaxMs: quietMaxMs(config.SYNC_INTERVAL_MS), publishGraceMs: PUBLISH_GRACE_MS },
      { manifests, placement, rpc, clock, random, log: logger("sync"), isBlocked },
    );
    this.rangeSync = new ManifestRangeSync(
      { intervalMs: config.RANGE_SYNC_INTERVAL_MS, quietMaxMs: quietMaxMs(config.RANGE_SYNC_INTERVAL_MS) },
      { selfId, manifests, placement, rpc, clock, log: logger("range-sync"), isBlocked, announceRingSynced: c.announceRingSynced },
    );
    this.placementCheck = new PlacementCheck({ debounceMs: PLACEMENT_DEBOUNCE_MS, rememberMs: ringSettleMs(config) }, { selfId, placement, store, queue, clock, log: logger("placement") });
    // Live cluster settings override the environment's defaults once set; applied before anything serves.
    this.settings = new SettingsSync(
      { intervalMs: config.SYNC_INTERVAL_MS, quietMaxMs: quietMaxMs(config.SYNC_INTERVAL_MS) },
      {
        selfId,
        store: c.settingsStore,
        rpc,
        placement,
        clock,
        random,
        log: logger("settings"),
        defaults: settingsDefaults(config),
        apply: (s) => this.applySettings(s),
      },
    );
    const graceMs = config.REBALANCE_GRACE_S * 1000;
    const sweepMs = Math.min(5000, Math.max(200, graceMs / 4));
    this.sweeper = new SurplusSweeper(
      { graceMs, intervalMs: sweepMs, quietMaxMs: quietMaxMs(sweepMs), pageSize: 1000 },
      {
        selfId,
        placement,
        store,
        rpc,
        queue,
        clock,
        log: logger("handoff"),
        paused: () => (c.leaving?.() ?? false) || this.factorsUnsettled(),
        factorUnknown: (id) => this.chunkFactors.inUse && manifests.chunkFolders(id).length === 0,
      },
    );
    this.scrubber = new Scrubber(
      { pauseMs: config.SCRUB_PAUSE_S * 1000, pageSize: 500 },
      {
        selfId, store, reader: this.reader, placement, clock, bandwidth: bucket(config.SCRUB_BANDWIDTH_MBPS), log: logger("scrub"), manifests,
        repairInline: async (row) => (await repairInline({ manifests, reads: this.reads, log: logger("scrub") }, row)) !== undefined,
      },
    );
    this.antiEntropy = new ChunkAntiEntropy(config.CHUNK_SYNC_INTERVAL_S * 1000, {
      selfId,
      placement,
      store,
      queue,
      rpc,
      clock,
      random,
      log: logger("anti-entropy"),
      isBlocked,
    });
    // Counts live copies (truthful health) and queues the missing ones; at least every minute.
    this.census = new ReplicaCensus((config.CENSUS_INTERVAL_S ?? Math.min(60, config.CHUNK_SYNC_INTERVAL_S)) * 1000, {
      selfId,
      placement,
      store,
      rpc,
      queue,
      clock,
      log: logger("census"),
      isBlocked,
    });
    this.gc = new GarbageCollector(
      { intervalMs: config.GC_INTERVAL_S * 1000, minChunkAgeMs: config.GC_MIN_CHUNK_AGE_S * 1000, minTombstoneAgeMs: config.GC_MIN_TOMBSTONE_AGE_S * 1000 },
      { selfId, placement, manifests, store, replicator: this.replicator, clock, log: logger("gc"), pruneVersions: (now) => this.versions.prune(now) },
    );
    this.reads = new ManifestReads({ selfId, manifests, placement, rpc, clock, log: logger("reads"), synced: () => this.replicator.synced() });
    this.resync = c.resync
      ? new ManifestResync(c.resync.init, { selfId, manifests, replicator: this.replicator, placement, persistence: c.resync.persistence, clock, log: logger("resync"), isBlocked })
      : undefined;
    this.conditional = new ConditionalWrites({ selfId, placement, rpc, clock, random, log: logger("paxos") });
    // Conditional writes decide files (If-Match/If-None-Match name an object's content).
    this.acceptor = new Acceptor(c.acceptorStore, (path) => manifests.get(path, "file"));
    this.fs = new FileSystem(() => this.writeChunkSize, {
      selfId,
      reads: this.reads,
      conditional: this.conditional,
      manifests,
      coordinator: this.coordinator,
      reader: this.reader,
      placement,
      replicator: this.replicator,
      joined: c.joined,
      clockProblem: c.clockProblem,
      notServing: () => this.notServing(),
      clock,
      log: logger("fs"),
      versioning: (folder) => this.versioningSettings().folderVersioning[folder],
      uploadMemoryBytes: config.UPLOAD_MEMORY_MB * 1024 * 1024,
    });
    this.versions = new FileVersions({
      fs: this.fs,
      manifests,
      selfId,
      firstOwner: (path) => placement.manifestOwners(path)[0],
      stateOf: (folder) => this.versioningSettings().folderVersioning[folder],
      setState: async (folder, state) => void (await this.settings.set({ folderVersioning: { [folder]: state } })),
      limits: () => this.versioningSettings(),
      log: logger("versions"),
      clock,
      dirs: new VersionedDirs({ selfId, manifests, placement, rpc }),
    });
    this.changeRelay = new ChangeRelay({ selfId, manifests, placement, rpc, clock, log: logger("changes") });
  }

  /** Which folders keep versions, and the limits: the live settings over KEEP_VERSIONS / KEEP_DAYS. */
  versioningSettings(): VersioningSettings {
    return this.versioning;
  }

  /** Why this node must not serve manifests yet (resyncing after being forgotten), or undefined. */
  notServing(): string | undefined {
    return this.resync?.notServing();
  }

  /**
   * Whether a chunk's factor may read low here: folders have their own factors, and this node's manifests may
   * still lack files that reference its chunks (no sync round completed since it started, or it resyncs after
   * being forgotten). The sweeper waits meanwhile: it would take a folder's extra copies for surplus.
   */
  private factorsUnsettled(): boolean {
    return this.chunkFactors.inUse && (!this.replicator.synced() || this.notServing() !== undefined);
  }

  /** Bytes per chunk of a write that starts now (the live chunk size setting, else CHUNK_SIZE_MB). */
  chunkSize(): number {
    return this.writeChunkSize;
  }

  /**
   * A new replication factor, cluster-wide or a folder's, moves ownership as a ring change does: the placement
   * check runs at once (copies for chunks that gained owners; the sweeper removes those that lost some). A new
   * chunk size only concerns writes that start from now on; files keep the layout their manifests record.
   */
  private applySettings(s: EffectiveSettings): void {
    this.writeChunkSize = s.chunkSize;
    // Read once per change, not per write: every committed row of a file asks which folders keep versions.
    this.versioning = versioningSettings(this.c.settingsStore.get(), this.versionDefaults);
    const { placement } = this.c;
    const before = placement.factorView();
    const clusterChanged = placement.setReplicationFactor(s.replicationFactor) !== undefined;
    const foldersChanged = this.chunkFactors.setFolderFactors(s.folderReplicationFactors);
    if ((clusterChanged || foldersChanged) && placement.ring.size > 0) {
      this.placementCheck.ringChanged(placement.ring, before);
      this.census.ringChanged();
    }
  }

  /** What this core answers peers (and itself) with (node-core-handlers.ts). */
  handlers(): JsonHandlers {
    return coreHandlers(this, this.c.manifests);
  }

  /** Every background loop, for /api/health. */
  workers(): BackgroundWorker[] {
    return [this.queueWorker.worker, this.replicator.worker, this.rangeSync.worker, this.sweeper.worker, this.antiEntropy.worker, this.census.worker, this.scrubber.worker, this.gc.worker, this.settings.worker];
  }

  /** The member list changed: the ring follows, and a changed ring goes to the placement check. */
  onMembers(members: Member[]): void {
    const factor = this.c.placement.factorView();
    const previous = this.c.placement.update(members);
    if (previous) {
      this.placementCheck.ringChanged(previous, factor);
      this.census.ringChanged();
      this.sweeper.worker.unquiet();
    }
  }

  /** Members changed: delta sync rounds with the ones this node has not caught up with (unless it is off). */
  syncWithNewMembers(): void {
    if (!this.deltaSyncOff) this.replicator.tick();
  }

  /**
   * A member joined, came back or changed state, or the fault layer changed: the anti-entropy rounds that
   * idled down to their longest wait come back to SYNC_INTERVAL_MS (without a burst of rounds at once).
   */
  unquiet(): void {
    for (const w of [this.replicator.worker, this.rangeSync.worker, this.settings.worker, this.sweeper.worker]) w.unquiet();
  }

  /** The background work as one part of the node's lifecycle; `skip` names workers left off (the simulator's switches). */
  service(skip: ReadonlySet<string> = new Set()): Service {
    const off = new Set(skip);
    // Garbage collection syncs with every member and trusts delta sync's marks: off with it.
    if (this.deltaSyncOff) for (const w of [this.replicator.worker, this.gc.worker]) off.add(w.name);
    const workers = [this.queueWorker, this.replicator, this.rangeSync, this.sweeper, this.scrubber, this.gc, this.antiEntropy, this.census, this.settings].filter((w) => !off.has(w.worker.name));
    return {
      name: "background workers",
      start: () => {
        for (const w of workers) w.start();
        this.resync?.start();
      },
      stop: async () => {
        await this.resync?.stop();
        await this.placementCheck.stop();
        for (const w of [...workers].reverse()) await w.stop();
      },
    };
  }
}
