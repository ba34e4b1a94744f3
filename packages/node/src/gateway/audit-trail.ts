// The audit trail of the HTTP port: a middleware that leaves the node's AuditLog on every request's context,
// and recordAudit() for the routes that change accounts, shares or files: who, through which interface, from
// where. It reads the principal the authenticator left (auth.ts), without importing it: auth.ts records too.
import type { Context, MiddlewareHandler } from "hono";
import type { AuditLog } from "../audit/audit-log.ts";
import type { AuditAction, AuditRecord, AuditVia } from "../audit/records.ts";
import type { Principal } from "../accounts/authorize.ts";
import { remoteAddressOf } from "./http-server.ts";

type AuditVariables = { audit?: AuditLog };

const principalOf = (c: Context): Principal => (c.get("principal") as Principal | undefined) ?? { kind: "anonymous" };

/**
 * Leaves `log` on the context for recordAudit (before the authenticator: a failed login is recorded too).
 *
 * @example app.use(auditTrail(auditLog))
 */
export function auditTrail(log: AuditLog | undefined): MiddlewareHandler<{ Variables: AuditVariables }> {
  return async (c, next) => {
    if (log) c.set("audit", log);
    return next();
  };
}

/** How this request came: WebDAV by its path, the UI by its session, a signed admin request by its scheme. */
function viaOf(c: Context): AuditVia {
  if (c.req.path === "/dav" || c.req.path.startsWith("/dav/")) return "webdav";
  const p = principalOf(c);
  if (p.kind === "user") return p.via === "session" ? "ui" : "api";
  return c.req.header("authorization")?.startsWith("Orrery-Admin") ? "admin-key" : "api";
}

/**
 * Records that this request's principal did `action` to `target` (a no-op where the node keeps no audit log).
 * `as.actor` names someone other than the principal (the user a failed login named, the one a login opened),
 * `as.via` an interface the request does not show (the web UI's login).
 */
export function recordAudit(c: Context, action: AuditAction, target: string, detail: AuditRecord["detail"] = {}, as: { actor?: string | null; via?: AuditVia } = {}): void {
  const log = c.get("audit") as AuditLog | undefined;
  if (!log) return;
  const p = principalOf(c);
  log.record({
    actor: as.actor !== undefined ? (as.actor?.slice(0, 64) ?? null) : p.kind === "user" ? p.name : null,
    action,
    target: target.slice(0, 1100),
    via: as.via ?? viaOf(c),
    address: remoteAddressOf(c.req.raw)?.slice(0, 64) ?? null,
    detail,
  });
}
