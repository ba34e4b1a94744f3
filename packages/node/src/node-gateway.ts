// The gateway part of the composition root (node.ts): what the HTTP API, the UI, /metrics and /api/health
// see of the node's components, gathered in one place so node.ts wires components and this file shows them.
import type { Database } from "bun:sqlite";
import type { NodeAccounts } from "./node-accounts.ts";
import type { Config } from "./config/index.ts";
import type { ClusterEvents } from "./gateway/cluster-events.ts";
import { createGateway, type GatewayDeps } from "./gateway/app.ts";
import { HostAllowList } from "./gateway/host-check.ts";
import { NodeMetrics } from "./gateway/metrics.ts";
import type { UiSource } from "./gateway/ui.ts";
import type { HistorySampler } from "./history/sampler.ts";
import type { Logger } from "./log.ts";
import type { ClockWatch } from "./membership/clock-watch.ts";
import type { Membership } from "./membership/membership.ts";
import type { SqliteManifestStore } from "./metadata/sqlite-manifest-store.ts";
import type { NodeCore } from "./node-core.ts";
import type { NodePeers } from "./node-peers.ts";
import type { Placement } from "./replication/placement.ts";
import type { SqliteReplicationQueue } from "./replication/queue.ts";
import { replicaHealth } from "./replication/replica-health.ts";
import { inlineHealth } from "./replication/inline-health.ts";
import { AdminVerifier } from "./security/admin-auth.ts";
import type { ClusterKeys } from "./security/cluster-keys.ts";
import type { ChunkStore } from "./store/chunk-store.ts";
import type { FullnessMonitor } from "./store/fullness.ts";
import { VERSION } from "./version.ts";
import { DeadPropertyStore } from "./webdav/dead-properties.ts";

export interface GatewayParts {
  config: Config;
  id: string;
  startedAt: number;
  db: Database;
  ui: UiSource;
  store: ChunkStore;
  manifests: SqliteManifestStore;
  queue: SqliteReplicationQueue;
  placement: Placement;
  core: NodeCore;
  membership: Membership;
  clock: ClockWatch;
  peers: NodePeers;
  accounts: NodeAccounts;
  clusterKeys: ClusterKeys;
  history: HistorySampler;
  events: ClusterEvents;
  fullness: FullnessMonitor | undefined;
  /** A graceful leave, asked for by an admin through the API. */
  leave: () => Promise<void>;
  logger: (component: string) => Logger;
}

