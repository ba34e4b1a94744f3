// The audit log's records: who did what, when, to what, through which interface. Each is immutable and
// named by an id that sorts by time (a hybrid-logical-clock version: wall ms, counter, node), so every node
// holds the same set, ordered the same way, and keeps the newest AUDIT_KEEP of them. Pure.
import { AUDIT_ACTIONS } from "@orrery/api";
import { z } from "zod";
import { versionSchema } from "../metadata/hlc.ts";

export const auditActionSchema = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof auditActionSchema>;

/** How the request came: the files API (scripts, the CLI), the web UI (a session), WebDAV, S3, or the cluster key. */
export const auditViaSchema = z.enum(["api", "ui", "webdav", "s3", "admin-key"]);
export type AuditVia = z.infer<typeof auditViaSchema>;

/** Small facts about the action (recursive, the new role, a quota, how many attempts were left out). */
const detailValue = z.union([z.string().max(256), z.number(), z.boolean(), z.null()]);

export const auditRecordSchema = z.strictObject({
  id: versionSchema,
  /** Milliseconds since the epoch, on the recording node's clock. */
  at: z.number().int().min(0),
  /** The user who acted (a name as typed, for a failed login), or null: an anonymous client or the cluster key. */
  actor: z.string().max(64).nullable(),
  action: auditActionSchema,
  /** What the action was about: a path, a user name, a token or share id. */
  target: z.string().max(1100),
  via: auditViaSchema,
  /** The client's address as the recording node's socket saw it. */
  address: z.string().max(64).nullable(),
  /** The node that recorded it. */
  node: z.string().max(64),
  detail: z.record(z.string().max(32), detailValue).refine((d) => Object.keys(d).length <= 8, "at most 8 details"),
});
export type AuditRecord = z.infer<typeof auditRecordSchema>;

/** What a caller says; the log adds id, time and node. */
export type AuditEntry = Omit<AuditRecord, "id" | "at" | "node">;

export const DEFAULT_AUDIT_KEEP = 10_000;
/** AUDIT_KEEP's ceiling: the ids of that many records fit one peer answer with room (~40 bytes each). */
export const MAX_AUDIT_KEEP = 100_000;
/** Records in one push or one fetch by id. */
export const MAX_AUDIT_BATCH = 500;
