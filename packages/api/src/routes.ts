// The node's HTTP API, every route once: the gateway registers exactly these (a test compares them with what
// Hono holds), its handlers answer with these types, and /api/openapi.json and /api/docs are generated from here.
// Adding a route: one entry below (its schemas beside the others of its area), then the handler in the gateway.
import { z } from "zod";
import * as admin from "./admin.ts";
import * as cluster from "./cluster.ts";
import * as files from "./files.ts";
import { accountRoutes } from "./account-routes.ts";
import { defineRoutes, failure } from "./route.ts";
import { versionRoutes } from "./version-routes.ts";

const badInput = failure("the request is malformed (code names the problem: invalid_path, invalid_body, …)");
const notFound = failure("no such file or directory (not_found)");
const unavailable = failure("not enough replicas answered (quorum_unavailable), the node is resyncing, or it serves too many streams");
const adminRefused = failure("admin_credential_required: this node binds beyond loopback, so the request must be signed with the cluster key");
const sseHeartbeat = z.object({}).describe("every 15 s when idle");

export const apiRoutes = defineRoutes({
  getRoot: {
    method: "get", path: "/api/files", tag: "files", summary: "List the root directory",
    request: { query: files.listQuery },
    responses: { 200: { description: "the root's entries", json: files.listingSchema }, 400: badInput, 503: unavailable },
  },
  getFile: {
    method: "get", path: "/api/files/*", tag: "files", summary: "Download a file (Range supported) or list a directory",
    request: { params: files.filePathParams, query: files.listQuery },
    responses: {
      200: { description: "a directory's listing (JSON), or a file's bytes (the content type it was uploaded with, else application/octet-stream)", json: files.listingSchema, contentType: "*/*" },
      206: { description: "the asked byte range of a file", contentType: "*/*" },
      304: { description: "If-None-Match matched the file's ETag" },
      400: badInput, 404: notFound, 416: failure("the range lies beyond the file (range_not_satisfiable)"), 503: unavailable,
    },
  },
  headFile: {
    method: "head", path: "/api/files/*", tag: "files", summary: "A file's headers (size, ETag, version) without its bytes",
    request: { params: files.filePathParams },
    responses: { 200: { description: "the headers a GET would send" }, 404: { description: "no such file" } },
  },
  putFile: {
    method: "put", path: "/api/files/*", tag: "files", summary: "Upload a file (the body is its bytes); parents are made",
    request: { params: files.filePathParams, query: files.putQuery, headers: files.putHeaders, body: { contentType: "application/octet-stream", description: "the file's bytes" } },
    responses: {
      201: { description: "written at the asked durability", json: files.putResultSchema },
      400: badInput, 409: failure("a directory is in the way (is_a_directory, not_a_directory)"),
      412: failure("If-Match / If-None-Match did not hold (precondition_failed)"), 503: unavailable, 507: failure("no node has room (store_full)"),
    },
  },
  deleteFile: {
    method: "delete", path: "/api/files/*", tag: "files", summary: "Delete a file, or a directory (recursive=true when not empty)",
    request: { params: files.filePathParams, query: files.deleteQuery },
    responses: {
      200: { description: "deleted (a tombstone)", json: files.deleteResultSchema },
      400: badInput, 404: notFound, 409: failure("the directory is not empty (not_empty)"), 412: failure("If-Match did not hold"), 503: unavailable,
    },
  },
  mkdir: {
    method: "post", path: "/api/mkdir", tag: "files", summary: "Make a directory (and its parents)",
    request: { body: files.mkdirBodySchema },
    responses: {
      201: { description: "made", json: files.mkdirResultSchema },
      200: { description: "it existed already (created: false)", json: files.mkdirResultSchema },
      400: badInput, 409: failure("a file is in the way"), 503: unavailable,
    },
  },
  move: {
    method: "post", path: "/api/move", tag: "files", summary: "Move or rename a file or directory",
    request: { body: files.moveBodySchema },
    responses: {
      200: { description: "moved", json: files.moveResultSchema },
      400: badInput, 404: notFound, 409: failure("the target exists (exists; overwrite: true replaces a file)"), 503: unavailable,
    },
  },
  stat: {
    method: "get", path: "/api/stat/*", tag: "files", summary: "A file's metadata and where its chunks live (live copy counts)",
    request: { params: files.filePathParams, query: z.object({ consistency: files.consistencySchema.optional() }) },
    responses: { 200: { description: "the entry with its chunks' owners and holders", json: files.statSchema }, 400: badInput, 404: notFound, 503: unavailable },
  },
  zip: {
    method: "get", path: "/api/zip", tag: "files", summary: "Download files and folders as one ZIP archive, streamed",
    description: "Stored (no compression), ZIP64 where sizes or the entry count need it; names relative to the paths' common folder; what the caller may not read is left out. The entries are listed before the first byte is sent (at most ZIP_MAX_ENTRIES), so a missing path or too many entries is an error answer, not a broken archive.",
    request: { query: files.zipQuery },
    responses: {
      200: { description: "the archive, as an attachment named after the folder", contentType: "application/zip" },
      400: failure("no path, a malformed one, or more entries than ZIP_MAX_ENTRIES (too_many_entries)"), 401: failure("a login is required (login_required)"),
      403: failure("a named path the caller may not read (forbidden)"), 404: notFound, 503: unavailable,
    },
  },
  search: {
    method: "get", path: "/api/search", tag: "files", summary: "Find files and folders by name below a folder, at any depth",
    description: "Matches this node's rows (every node holds every row), a page at a time in path order; what the caller may not read is left out. A folder made implicitly by a file below it (S3) has no row and is not found by its own name.",
    request: { query: files.searchQuery },
    responses: {
      200: { description: "a page of matches", json: files.searchResultSchema },
      400: badInput, 401: failure("a login is required (login_required)"), 403: failure("the folder is not the caller's to read (forbidden)"), 404: notFound,
    },
  },
  changes: {
    method: "get", path: "/api/changes", tag: "events", summary: "Server-sent events: every change at or below a folder (orrery sync)",
    description: "`ready` once subscribed (list the folder after it and miss nothing), then a `change` per committed row; `overflow` when the client fell 1024 changes behind (list again).",
    request: { query: files.changesQuery },
    responses: {
      200: { description: "an event stream", events: { ready: z.object({ path: z.string() }), change: files.changeSchema, overflow: z.object({ dropped: z.literal(true) }), ping: sseHeartbeat } },
      400: badInput, 503: unavailable,
    },
  },

  status: {
    method: "get", path: "/status", tag: "cluster", summary: "This node at a glance",
    responses: { 200: { description: "the node's status", json: cluster.nodeStatusSchema } },
  },
  health: {
    method: "get", path: "/api/health", tag: "cluster", summary: "Repair and rebalance progress on this node",
    responses: { 200: { description: "the replica census, the queue, hand-off, scrub, GC and the background workers", json: cluster.healthSchema } },
  },
  cluster: {
    method: "get", path: "/api/cluster", tag: "cluster", summary: "The members as this node sees them, and the ring as the web UI draws it",
    responses: { 200: { description: "members and the ring summarised per member (shares, owned arcs, sampled virtual nodes; bounded in size)", json: cluster.clusterViewSchema } },
  },
  clusterStatus: {
    method: "get", path: "/api/cluster/status", tag: "cluster", summary: "Every member's status and health, asked over the peer RPC",
    responses: { 200: { description: "one entry per member (status null when it did not answer)", json: cluster.clusterStatusSchema } },
  },
  clusterHistory: {
    method: "get", path: "/api/cluster/history", tag: "cluster", summary: "Traffic and storage of every member over a window, added up step by step (the UI's charts)",
    request: { query: cluster.historyQuery },
    responses: { 200: { description: "one point per step (at most 360), oldest first", json: cluster.clusterHistorySchema }, 400: badInput },
  },
  events: {
    method: "get", path: "/api/events", tag: "events", summary: "Server-sent events: cluster events as they happen, and health every 2 s",
    responses: {
      200: { description: "an event stream", events: { cluster: cluster.clusterEventSchema, health: cluster.healthEventSchema, ping: sseHeartbeat } },
      503: unavailable,
    },
  },
  recentEvents: {
    method: "get", path: "/api/events/recent", tag: "events", summary: "The cluster's timeline: every answering member's events, merged",
    request: { query: cluster.recentEventsQuery },
    responses: { 200: { description: "events, oldest first", json: cluster.eventTimelineSchema }, 400: badInput },
  },

  getSettings: {
    method: "get", path: "/api/cluster/settings", tag: "admin", summary: "The live cluster settings",
    responses: { 200: { description: "in force, and what the cluster set", json: admin.settingsViewSchema } },
  },
  putSettings: {
    method: "put", path: "/api/cluster/settings", tag: "admin", auth: "admin", summary: "Change live settings (the ones named; the others keep their values)",
    request: { body: admin.settingsChangeBodySchema },
    responses: { 200: { description: "changed, and how many live members confirmed", json: admin.settingsChangedSchema }, 400: badInput, 401: adminRefused },
  },
  leave: {
    method: "post", path: "/api/cluster/leave", tag: "admin", auth: "admin", summary: "Leave the cluster gracefully (hand chunks off, then stop)",
    responses: { 202: { description: "leaving", json: admin.leaveSchema }, 401: adminRefused },
  },
  forget: {
    method: "post", path: "/api/cluster/members/:id/forget", tag: "admin", auth: "admin", summary: "Forget a dead member for good",
    request: { params: admin.memberIdParams },
    responses: {
      200: { description: "the member, now left", json: admin.forgetSchema },
      400: badInput, 401: adminRefused, 404: failure("no such member (no_member)"), 409: failure("the member is not dead (member_alive)"),
    },
  },
  listKeys: {
    method: "get", path: "/api/cluster/keys", tag: "admin", auth: "admin", summary: "Every member's cluster keys",
    responses: { 200: { description: "per member: its primary key and the keys it accepts", json: admin.keyStepSchema }, 401: adminRefused },
  },
  installKey: {
    method: "post", path: "/api/cluster/keys/install", tag: "admin", auth: "admin", summary: "Install a new cluster key on every member (step 1 of a rotation)",
    request: { body: admin.keyInstallBodySchema },
    responses: { 200: { description: "installed", json: admin.keyStepSchema }, 400: badInput, 401: adminRefused },
  },
  useKey: {
    method: "post", path: "/api/cluster/keys/use", tag: "admin", auth: "admin", summary: "Make an installed key the primary on every member (step 2)",
    request: { body: admin.keyIdBodySchema },
    responses: { 200: { description: "switched", json: admin.keyStepSchema }, 400: badInput, 401: adminRefused, 409: failure("a member lacks the key") },
  },
  removeKey: {
    method: "post", path: "/api/cluster/keys/remove", tag: "admin", auth: "admin", summary: "Remove an old key from every member (step 3)",
    request: { body: admin.keyIdBodySchema },
    responses: { 200: { description: "removed", json: admin.keyStepSchema }, 400: badInput, 401: adminRefused, 409: failure("a member still uses the key") },
  },
  faults: {
    method: "post", path: "/api/admin/faults", tag: "admin", auth: "admin", summary: "Test hook: cut this node off from the named peers, delay its gossip reads (FAULT_INJECTION=true)",
    request: { body: admin.faultsSchema },
    responses: { 200: { description: "the peers now blocked", json: admin.faultsSchema }, 400: badInput, 401: adminRefused, 403: failure("fault injection is disabled") },
  },

  metrics: {
    method: "get", path: "/metrics", tag: "meta", summary: "Prometheus metrics",
    responses: { 200: { description: "the text exposition format", contentType: "text/plain; version=0.0.4" } },
  },
  openapi: {
    method: "get", path: "/api/openapi.json", tag: "meta", summary: "This API as an OpenAPI 3.1 document",
    responses: { 200: { description: "the document", json: z.looseObject({ openapi: z.string(), info: z.looseObject({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) }) } },
  },
  docs: {
    method: "get", path: "/api/docs", tag: "meta", summary: "This API's reference, as a web page",
    responses: { 200: { description: "an HTML page (no script)", contentType: "text/html; charset=utf-8" } },
  },
  ...versionRoutes,
  ...accountRoutes,
});

export type ApiRoutes = typeof apiRoutes;
export type RouteId = keyof ApiRoutes;
type Responses<Id extends RouteId> = ApiRoutes[Id]["responses"];

/** The JSON body a route answers with at a status (200 unless named): what handlers return and clients read. */
export type ResponseOf<Id extends RouteId, S extends keyof Responses<Id> = 200 & keyof Responses<Id>> =
  Responses<Id>[S] extends { json: infer T extends z.ZodType } ? z.output<T> : never;

/** The JSON body a route takes (as a client sends it). */
export type BodyOf<Id extends RouteId> = ApiRoutes[Id] extends { request: { body: infer T extends z.ZodType } } ? z.input<T> : never;

/** The data of one server-sent event of a streaming route. */
export type EventOf<Id extends RouteId, E extends string> = Responses<Id>[200 & keyof Responses<Id>] extends { events: infer Ev extends Record<string, z.ZodType> }
  ? E extends keyof Ev ? z.output<Ev[E]> : never
  : never;
