// The audit log's shapes (issue 13): who did what, newest first, for admins.
import { z } from "zod";

export const AUDIT_ACTIONS = [
  "login", "login_failed", "logout",
  "user_add", "user_passwd", "user_role", "user_quota", "user_rm",
  "token_create", "token_revoke",
  "share_add", "share_rm", "group_add", "group_rm", "group_member_add", "group_member_rm",
  "delete",
  "settings_change",
  "cluster_change",
] as const;
export const auditActionSchema = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof auditActionSchema>;

export const auditRecordSchema = z
  .object({
    id: z.string().describe("time-ordered: wall ms and a counter in hex, then the recording node"),
    at: z.number().int().describe("milliseconds since the epoch"),
    actor: z.string().nullable().describe("the user (as typed, for a failed login); null: anonymous or the cluster key"),
    action: auditActionSchema,
    target: z.string().describe("a path, a user name, a token or share id"),
    via: z.enum(["api", "ui", "webdav", "s3", "admin-key"]),
    address: z.string().nullable().describe("the client's address as the recording node saw it"),
    node: z.string(),
    detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  })
  .meta({ id: "AuditRecord" });
export type AuditRecord = z.infer<typeof auditRecordSchema>;

export const auditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).optional().describe("records per page (default 100)"),
  before: z.string().max(100).optional().describe("the `next` of the previous page"),
  user: z.string().max(64).optional().describe("only this actor's records"),
  action: auditActionSchema.optional(),
});

export const auditPageSchema = z.object({
  records: z.array(auditRecordSchema).describe("newest first"),
  next: z.string().nullable().describe("pass as `before` for older records; null: none"),
  kept: z.number().int().describe("records this node holds"),
  keep: z.number().int().describe("the most it holds (AUDIT_KEEP): older ones are collected"),
});