export function buildGateway(c: GatewayParts): { app: ReturnType<typeof createGateway>; gatewayDeps: GatewayDeps; metrics: NodeMetrics } {
  const { config, store, manifests, queue, placement, core, membership, clock, peers, accounts, fullness } = c;
  const { sweeper, scrubber, gc, antiEntropy } = core;
  const worker = core.queueWorker;
  const faults = peers.faults;
  const metrics = new NodeMetrics({
    nodeId: c.id,
    version: VERSION,
    members: () => membership.members(),
    gossipHealth: () => membership.healthScore(),
    gossipProbes: () => ({ ...membership.probeStats() }),
    gossipTraffic: () => membership.traffic,
    peerCalls: () => ({
      calls: Object.fromEntries(peers.networkRpc.calls),
      answerBytes: Object.fromEntries(peers.client.stats.rpcAnswerBytes),
      connectionsOpened: peers.client.connectionsOpened,
    }),
    readExtraCalls: () => ({ ...core.reads.extraCalls }),
    clockOffsetMs: () => clock.offsetMs(),
    clockPeers: () => clock.peers(),
    chunks: () => store.stats(),
    files: () => manifests.stats(),
    disk: () => store.diskUsage(),
    queue: { depth: () => queue.depth(), chunksPending: () => queue.chunksWithPendingCopies(), delivered: () => worker.delivered },
    census: () => core.census.census(),
    handoff: () => ({ surplusCopiesWaiting: sweeper.pending, surplusCopiesDeleted: sweeper.deleted }),
    scrub: () => scrubber.stats,
    gc: () => gc.stats,
    antiEntropy: () => antiEntropy.stats,
    rings: () => ({ replaced: placement.settlingRings, retiredBySync: placement.retiredRings.bySync, retiredByAge: placement.retiredRings.byAge }),
    security: () => ({
      gossipRejected: { ...peers.gossipSeal.rejected },
      discoveryRejected: peers.discoverySeal.rejected.unknown_key + peers.discoverySeal.rejected.bad_mac + peers.discoverySeal.rejected.stale + peers.discoverySeal.rejected.replay,
      handshakesFailed: { ...peers.stats.handshakesFailed },
      chunkBytes: { in: peers.stats.chunkBytesIn, out: peers.stats.chunkBytesOut },
      claimsIgnored: membership.ignoredClaims(),
    }),
  });
  const gatewayDeps: GatewayDeps = {
    authenticator: accounts.authenticator,
    quotas: accounts.quotas,
    linkMaxDays: config.SHARE_LINK_MAX_DAYS,
    audit: accounts.audit,
    metrics,
    rpc: peers.rpc,
    statusTimeoutMs: Math.min(1500, peers.timeouts.controlMs),
    zipMaxEntries: config.ZIP_MAX_ENTRIES,
    allowedHosts: new HostAllowList([config.BIND_ADDRESS, config.advertise, ...config.ALLOWED_HOSTS]),
    davProperties: new DeadPropertyStore(c.db),
    ui: c.ui,
    events: c.events,
    fs: core.fs,
    versions: core.versions,
    changeRelay: core.changeRelay,
    replicaHealth: (file) =>
      file.inline !== undefined
        ? inlineHealth(file, { selfId: c.id, placement, manifests, rpc: peers.rpc })
        : replicaHealth(file.chunks, { selfId: c.id, placement, store, rpc: peers.rpc }),
    reader: core.reader,
    placement,
    store,
    manifests,
    queue,
    chunkSize: () => core.chunkSize(),
    startedAt: c.startedAt,
    version: VERSION,
    self: () => membership.self(),
    members: () => membership.members(),
    health: () => ({
      queue: { depth: queue.depth(), chunksWithQueuedCopies: queue.chunksWithPendingCopies(), byTarget: queue.depthByTarget(), delivered: worker.delivered },
      replication: core.census.census() ?? null,
      handoff: { surplusCopiesWaiting: sweeper.pending, surplusCopiesDeleted: sweeper.deleted, graceSeconds: config.REBALANCE_GRACE_S },
      scrub: scrubber.stats,
      gc: gc.stats,
      antiEntropy: antiEntropy.stats,
      rangeSync: { ...core.rangeSync.stats, ...manifests.rangeDigestStats() },
      ringSync: {
        ...core.rangeSync.ringSync.stats,
        version: placement.ringVersion(),
        synced: membership.self().ringSynced ?? null,
        replacedRings: placement.settlingRings,
        ...placement.retiredRings,
      },
      faults: faults ? { blockedPeers: faults.blockedPeers(), gossipDelayMs: faults.gossipDelayMs } : undefined,
      workers: [...core.workers(), accounts.sync.worker, accounts.auditSync.worker, c.history.worker, ...(fullness ? [fullness.worker] : [])].map((w) => w.status()),
      resync: { state: core.resync?.state ?? "ready", completed: core.resync?.resyncs ?? 0 },
    }),
    setBlockedPeers: faults ? (ids: string[]) => faults.setBlocked(ids) : undefined,
    setGossipDelay: faults
      ? (ms: number | undefined) => {
          if (ms !== undefined) faults.setGossipDelay(ms);
          return faults.gossipDelayMs;
        }
      : undefined,
    adminOpen: accounts.adminOpen,
    verifier: new AdminVerifier(peers.keyring),
    forget: (memberId: string) => membership.forget(memberId),
    settings: core.settings,
    clusterKeys: c.clusterKeys,
    leave: () => void c.leave(),
    log: c.logger("gateway"),
  };
  return { app: createGateway(gatewayDeps), gatewayDeps, metrics };
}
