// The node's HTTP API as the UI uses it: same-origin relative URLs (the UI works from any node),
// JSON in and out, errors as ApiError carrying the node's `{error, code}`.
import { ApiError, errorFromBody } from "./errors.ts";
import { apiFileUrl, apiListUrl, apiStatUrl, normalize } from "./paths.ts";

export type EntryKind = "file" | "dir";

export interface Entry {
  name: string;
  path: string;
  kind: EntryKind;
  size: number;
  mtime: number;
  version: string;
  sha256?: string;
  chunks?: number;
}

export interface Listing {
  path: string;
  kind: "dir";
  entries: Entry[];
  more: boolean;
}

export interface ChunkInfo {
  id: string;
  owners: string[];
  holders: string[];
  /** 16 hex digits; older nodes leave it out. */
  position?: string;
}

export interface Stat extends Omit<Entry, "chunks"> {
  chunkSize?: number;
  chunks: ChunkInfo[] | number;
  replicationFactor: number;
  minCopies: number;
  underReplicated: boolean;
  unreachable: Record<string, string>;
}

export type MemberState = "alive" | "suspect" | "dead" | "left";

export interface Member {
  id: string;
  host: string;
  httpPort: number;
  gossipPort: number;
  transferPort: number;
  state: MemberState;
  incarnation: number;
  zone: string | null;
  /** Capacity in GB, the member's ring weight; 0 for a storage-less gateway. */
  weight: number;
  /** "gateway": stores nothing, forwards reads and writes (absent from older nodes: storage). */
  role?: "storage" | "gateway";
  /** Its store is full: it keeps what it holds, new chunks go to the next members on the ring. */
  full?: boolean;
}

export interface ClusterView {
  self: string;
  replicationFactor: number;
  members: Member[];
  ring: { vnodes: { member: string; position: string }[] };
}

export interface NodeStatus {
  nodeId: string;
  version?: string;
  uptimeSeconds?: number;
  addresses: { host: string; http: number; gossip: number; transfer: number };
  replicationFactor: number;
  effectiveReplicationFactor?: number;
  chunks: { count: number; bytes: number };
  files: { files: number; dirs: number; tombstones: number; bytes: number };
  disk: { totalBytes: number; freeBytes: number; usedBytes: number };
  /** What this node stores for the cluster: a storage node, or a gateway that stores nothing. */
  storage?: { role: "storage" | "gateway"; capacityGB: number; full: boolean; headroomBytes: number };
  queue: { depth: number };
}

/**
 * The replica census (`replication` in /api/health): chunks this node reports on (it is their first live
 * holder), counted against the effective replication factor. The nodes' counts add up to the cluster's.
 */
export interface ReplicationCensus {
  factor: number;
  /** Ring members (alive or suspect) when the pass ran. */
  liveNodes: number;
  chunks: number;
  underReplicated: number;
  missingCopies: number;
  /** Under-replicated chunks a live owner lacks: a copy can be made now (and is queued). */
  repairable: number;
  /** Under-replicated chunks every live owner holds: no copy is possible until nodes return or join. */
  waitingForNodes: number;
  checkedAt: number;
  /** The ring changed since the pass, or owners did not answer: a new count is due. */
  stale: boolean;
}

export interface Health {
  nodeId?: string;
  /** The census's count; null before its first pass (absent from the live `health` event). */
  underReplicatedChunks?: number | null;
  replication?: ReplicationCensus | null;
  queue: { depth: number; delivered: number };
  handoff: { surplusCopiesWaiting: number; surplusCopiesDeleted: number; graceSeconds?: number };
  scrub: { passes: number; checked: number; corrupt: number; repaired: number; lastPassFinishedAt: number | null };
  gc: {
    chunksDeleted: number;
    tombstonesPurged: number;
    /** Why the last pass collected nothing (a member down, manifests not converged), or null. */
    skipped: string | null;
    /** Copies no file references, still on this node's disk after the last pass (null before the first). */
    pendingChunks?: number | null;
    minChunkAgeSeconds?: number;
  };
  members: { alive: number; suspect: number; dead: number; left: number };
}

export interface MemberStatus extends Member {
  status: NodeStatus | null;
  health: Health | null;
  error?: string;
}

export type ClusterEventType = "join" | "alive" | "suspect" | "dead" | "left" | "rebalance" | "repair";

export interface ClusterEvent {
  /** Counts up on the recording node, across its restarts. */
  seq: number;
  at: number;
  type: ClusterEventType;
  /** The node that recorded it (absent from older nodes). */
  node?: string;
  member?: string;
  message: string;
  /** In the cluster's timeline: every node that reported the same event, when more than one did. */
  seenBy?: string[];
}

