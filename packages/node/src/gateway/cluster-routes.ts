// Node and cluster views: GET /status and GET /api/cluster.
import { Hono } from "hono";
import type { Member } from "../membership/types.ts";
import type { ManifestStore } from "../metadata/manifest-store.ts";
import type { Placement } from "../replication/placement.ts";
import type { ReplicationQueue } from "../replication/queue.ts";
import type { ChunkStore } from "../store/chunk-store.ts";

export interface ClusterRoutesDeps {
  self: () => Member;
  members: () => Member[];
  placement: Placement;
  store: ChunkStore;
  manifests: ManifestStore;
  queue: ReplicationQueue;
  chunkSize: number;
  startedAt: number;
  version: string;
}

const memberJson = (m: Member) => ({
  id: m.id,
  host: m.host,
  httpPort: m.httpPort,
  gossipPort: m.gossipPort,
  transferPort: m.transferPort,
  state: m.state,
  incarnation: m.incarnation,
  zone: m.zone ?? null,
  weight: m.weight,
});

export function clusterRoutes(d: ClusterRoutesDeps): Hono {
  const app = new Hono();

  app.get("/status", (c) => {
    const self = d.self();
    const members = d.members();
    const count = (s: Member["state"]) => members.filter((m) => m.state === s).length;
    const disk = d.store.diskUsage();
    return c.json({
      nodeId: self.id,
      version: d.version,
      uptimeSeconds: Math.round((Date.now() - d.startedAt) / 1000),
      addresses: { host: self.host, http: self.httpPort, gossip: self.gossipPort, transfer: self.transferPort },
      replicationFactor: d.placement.replicationFactor,
      effectiveReplicationFactor: d.placement.effectiveReplicationFactor(),
      chunkSize: d.chunkSize,
      members: { alive: count("alive"), suspect: count("suspect"), dead: count("dead"), left: count("left") },
      chunks: d.store.stats(),
      files: d.manifests.stats(),
      disk: { totalBytes: disk.totalBytes, freeBytes: disk.freeBytes, usedBytes: disk.totalBytes - disk.freeBytes },
      queue: { depth: d.queue.depth(), byTarget: d.queue.depthByTarget() },
    });
  });

  app.get("/api/cluster", (c) => {
    const vnodes = d.placement.ring.virtualNodes();
    return c.json({
      self: d.self().id,
      replicationFactor: d.placement.replicationFactor,
      members: d.members().map(memberJson),
      ring: {
        vnodes: vnodes.map((v) => ({ member: v.member, position: v.position.toString(16).padStart(16, "0") })),
      },
    });
  });

  return app;
}
