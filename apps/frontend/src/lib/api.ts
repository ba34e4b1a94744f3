// The node's HTTP API as the UI uses it: same-origin relative URLs (the UI works from any node),
// JSON in and out, errors as ApiError carrying the node's `{error, code}`.
import { ApiError, errorFromBody } from "./errors.ts";
import { apiFileUrl, apiListUrl, apiStatUrl, normalize } from "./paths.ts";
import { type AuditFilter, auditUrl } from "./audit.ts";
import { apiSearchUrl } from "./search.ts";
import type { BodyOf, ChunkHealth, ClusterSettingsView, Entry, ResponseOf, Stat } from "@orrery/api";

// The answers' types come from the API contract (@orrery/api), type-only: nothing of zod reaches the bundle.
export type {
  AuditRecord,
  ChunkHealth as ChunkInfo,
  ClusterEvent,
  ClusterEventType,
  ClusterHistory,
  ClusterSettingsView,
  ClusterView,
  Entry,
  EventTimeline,
  Health,
  HealthEvent,
  Listing,
  Member,
  MemberState,
  MemberStatus,
  NodeStatus,
  ReplicationCensus,
  Stat,
} from "@orrery/api";
export type EntryKind = Entry["kind"];

/** GET /api/me: who the UI is logged in as (user null when the node asks for no login). */
export type Me = ResponseOf<"me">;
/** A user as an admin sees them (GET /api/users). */
export type UserView = ResponseOf<"listUsers">["users"][number];

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

