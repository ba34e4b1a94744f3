import { expect, test } from "bun:test";
import type { Member as ClusterMember, NodeStatus } from "@orrery/api";
import { statusText } from "./status.ts";

const nodeStatus: NodeStatus = {
  nodeId: "n1",
  version: "0.1.0",
  uptimeSeconds: 60,
  addresses: { host: "127.0.0.1", http: 3000, gossip: 7946, transfer: 7947 },
  replicationFactor: 3,
  effectiveReplicationFactor: 3,
  chunkSize: 4 * 1024 * 1024,
  members: { alive: 3, suspect: 0, dead: 1, left: 0 },
  chunks: { count: 0, bytes: 0 },
  files: { files: 0, dirs: 0, tombstones: 0, bytes: 0 },
  disk: { totalBytes: 100, freeBytes: 50, usedBytes: 50 },
  storage: { role: "storage", capacityGB: 1, full: false, headroomBytes: 50 },
  queue: { depth: 0, byTarget: {} },
};

test("the members table says which member is a storage-less gateway and which one's store is full", () => {
  const member = (id: string, extra: Partial<ClusterMember> = {}): ClusterMember => ({
    ...{ id, host: "127.0.0.1", httpPort: 3000, gossipPort: 7946, transferPort: 7947, state: "alive", incarnation: 1 },
    ...{ zone: null, weight: 1, role: "storage", full: false },
    ...extra,
  });
  const text = statusText(
    nodeStatus,
    {
      self: "n1",
      replicationFactor: 3,
      members: [member("n1", { role: "storage" }), member("n2", { role: "storage", full: true }), member("gw", { role: "gateway" }), member("n3", { state: "dead", full: true })],
      ring: { units: 65536, vnodes: 0, members: [] },
    },
  );
  const row = (id: string) => text.split("\n").find((l) => l.startsWith(`${id} `))!;
  expect(row("n1")).toContain(" alive ");
  expect(row("n1")).not.toMatch(/full|gateway/);
  expect(row("n2")).toContain("alive, full");
  expect(row("gw")).toContain("alive, gateway");
  expect(row("n3")).toContain("dead, full");
});
