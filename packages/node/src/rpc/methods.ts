// Every node-to-node call, named once: the chunk operations (binary frames on the wire) and the JSON
// methods with the zod schemas of their requests and answers. Both ends validate against these: the
// server before a handler sees a request, the caller before it believes an answer.
import { KEEP_MS, MAX_POINTS, SAMPLE_MS } from "../history/history.ts";
import { z } from "zod";
import { ackMessageSchema, pingMessageSchema } from "../membership/messages.ts";
import { versionSchema } from "../metadata/hlc.ts";
import { manifestSchema } from "../metadata/manifest.ts";
import { MAX_SEARCH_LIMIT, MAX_SEARCH_TEXT, searchHitSchema } from "../metadata/name-search.ts";
import { isCanonicalPath } from "../metadata/path.ts";
import { MAX_PUSH_ENTRIES, pushBodySchema, syncRequestSchema, syncResponseSchema } from "../metadata/sync.ts";
import { clusterEventSchema, EVENT_LOG_CAPACITY } from "../events/event-log.ts";
import { CLUSTER_KEY_PATTERN } from "../security/cluster-key.ts";
import { settingsRecordSchema } from "../settings/cluster-settings.ts";
import { accountRecordSchema, MAX_RECORDS } from "../accounts/records.ts";
import { MAX_RPC_BODY } from "../transfer/frames.ts";
import { auditRecordSchema, MAX_AUDIT_BATCH, MAX_AUDIT_KEEP } from "../audit/records.ts";
import { manifestParentsMethod } from "./manifest-parents-method.ts";
import { changeWatchMethod } from "./change-watch-method.ts";
import { manifestRangeMethods } from "./manifest-range-methods.ts";

/** Paths in one quorum read, and rows in one page of a listing read. */
export const MAX_READ_PATHS = 1000;

/** Account records in one push (a change pushes one; a catching-up peer is sent what it lacks in pages of this). */
export const MAX_ACCOUNT_PUSH = 500;

/** Ranges of the chunk digest space compared by anti-entropy (replication/chunk-digest.ts). */
export const DIGEST_RANGES = 256;

const chunkIdSchema = z.string().regex(/^[0-9a-f]{64}$/);
const canonicalPath = z.string().refine((p) => p !== "" && isCanonicalPath(p), "a canonical path");
const keyIdSchema = z.string().regex(/^[0-9a-f]{16}$/);
const ringSchema = z.string().max(100_000);
const keysAnswer = z.strictObject({ primary: keyIdSchema, keys: z.array(keyIdSchema).max(16) });
const jsonObject = z.record(z.string(), z.unknown());

const KiB = 1024;
const MiB = 1024 * KiB;
/** Bodies that carry manifests: one maximal manifest (MAX_CHUNKS ids, ~18 MB of JSON) with room to spare. */
const MANIFESTS = MAX_RPC_BODY;
/** Bodies of a few ids, a ballot or a key. */
const SMALL = 64 * KiB;

const nonNegative = z.number().min(0).max(Number.MAX_SAFE_INTEGER);
const historyPointSchema = z.strictObject({
  t: z.number().int().min(0),
  writeBps: nonNegative,
  readBps: nonNegative,
  storedBytes: nonNegative,
  capacityBytes: nonNegative,
  nodes: z.number().int().min(1).max(1),
});

