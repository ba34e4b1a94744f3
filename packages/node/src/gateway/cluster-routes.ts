// Node and cluster views: GET /status and GET /api/cluster.
import { apiRoutes, type EventOf, type HealthDetail, type Member as MemberJson, type ResponseOf } from "@orrery/api";
import { Hono } from "hono";
import type { ClusterEvents } from "./cluster-events.ts";
import { sseFeed } from "./sse-feed.ts";
import { storesChunks, type Member } from "../membership/types.ts";
import type { ManifestStore } from "../metadata/manifest-store.ts";
import type { Placement } from "../replication/placement.ts";
import { type Ring, type RingSummary, summarizeRing } from "../ring/index.ts";
import type { ReplicationQueue } from "../replication/queue.ts";
import type { ChunkStorage } from "../store/chunk-storage.ts";

export interface ClusterRoutesDeps {
  self: () => Member;
  members: () => Member[];
  placement: Placement;
  store: ChunkStorage;
  manifests: ManifestStore;
  queue: ReplicationQueue;
  /** Bytes per chunk of new writes: the live setting, else CHUNK_SIZE_MB. */
  chunkSize: () => number;
  startedAt: number;
  version: string;
  /** Repair and rebalance progress: queue, hand-off, scrub. */
  health: () => HealthDetail;
  events: ClusterEvents;
}

export const memberJson = (m: Member): MemberJson => ({
  id: m.id,
  host: m.host,
  httpPort: m.httpPort,
  gossipPort: m.gossipPort,
  transferPort: m.transferPort,
  state: m.state,
  incarnation: m.incarnation,
  zone: m.zone ?? null,
  weight: m.weight,
  /** "gateway": a storage-less node (STORAGE=off) that forwards reads and writes and owns nothing. */
  role: storesChunks(m) ? "storage" : "gateway",
  /** Its store is full: it keeps what it holds, new chunks go to the next members on the ring. */
  full: m.full ?? false,
});


/** GET /status: this node at a glance (also what peers get from the node.status RPC). */
export function statusBody(d: ClusterRoutesDeps): ResponseOf<"status"> {
  const self = d.self();
  const members = d.members();
  const count = (s: Member["state"]) => members.filter((m) => m.state === s).length;
  const disk = d.store.diskUsage();
  return {
    nodeId: self.id,
    version: d.version,
    uptimeSeconds: Math.round((Date.now() - d.startedAt) / 1000),
    addresses: { host: self.host, http: self.httpPort, gossip: self.gossipPort, transfer: self.transferPort },
    replicationFactor: d.placement.replicationFactor,
    effectiveReplicationFactor: d.placement.effectiveReplicationFactor(),
    chunkSize: d.chunkSize(),
    members: { alive: count("alive"), suspect: count("suspect"), dead: count("dead"), left: count("left") },
    chunks: d.store.stats(),
    files: d.manifests.stats(),
    disk: { totalBytes: disk.totalBytes, freeBytes: disk.freeBytes, usedBytes: disk.totalBytes - disk.freeBytes },
    storage: {
      role: storesChunks(self) ? "storage" : "gateway",
      /** The ring weight this node announces: its capacity in GB (CAPACITY_GB, STORE_QUOTA_MB or the disk). */
      capacityGB: self.weight,
      full: self.full ?? false,
      headroomBytes: d.store.headroom(),
    },
    queue: { depth: d.queue.depth(), byTarget: d.queue.depthByTarget() },
  };
}

/**
 * GET /api/health: repair and rebalance progress (also part of the node.status RPC). `underReplicatedChunks`
 * is the replica census's count (chunks this node reports on with fewer live copies than the factor; null
 * before its first pass), `replication` its detail; the queue's count is `queue.chunksWithQueuedCopies`.
 */
export function healthBody(d: ClusterRoutesDeps): ResponseOf<"health"> {
  const members = d.members();
  const health = d.health();
  const count = (s: Member["state"]) => members.filter((m) => m.state === s).length;
  return {
    nodeId: d.self().id,
    members: { alive: count("alive"), suspect: count("suspect"), dead: count("dead"), left: count("left") },
    underReplicatedChunks: health.replication?.underReplicated ?? null,
    ...health,
  };
}

/**
 * The ring as the web UI draws it, members that store chunks and are off the ring (dead, left) where theirs
 * would be. Kept while the ring and those members stay the same: at a hundred members a summary takes tens of
 * milliseconds, and every open page asks again on every membership event.
 */
function ringView(placement: Placement): (members: readonly Member[]) => RingSummary {
  let last: { ring: Ring; key: string; summary: RingSummary } | undefined;
  return (members) => {
    const ring = placement.ring;
    const onRing = new Set(ring.memberIds);
    const off = members.filter((m) => !onRing.has(m.id) && storesChunks(m));
    const key = off.map((m) => `${m.id}/${m.weight}`).join(",");
    if (last?.ring !== ring || last.key !== key) {
      last = { ring, key, summary: summarizeRing(ring, off.map((m) => ({ id: m.id, positions: placement.positionsOffRing(m) }))) };
    }
    return last.summary;
  };
}

export function clusterRoutes(d: ClusterRoutesDeps): Hono {
  const app = new Hono();

  app.get(apiRoutes.status.path, (c) => c.json(statusBody(d)));

  app.get(apiRoutes.health.path, (c) => c.json(healthBody(d)));

  // Live updates for the web UI: every cluster event as it happens, and a health snapshot every 2 s.
  app.get(apiRoutes.events.path, (c) =>
    sseFeed(c, (push) => {
      const off = d.events.subscribe((e) => push({ event: "cluster", data: e satisfies EventOf<"events", "cluster"> }));
      const health = () =>
        push({ event: "health", data: { ...d.health(), members: d.members().map(memberJson) } satisfies EventOf<"events", "health"> });
      health();
      const timer = setInterval(health, 2000);
      return () => {
        off();
        clearInterval(timer);
      };
    }),
  );

  const ringOf = ringView(d.placement);
  app.get(apiRoutes.cluster.path, (c) => {
    const members = d.members();
    return c.json({
      self: d.self().id,
      replicationFactor: d.placement.replicationFactor,
      members: members.map(memberJson),
      ring: ringOf(members),
    } satisfies ResponseOf<"cluster">);
  });

  return app;
}
