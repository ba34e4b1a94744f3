// WebDAV's routes on /dav/ with the WebDAV modules (routes.ts and the XML, locking and property code under it)
// loaded on the first request that needs them: a node nobody mounts never loads them (docs/architecture.md, Lazy loading).
import { type Context, Hono } from "hono";
import { type Lazy, lazy } from "../util/lazy.ts";
import { DAV_PREFIX } from "./paths.ts";
import type { WebdavDeps } from "./preconditions.ts";
import type { WebdavHandlers } from "./routes.ts";

/** The same paths as webdavRoutes (routes.ts), served once its module has loaded. */
export function lazyWebdavRoutes(d: WebdavDeps, load: () => Promise<WebdavHandlers> = async () => (await import("./routes.ts")).webdavHandlers(d)): {
  app: Hono;
  handlers: Lazy<WebdavHandlers>;
} {
  const handlers = lazy(load);
  const app = new Hono();
  const dav = async (c: Context) => (await handlers.get()).dav(c);
  app.all(DAV_PREFIX, dav);
  app.all(`${DAV_PREFIX}/*`, dav);
  app.options("/", async () => (await handlers.get()).rootOptions());
  return { app, handlers };
}