export const jsonMethods = {
  /**
   * Fresh manifest rows; answered after they are committed, with the version each path holds now: a pusher
   * whose row lost to a newer one learns it, and re-stamps above it rather than count a copy it does not have.
   */
  "manifests.push": {
    limits: { request: MANIFESTS, response: SMALL + MAX_PUSH_ENTRIES * 128 },
    request: pushBodySchema,
    response: z.strictObject({ applied: z.number().int().min(0), versions: z.array(z.string().max(100)).max(MAX_PUSH_ENTRIES) }),
  },
  /** Delta anti-entropy: one page of the rows beyond the caller's marks (metadata/sync.ts). */
  "manifests.sync": { limits: { request: 2 * MiB, response: MANIFESTS },
    request: syncRequestSchema, response: syncResponseSchema },
  /**
   * Quorum reads: the rows (tombstones too) this node holds for these paths, the file's and the directory's of
   * each (null where it has none).
   */
  "manifests.get": {
    limits: { request: 4 * MiB, response: MANIFESTS },
    request: z.strictObject({ paths: z.array(z.string().refine(isCanonicalPath, "a canonical path")).min(1).max(MAX_READ_PATHS) }),
    response: z.strictObject({ rows: z.array(manifestSchema.nullable()).max(2 * MAX_READ_PATHS) }),
  },
  /**
   * Quorum reads by a node that holds rows itself: `have` gives the versions it holds, the file's and the
   * directory's of each path (null where it has none), and only rows newer than those are sent, the others null —
   * a small file's row carries its 4 KiB, which the asker would check and drop. A node of an earlier version does
   * not know this method; the asker then reads with manifests.get (replication/manifest-batches.ts).
   */
  "manifests.newer": {
    limits: { request: 4 * MiB, response: MANIFESTS },
    request: z
      .strictObject({
        paths: z.array(z.string().refine(isCanonicalPath, "a canonical path")).min(1).max(MAX_READ_PATHS),
        have: z.array(versionSchema.nullable()).max(2 * MAX_READ_PATHS),
      })
      .refine((b) => b.have.length === 2 * b.paths.length, "have: two versions (or null) per path"),
    response: z.strictObject({ rows: z.array(manifestSchema.nullable()).max(2 * MAX_READ_PATHS) }),
  },
  /** Quorum reads of a listing: one page of a directory's rows as stored, tombstones included. */
  "manifests.children": {
    limits: { request: SMALL, response: MANIFESTS },
    request: z.strictObject({
      dir: z.string().refine(isCanonicalPath, "a canonical path"),
      after: z.string().max(1024).optional(),
      limit: z.number().int().min(1).max(MAX_READ_PATHS),
    }),
    // A page may hold one row more than its limit (a directory and a file of one name stay together): at the
    // limit of MAX_READ_PATHS such a page was refused, and the read with it (503 read_quorum_unreachable).
    response: z.strictObject({ rows: z.array(manifestSchema).max(MAX_READ_PATHS + 1) }),
  },
  /**
   * The same page for a node that holds rows of it itself: `have` gives the name, kind and version of each row of its
   * own page (childVersions), and only the rows of the callee's page that the caller lacks or holds older are sent.
   * A node of an earlier version does not know this method; the caller then reads with manifests.children.
   */
  "manifests.newerChildren": {
    limits: { request: 2 * MiB, response: MANIFESTS },
    request: z.strictObject({
      dir: z.string().refine(isCanonicalPath, "a canonical path"),
      after: z.string().max(1024).optional(),
      limit: z.number().int().min(1).max(MAX_READ_PATHS),
      // A page may hold one row more than its limit: a directory and a file of one name stay together.
      have: z.array(z.tuple([z.string().min(1).max(1024), z.enum(["file", "dir"]), versionSchema])).max(MAX_READ_PATHS + 1),
    }),
    response: z.strictObject({ rows: z.array(manifestSchema).max(MAX_READ_PATHS + 1) }),
  },
  /**
   * A search across the cluster (replication/cluster-search.ts): the rows this node holds below `dir` whose name
   * holds `text` (already folded), after `after`, tombstones too, a page cut as name-search.ts cuts one.
   */
  "manifests.search": {
    limits: { request: SMALL, response: SMALL + (MAX_SEARCH_LIMIT + 1) * 2560 },
    request: z.strictObject({
      dir: z.string().refine(isCanonicalPath, "a canonical path"),
      text: z.string().min(1).max(MAX_SEARCH_TEXT),
      after: z.string().max(1024).optional(),
      limit: z.number().int().min(1).max(MAX_SEARCH_LIMIT),
    }),
    response: z.strictObject({ hits: z.array(searchHitSchema).max(MAX_SEARCH_LIMIT + 1), more: z.boolean() }),
  },
  ...manifestParentsMethod,
  ...manifestRangeMethods,
  ...changeWatchMethod,
  /** Conditional writes (consensus/): phase 1 of a Paxos round on one path among its manifest owners. */
  "paxos.prepare": {
    limits: { request: SMALL, response: MANIFESTS },
    request: z.strictObject({ path: canonicalPath, ballot: versionSchema }),
    response: z.strictObject({
      promised: z.boolean(),
      /** The ballot this acceptor holds now (ours when promised, a higher one when not). */
      ballot: versionSchema,
      accepted: z.strictObject({ ballot: versionSchema, row: manifestSchema }).nullable(),
      current: manifestSchema.nullable(),
    }),
  },
  /** Phase 2: accept a value under a ballot, unless a higher one was promised meanwhile. */
  "paxos.accept": {
    limits: { request: MANIFESTS, response: SMALL },
    request: z.strictObject({ path: canonicalPath, ballot: versionSchema, row: manifestSchema }),
    response: z.strictObject({ accepted: z.boolean(), ballot: versionSchema }),
  },
  /** Chunk anti-entropy: the answering node's range digests for the chunks both should hold. */
  "chunks.digests": {
    limits: { request: 256 * KiB, response: SMALL },
    request: z.strictObject({ ring: ringSchema }),
    response: z.strictObject({ ring: z.string().max(100), digests: z.array(z.string().regex(/^[0-9a-f]{16}$/)).length(DIGEST_RANGES) }),
  },
  /** Chunk anti-entropy: the ids in ranges whose digests differ. */
  "chunks.ids": {
    limits: { request: 256 * KiB, response: MAX_RPC_BODY },
    request: z.strictObject({ ring: ringSchema, ranges: z.array(z.number().int().min(0).max(DIGEST_RANGES - 1)).max(DIGEST_RANGES) }),
    response: z.strictObject({ ids: z.array(chunkIdSchema).max(5_000_000) }),
  },
  /** Live cluster settings (settings/): a newer record for the callee to keep; it answers the version it holds. */
  "settings.push": {
    limits: { request: SMALL, response: SMALL },
    request: z.strictObject({ record: settingsRecordSchema }),
    response: z.strictObject({ version: versionSchema }),
  },
  /** The settings record the callee holds (null before any was set). */
  "settings.get": {
    limits: { request: SMALL, response: SMALL },
    request: z.strictObject({}),
    response: z.strictObject({ record: settingsRecordSchema.nullable() }),
  },
  /** Accounts (accounts/): newer user or token records for the callee to keep; it answers how many it took. */
  "accounts.push": {
    limits: { request: 512 * KiB, response: SMALL },
    request: z.strictObject({ records: z.array(accountRecordSchema).min(1).max(MAX_ACCOUNT_PUSH) }),
    response: z.strictObject({ applied: z.number().int().min(0) }),
  },
  /** The digest of the callee's account records (equal digests: nothing to exchange). */
  "accounts.digest": {
    limits: { request: SMALL, response: SMALL },
    request: z.strictObject({}),
    response: z.strictObject({ digest: z.string().regex(/^[0-9a-f]{64}$/) }),
  },
  /** Every account record the callee holds, tombstones included (asked only when the digests differ). */
  "accounts.all": {
    limits: { request: SMALL, response: MAX_RPC_BODY },
    request: z.strictObject({}),
    response: z.strictObject({ records: z.array(accountRecordSchema).max(MAX_RECORDS) }),
  },
  /** Audit (audit/): records for the callee to keep; it answers how many it lacked. */
  "audit.push": {
    limits: { request: MiB, response: SMALL },
    request: z.strictObject({ records: z.array(auditRecordSchema).min(1).max(MAX_AUDIT_BATCH) }),
    response: z.strictObject({ taken: z.number().int().min(0) }),
  },
  /** The digest of the ids the callee holds, and how many it holds and keeps at most. */
  "audit.digest": {
    limits: { request: SMALL, response: SMALL },
    request: z.strictObject({}),
    response: z.strictObject({ digest: z.string().regex(/^[0-9a-f]{64}$/), count: z.number().int().min(0), keep: z.number().int().min(1) }),
  },
  /** Every id the callee holds, newest first (asked only when the digests differ). */
  "audit.ids": {
    limits: { request: SMALL, response: 8 * MiB },
    request: z.strictObject({}),
    response: z.strictObject({ ids: z.array(versionSchema).max(MAX_AUDIT_KEEP), keep: z.number().int().min(1) }),
  },
  /** The records of these ids that the callee holds. */
  "audit.get": {
    limits: { request: MiB, response: 2 * MiB },
    request: z.strictObject({ ids: z.array(versionSchema).min(1).max(MAX_AUDIT_BATCH) }),
    response: z.strictObject({ records: z.array(auditRecordSchema).max(MAX_AUDIT_BATCH) }),
  },
  /**
   * memberlist's TCP fallback probe: a gossip ping over the authenticated connection when datagrams went
   * unanswered; the answer is the member's ack (membership.ts). Same schemas as the datagrams.
   */
  "swim.ping": { limits: { request: 256 * KiB, response: 256 * KiB }, request: pingMessageSchema, response: ackMessageSchema },
  /** What GET /status and GET /api/health of that node say (for the cluster view of any node's UI). */
  "node.status": { limits: { request: SMALL, response: MiB },
    request: z.strictObject({}), response: z.strictObject({ status: jsonObject, health: jsonObject }) },
  /** That node's newest events, oldest first (events/: for the cluster timeline of any node's UI). */
  "events.recent": {
    limits: { request: SMALL, response: 4 * MiB },
    request: z.strictObject({ limit: z.number().int().min(1).max(EVENT_LOG_CAPACITY) }),
    response: z.strictObject({ events: z.array(clusterEventSchema).max(EVENT_LOG_CAPACITY) }),
  },
  /** That node's traffic and storage over a window, one point per step (history/: the UI's cluster charts). */
  "history.points": {
    limits: { request: SMALL, response: MiB },
    request: z.strictObject({
      sinceMs: z.number().int().min(0),
      stepMs: z.number().int().min(SAMPLE_MS).max(KEEP_MS),
    }),
    response: z.strictObject({ points: z.array(historyPointSchema).max(MAX_POINTS + 2) }),
  },
  /** Key rotation, fanned out by the node an admin talks to (security/keyring.ts). */
  "keys.list": { limits: { request: SMALL, response: SMALL }, request: z.strictObject({}), response: keysAnswer },
  "keys.install": { limits: { request: SMALL, response: SMALL }, request: z.strictObject({ key: z.string().regex(CLUSTER_KEY_PATTERN) }), response: keysAnswer },
  "keys.use": { limits: { request: SMALL, response: SMALL }, request: z.strictObject({ keyId: keyIdSchema }), response: keysAnswer },
  "keys.remove": { limits: { request: SMALL, response: SMALL }, request: z.strictObject({ keyId: keyIdSchema }), response: keysAnswer },
} as const;

