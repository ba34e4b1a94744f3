// The audit page's pure parts: the URL of a filtered page of the log, and how a record reads in the table.
import type { AuditRecord } from "@orrery/api";

/** The admin page's filters of the audit log (empty strings: no filter). */
export interface AuditFilter {
  user?: string;
  action?: string;
  limit?: number;
}

/** GET /api/audit with the filters set and a page's cursor. */
export function auditUrl(q: AuditFilter & { before?: string }): string {
  const params = new URLSearchParams();
  if (q.limit) params.set("limit", String(q.limit));
  if (q.before) params.set("before", q.before);
  if (q.user?.trim()) params.set("user", q.user.trim());
  if (q.action) params.set("action", q.action);
  const qs = params.toString();
  return `/api/audit${qs ? `?${qs}` : ""}`;
}

const LABELS: Record<AuditRecord["action"], string> = {
  login: "logged in",
  login_failed: "failed login",
  logout: "logged out",
  user_add: "added user",
  user_passwd: "changed password",
  user_role: "changed role",
  user_quota: "changed quota",
  user_rm: "removed user",
  token_create: "made token",
  token_revoke: "revoked token",
  share_add: "shared",
  share_rm: "ended share",
  group_add: "made group",
  group_rm: "removed group",
  group_member_add: "added to group",
  group_member_rm: "took out of group",
  delete: "deleted",
  settings_change: "changed settings",
  cluster_change: "changed the cluster",
};

/**
 * Every action, in the contract's order: the keys of LABELS, whose type makes it name each action of the
 * contract (a type-only import: a value import of @orrery/api would bring zod into the bundle).
 */
export const AUDIT_ACTIONS = Object.keys(LABELS) as AuditRecord["action"][];

/** The action in words. */
export const actionLabel = (action: AuditRecord["action"]): string => LABELS[action];

/** Whether the row should stand out: someone failing to log in, something removed. */
export const isAlarming = (action: AuditRecord["action"]): boolean => action === "login_failed" || action === "delete" || action === "user_rm";

/** The record's details as `key=value` pairs (null and empty left out). */
export function detailText(detail: AuditRecord["detail"]): string {
  return Object.entries(detail)
    .filter(([, v]) => v !== null && v !== "")
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
}

/** `2026-12-06 21:04:05` in the browser's time zone. */
export function auditTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
