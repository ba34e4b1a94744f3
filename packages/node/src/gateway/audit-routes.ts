// GET /api/audit: the audit log for admins, newest first, paged, filtered by user and action (the records
// are made by the routes through audit-trail.ts).
import { apiRoutes, auditQuery, type ResponseOf } from "@orrery/api";
import { Hono } from "hono";
import type { AuditLog } from "../audit/audit-log.ts";
import { badRequest } from "../errors.ts";
import { type AdminRoutesDeps, requireAdmin } from "./admin-routes.ts";

export const DEFAULT_AUDIT_PAGE = 100;

export function auditRoutes(d: Pick<AdminRoutesDeps, "adminOpen" | "verifier"> & { audit?: AuditLog }): Hono {
  const app = new Hono();
  app.get(apiRoutes.audit.path, requireAdmin(d), (c) => {
    const parsed = auditQuery.safeParse(c.req.query());
    if (!parsed.success) throw badRequest("invalid_query", "limit is 1..1000, action one of the audit actions", { issues: parsed.error.issues.map((i) => i.message) });
    const { limit = DEFAULT_AUDIT_PAGE, before, user, action } = parsed.data;
    const records = d.audit ? d.audit.page({ limit: limit + 1, before, actor: user, action }) : [];
    const more = records.length > limit;
    const page = records.slice(0, limit);
    return c.json({
      records: page, next: more ? page.at(-1)!.id : null, kept: d.audit?.count ?? 0, keep: d.audit?.keep ?? 0,
    } satisfies ResponseOf<"audit">);
  });
  return app;
}