export type JsonMethod = keyof typeof jsonMethods;
export type JsonRequest<M extends JsonMethod> = z.output<(typeof jsonMethods)[M]["request"]>;
export type JsonResponse<M extends JsonMethod> = z.output<(typeof jsonMethods)[M]["response"]>;

export function isJsonMethod(method: string): method is JsonMethod {
  return Object.hasOwn(jsonMethods, method);
}

/**
 * The most bytes of JSON a request of `method` may carry: the server refuses a larger one before it buffers
 * it (transfer/server.ts), and a caller never sends one. An unknown method gets room for its refusal only.
 */
export function rpcRequestLimit(method: string): number {
  return isJsonMethod(method) ? jsonMethods[method].limits.request : SMALL;
}

/** The most bytes of JSON an answer to `method` may carry: the caller refuses a larger one before reserving room for it. */
export function rpcResponseLimit(method: string): number {
  return isJsonMethod(method) ? jsonMethods[method].limits.response : SMALL;
}

/** The chunk operations, carried as binary frames (transfer/frames.ts). */
export interface ChunkMethods {
  "chunk.put": { request: { chunkId: string; data: Uint8Array }; response: void };
  "chunk.get": { request: { chunkId: string }; response: Uint8Array };
  "chunk.has": { request: { ids: string[] }; response: boolean[] };
}

export type Method = JsonMethod | keyof ChunkMethods;
export type RequestOf<M extends Method> = M extends JsonMethod ? JsonRequest<M> : M extends keyof ChunkMethods ? ChunkMethods[M]["request"] : never;
export type ResponseOf<M extends Method> = M extends JsonMethod ? JsonResponse<M> : M extends keyof ChunkMethods ? ChunkMethods[M]["response"] : never;

/** Server side of the JSON methods: one function per method, given the authenticated caller's id. */
export type JsonHandlers = { [M in JsonMethod]?: (from: string, request: JsonRequest<M>) => Promise<JsonResponse<M>> | JsonResponse<M> };
