// The JSON the node's HTTP API returns, as far as the client relies on it (see docs/architecture.md).
// Declared here rather than imported from the gateway: the client talks HTTP, not server internals.

export interface PutResponse {
  path: string;
  size: number;
  sha256: string;
  chunks: string[];
  version: string;
  durability: string;
  replicationFactor?: number;
  copies: number;
  queued: number;
  underReplicated: boolean;
}

export interface Entry {
  name: string;
  path: string;
  kind: "file" | "dir";
  size: number;
  mtime: number;
  version: string;
  sha256?: string;
}

export interface DirListing {
  path: string;
  kind: "dir";
  entries: Entry[];
  more: boolean;
}

export interface NodeStatus {
  nodeId: string;
  version?: string;
  uptimeSeconds?: number;
  addresses?: { host: string; http: number; gossip: number; transfer: number };
  replicationFactor: number;
  effectiveReplicationFactor?: number;
  members?: Record<string, number>;
  chunks?: unknown;
  files?: unknown;
  disk?: { totalBytes: number; freeBytes: number; usedBytes: number };
  queue?: { depth: number; byTarget?: unknown };
}

export interface ClusterMember {
  id: string;
  host: string;
  httpPort: number;
  state: string;
  incarnation: number;
  zone?: string | null;
  /** "gateway": stores nothing (STORAGE=off). */
  role?: "storage" | "gateway";
  /** Its store is full: new chunks go to the next members on the ring. */
  full?: boolean;
}

export interface ClusterView {
  self: string;
  replicationFactor: number;
  members: ClusterMember[];
}

/** GET /api/cluster/status: every member with its own /status and /api/health (null when unreachable). */
export interface ClusterStatus {
  members: Array<
    ClusterMember & {
      status: NodeStatus | null;
      health: { underReplicatedChunks?: number; queue?: { depth: number } } | null;
      error?: string;
    }
  >;
}