export const api = {
  list: (dir: string, page: { limit?: number; after?: string; totals?: boolean } = {}) => request<ResponseOf<"getFile">>(apiListUrl(dir, page)),
  /** Files and folders below `dir` whose name holds `q`, at any depth (a page; `after` the previous one's `next`). */
  search: (dir: string, q: string, after?: string) => request<ResponseOf<"search">>(apiSearchUrl(dir, q, { after })),
  stat: (path: string, signal?: AbortSignal) => request<ResponseOf<"stat">>(apiStatUrl(path), { signal }),
  remove: (path: string, recursive: boolean) =>
    // A folder by its path with '/': a file of the same path stays (and the other way round).
    request<ResponseOf<"deleteFile">>(`${apiFileUrl(path, { dir: recursive })}${recursive ? "?recursive=true" : ""}`, { method: "DELETE" }),
  mkdir: (path: string) => post<ResponseOf<"mkdir", 201>>("/api/mkdir", { path: normalize(path) } satisfies BodyOf<"mkdir">),
  // `dir`: the folder at `from` (a path with '/'), when a file of the same path is there too.
  move: (from: string, to: string, overwrite = false, dir = false) =>
    post<ResponseOf<"move">>("/api/move", { from: `${normalize(from)}${dir ? "/" : ""}`, to: normalize(to), overwrite } satisfies BodyOf<"move">),
  cluster: () => request<ResponseOf<"cluster">>("/api/cluster"),
  clusterStatus: () => request<ResponseOf<"clusterStatus">>("/api/cluster/status"),
  clusterHistory: (minutes: number) => request<ResponseOf<"clusterHistory">>(`/api/cluster/history?minutes=${minutes}`),
  status: () => request<ResponseOf<"status">>("/status"),
  health: () => request<ResponseOf<"health">>("/api/health"),
  settings: () => request<ResponseOf<"getSettings">>("/api/cluster/settings"),
  /** The settings named change; in folderReplicationFactors, null puts a folder back on the cluster's factor. */
  setSettings: (values: BodyOf<"putSettings">): Promise<ClusterSettingsView> =>
    request<ResponseOf<"putSettings">>("/api/cluster/settings", { method: "PUT", body: JSON.stringify(values), headers: { "content-type": "application/json" } }),
  me: () => request<Me>("/api/me"),
  users: () => request<ResponseOf<"listUsers">>("/api/users"),
  addUser: (user: BodyOf<"addUser">) => post<ResponseOf<"addUser", 201>>("/api/users", user),
  audit: (q: AuditFilter & { before?: string }) => request<ResponseOf<"audit">>(auditUrl(q)),
  removeUser: (name: string) => request<ResponseOf<"removeUser">>(`/api/users/${encodeURIComponent(name)}`, { method: "DELETE" }),
  /** A new password (one's own: with currentPassword), a role or a quota (null: none). */
  changeUser: (name: string, change: BodyOf<"changeUser">) =>
    request<ResponseOf<"changeUser">>(`/api/users/${encodeURIComponent(name)}`, { method: "PATCH", body: JSON.stringify(change), headers: { "content-type": "application/json" } }),
  tokens: () => request<ResponseOf<"listTokens">>("/api/tokens"),
  createToken: (body: BodyOf<"createToken">) => post<ResponseOf<"createToken", 201>>("/api/tokens", body),
  revokeToken: (id: string) => request<ResponseOf<"revokeToken">>(`/api/tokens/${encodeURIComponent(id)}`, { method: "DELETE" }),
  groups: () => request<ResponseOf<"listGroups">>("/api/groups"),
  addGroup: (name: string) => post<ResponseOf<"addGroup", 201>>("/api/groups", { name } satisfies BodyOf<"addGroup">),
  removeGroup: (name: string) => request<ResponseOf<"removeGroup">>(`/api/groups/${encodeURIComponent(name)}`, { method: "DELETE" }),
  /** Adds (`put`) or takes out (`delete`) a member. */
  groupMember: (group: string, user: string, how: "PUT" | "DELETE") =>
    request<ResponseOf<"addGroupMember">>(`/api/groups/${encodeURIComponent(group)}/members/${encodeURIComponent(user)}`, { method: how }),
  /** Shares a folder with a user or a group. */
  share: (body: BodyOf<"share">) => post<ResponseOf<"share", 201>>("/api/shares", { ...body, path: normalize(body.path) }),
  /** Shares the signed-in user made or was given (an admin: all). */
  shares: () => request<ResponseOf<"listShares">>("/api/shares"),
  unshare: (id: string) => request<ResponseOf<"unshare">>(`/api/shares/${encodeURIComponent(id)}`, { method: "DELETE" }),
  login: (user: string, password: string) => post<ResponseOf<"login">>("/api/login", { user, password } satisfies BodyOf<"login">),
  logout: () => post<ResponseOf<"logout">>("/api/logout", {}),
  s3Keys: () => request<ResponseOf<"listS3Keys">>("/api/s3keys"),
  createS3Key: (body: BodyOf<"createS3Key">) => post<ResponseOf<"createS3Key", 201>>("/api/s3keys", body),
  revokeS3Key: (accessKey: string) => request<ResponseOf<"revokeS3Key">>(`/api/s3keys/${encodeURIComponent(accessKey)}`, { method: "DELETE" }),
  links: () => request<ResponseOf<"listLinks">>("/api/links"),
  createLink: (path: string, expiresInSeconds: number) =>
    post<ResponseOf<"createLink", 201>>("/api/links", { path: normalize(path), expiresInSeconds } satisfies BodyOf<"createLink">),
  revokeLink: (id: string) => request<ResponseOf<"revokeLink">>(`/api/links/${encodeURIComponent(id)}`, { method: "DELETE" }),
  /** Forgets a dead member for good: it becomes left everywhere and no longer holds up garbage collection. */
  forget: (id: string) => post<ResponseOf<"forget">>(`/api/cluster/members/${encodeURIComponent(id)}/forget`, {}),
  recentEvents: (limit = 100) => request<ResponseOf<"recentEvents">>(`/api/events/recent?limit=${limit}`),
};

/** The chunks of a stat answer as a list. */
export const statChunks = (s: Stat): ChunkHealth[] => s.chunks;
