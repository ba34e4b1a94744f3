// The node's single Hono app: files API, cluster API, WebDAV, metrics, the web UI; JSON errors everywhere.
// Nothing node-to-node is served here: peers talk over the authenticated transfer port (rpc/).
import { apiRoutes } from "@orrery/api";
import { Hono } from "hono";
import type { Logger } from "../log.ts";
import type { PeerRpc } from "../rpc/peer-rpc.ts";
import { accountRoutes } from "./account-routes.ts";
import type { AuditLog } from "../audit/audit-log.ts";
import { auditRoutes } from "./audit-routes.ts";
import { auditTrail } from "./audit-trail.ts";
import { shareRoutes } from "./share-routes.ts";
import { groupRoutes } from "./group-routes.ts";
import { linkRoutes } from "./link-routes.ts";
import { s3KeyRoutes } from "./s3key-routes.ts";
import { type AdminRoutesDeps, adminRoutes } from "./admin-routes.ts";
import { type Authenticator, openAccess } from "./auth.ts";
import { apiDocsRoutes } from "./api-docs.ts";
import { changesRoutes, type ChangesRoutesDeps } from "./changes-routes.ts";
import { type ClusterRoutesDeps, clusterRoutes } from "./cluster-routes.ts";
import { clusterStatusRoutes } from "./cluster-status.ts";
import { historyRoutes } from "./history-routes.ts";
import { csrfGuard } from "./csrf.ts";
import { eventRoutes } from "./event-routes.ts";
import { toErrorResponse } from "./errors.ts";
import { type FilesRoutesDeps, filesRoutes } from "./files-routes.ts";
import { type VersionsRoutesDeps, versionsRoutes } from "./versions-routes.ts";
import { type ZipRoutesDeps, zipRoutes } from "./zip-routes.ts";
import { searchRoutes } from "./search-routes.ts";
import { type HostAllowList, hostCheck } from "./host-check.ts";
import type { NodeMetrics } from "./metrics.ts";
import { nosniff } from "./nosniff.ts";
import { type UiSource, uiRoutes } from "./ui.ts";
import type { WebdavDeps } from "../webdav/preconditions.ts";
import { lazyWebdavRoutes } from "../webdav/lazy-routes.ts";

export type GatewayDeps = FilesRoutesDeps &
  VersionsRoutesDeps &
  Partial<ChangesRoutesDeps> &
  Partial<ZipRoutesDeps> &
  WebdavDeps &
  ClusterRoutesDeps &
  AdminRoutesDeps & {
    rpc: PeerRpc;
    /** How long the cluster view waits for each member's status. */
    statusTimeoutMs: number;
    log: Logger;
    ui: UiSource;
    /** Prometheus metrics: counts every request and answers GET /metrics. */
    metrics?: NodeMetrics;
    /** The Host names this node answers (DNS rebinding guard); every other Host gets 421. */
    allowedHosts: HostAllowList;
    /** Logins and who may do what (gateway/auth.ts); absent: an open node without accounts (tests). */
    authenticator?: Authenticator;
    /** SHARE_LINK_MAX_DAYS: the longest a share link may live (default 30). */
    linkMaxDays?: number;
    /** Who did what (audit/): recorded by the routes, read at GET /api/audit; absent: nothing recorded. */
    audit?: AuditLog;
  };

/** ZIP_MAX_ENTRIES's default, for gateways built without a config (tests). */
const DEFAULT_ZIP_MAX_ENTRIES = 10_000;

export function createGateway(d: GatewayDeps): Hono {
  const app = new Hono();
  app.onError((err, c) => toErrorResponse(err, c, d.log));
  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}`, code: "no_route" }, 404));
  app.use(nosniff());
  const metrics = d.metrics;
  if (metrics) app.use(metrics.middleware());
  // Browser safety, before any route (docs/architecture.md, "Browser safety"): a foreign Host is
  // refused whatever the method, and a request another site could have sent changes nothing.
  app.use(hostCheck(d.allowedHosts));
  app.use(csrfGuard());
  app.use(auditTrail(d.audit));
  // Who is asking, before any route: every files and WebDAV route asks access() with the principal found here.
  app.use(d.authenticator ? d.authenticator.middleware() : openAccess());
  if (d.authenticator) {
    app.route("/", accountRoutes({ ...d, authenticator: d.authenticator }));
    app.route("/", shareRoutes({ ...d, authenticator: d.authenticator }));
    app.route("/", groupRoutes({ ...d, authenticator: d.authenticator }));
    app.route("/", s3KeyRoutes({ authenticator: d.authenticator }));
    app.route("/", linkRoutes({ ...d, authenticator: d.authenticator, linkMaxDays: d.linkMaxDays ?? 30 }));
  }
  app.route("/", auditRoutes(d));
  if (metrics) app.get(apiRoutes.metrics.path, async (c) => c.body(await metrics.text(), 200, { "Content-Type": metrics.contentType }));
  app.route("/", filesRoutes(d));
  app.route("/", zipRoutes({ ...d, zipMaxEntries: d.zipMaxEntries ?? DEFAULT_ZIP_MAX_ENTRIES }));
  app.route("/", searchRoutes(d));
  if (d.versions) app.route("/", versionsRoutes({ versions: d.versions }));
  app.route("/", changesRoutes(d));
  // Before the UI, whose catch-all GET would otherwise answer /dav/ paths. Loaded by its first request.
  app.route("/", lazyWebdavRoutes(d).app);
  app.route("/", adminRoutes(d));
  app.route("/", clusterStatusRoutes(d));
  app.route("/", historyRoutes(d));
  app.route("/", eventRoutes(d));
  app.route("/", clusterRoutes(d));
  app.route("/", apiDocsRoutes(d.version));
  app.route(
    "/",
    uiRoutes(
      d.ui,
      () =>
        `<!doctype html><title>Orrery</title><h1>Orrery node ${d.self().id}</h1>` +
        `<p>This build has no web UI (build it with <code>pnpm build</code>). The API is here: ` +
        `<a href="/status">/status</a>, <a href="/api/cluster">/api/cluster</a>, <a href="/api/files/">/api/files/</a>; ` +
        `its reference: <a href="/api/docs">/api/docs</a>.</p>`,
    ),
  );
  return app;
}