/** GET /api/events/recent: the cluster's timeline, oldest first, and whose logs it merged. */
export interface EventTimeline {
  events: ClusterEvent[];
  nodes?: string[];
  /** Members that were asked and did not answer, with the reason in words. */
  unanswered?: Record<string, string>;
}

/** The `health` server-sent event: this node's health plus the member list it sees. */
export type HealthEvent = Omit<Health, "members"> & { members: Member[] };

/** GET /api/me: who the UI is logged in as (user null when the node asks for no login). */
export interface Me {
  user: string | null;
  home: string;
  role: "admin" | "user" | null;
  auth: "required" | "off";
  quotaBytes?: number | null;
}

/** A user as an admin sees them (GET /api/users). */
export interface UserView {
  name: string;
  role: "admin" | "user";
  home: string;
  quotaBytes: number | null;
  usedBytes?: number;
}

let unauthorized: () => void = () => {};
/** Called on any 401 but the login's own: the session ended, the login form comes back (session.svelte.ts). */
export function onUnauthorized(handler: () => void): void {
  unauthorized = handler;
}

export async function request<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, { ...init, headers: { accept: "application/json", ...init?.headers } });
  const text = await res.text();
  if (res.status === 401 && url !== "/api/login" && url !== "/api/me") unauthorized();
  if (!res.ok) throw errorFromBody(res.status, text, res.statusText);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(`The node sent something that is not JSON for ${url}.`, res.status, "bad_response");
  }
}

const post = <T>(url: string, body: unknown) =>
  request<T>(url, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });

/** The cluster's live settings (GET/PUT /api/cluster/settings): in force, and which of them the cluster set. */
export interface ClusterSettingsView {
  /** In force on this node: the chunk size in bytes (a node's CHUNK_SIZE_MB may be a fraction of a MiB). */
  settings: { replicationFactor: number; chunkSize: number; folderReplicationFactors?: Record<string, number> };
  /** What the cluster set: the chunk size in whole MiB. */
  set: { replicationFactor?: number; chunkSizeMiB?: number; folderReplicationFactors?: Record<string, number> };
  version: string | null;
  /** After a change: live members that confirmed it, of how many. */
  confirmed?: number;
  members?: number;
}

export const api = {
  list: (dir: string, page: { limit?: number; after?: string } = {}) => request<Listing>(apiListUrl(dir, page)),
  stat: (path: string, signal?: AbortSignal) => request<Stat>(apiStatUrl(path), { signal }),
  remove: (path: string, recursive: boolean) =>
    request<{ path: string; deleted: boolean }>(`${apiFileUrl(path)}${recursive ? "?recursive=true" : ""}`, { method: "DELETE" }),
  mkdir: (path: string) => post<{ path: string; created: boolean }>("/api/mkdir", { path: normalize(path) }),
  move: (from: string, to: string, overwrite = false) =>
    post<{ from: string; to: string }>("/api/move", { from: normalize(from), to: normalize(to), overwrite }),
  cluster: () => request<ClusterView>("/api/cluster"),
  clusterStatus: () => request<{ members: MemberStatus[] }>("/api/cluster/status"),
  status: () => request<NodeStatus>("/status"),
  health: () => request<Health>("/api/health"),
  settings: () => request<ClusterSettingsView>("/api/cluster/settings"),
  /** The settings named change; in folderReplicationFactors, null puts a folder back on the cluster's factor. */
  setSettings: (values: { replicationFactor?: number; chunkSizeMiB?: number; folderReplicationFactors?: Record<string, number | null> }) =>
    request<ClusterSettingsView>("/api/cluster/settings", { method: "PUT", body: JSON.stringify(values), headers: { "content-type": "application/json" } }),
  me: () => request<Me>("/api/me"),
  users: () => request<{ users: UserView[] }>("/api/users"),
  addUser: (user: { name: string; password: string; role: "admin" | "user"; quotaBytes: number | null }) => post<UserView>("/api/users", user),
  removeUser: (name: string) => request<{ deleted: boolean }>(`/api/users/${encodeURIComponent(name)}`, { method: "DELETE" }),
  login: (user: string, password: string) => post<Me>("/api/login", { user, password }),
  logout: () => post<{ loggedOut: boolean }>("/api/logout", {}),
  recentEvents: (limit = 100) => request<EventTimeline>(`/api/events/recent?limit=${limit}`),
};

/** The chunks of a stat answer as a list (the node may answer with a count on older versions). */
export const statChunks = (s: Stat): ChunkInfo[] => (Array.isArray(s.chunks) ? s.chunks : []);
