// WebDAV class 1 and 2 on /dav/ (RFC 4918): one handler per method over FileSystem, dead properties
// in SQLite and this node's lock table. Every error here is a WebDAV response, never the JSON API format.
import { type Context, Hono } from "hono";
import { httpPrecondition } from "../consensus/http-preconditions.ts";
import { userContentHeaders } from "../gateway/user-content.ts";
import type { Manifest } from "../metadata/manifest.ts";
import { nameOf } from "../metadata/path.ts";
import { davAccess } from "./access.ts";
import { handleCopy, handleMove, parseTransfer } from "./copy-move.ts";
import { davError } from "./errors.ts";
import { handleLock, handleUnlock } from "./locking.ts";
import { LockTable } from "./locks.ts";
import { contentTypeOf, DAV_PREFIX, davPath, etagOf, hrefOf } from "./paths.ts";
import {
  checkEtagHeaders,
  checkIfHeader,
  checkLocks,
  type DavContext,
  requireParent,
  type WebdavDeps,
} from "./preconditions.ts";
import { applyProppatch, parseProppatch } from "./proppatch.ts";
import { parsePropfind, propfindDepth, propfindBody } from "./propfind.ts";
import { DAV_METHODS, davErrorResponse, xmlResponse } from "./responses.ts";
import { escapeXml, readXmlBody } from "./xml.ts";
import { recordAudit } from "../gateway/audit-trail.ts";

export type { WebdavDeps } from "./preconditions.ts";

const OPTIONS_HEADERS = { dav: "1, 2", allow: DAV_METHODS, "ms-author-via": "DAV", "content-length": "0" };

/** A request's resource: its canonical path and the live entry there, if any. */
interface Target {
  path: string;
  trailingSlash: boolean;
  entry: Manifest | undefined;
}

function target(req: Request, ctx: DavContext): Target {
  // A fragment never reaches a server from a well-behaved client; refuse rather than act on a truncated URL.
  if (req.url.includes("#")) throw davError(400, "a request URL must not carry a fragment");
  const { path, trailingSlash } = davPath(req.url);
  // A file and a collection may share a path (S3's `a/b` beside `a/b/c`): `/dav/a/b/` names the collection,
  // `/dav/a/b` the file when there is one, else the collection. `/dav/file/` names nothing: a file has no members.
  const entry = trailingSlash ? ctx.fs.lookupDir(path) : ctx.fs.lookup(path);
  return { path, trailingSlash, entry };
}

const found = (t: Target): Manifest => {
  if (!t.entry) throw davError(404, `no such resource: /${t.path}`);
  return t.entry;
};

/** A plain HTML index of a collection, for browsers (the first 1000 members). */
function collectionPage(ctx: DavContext, dir: Manifest): string {
  const rows = ctx.fs.list(dir.path, { limit: 1000 }).map((m) => {
    const name = `${nameOf(m.path)}${m.kind === "dir" ? "/" : ""}`;
    return `<li><a href="${escapeXml(hrefOf(m.path, m.kind === "dir"))}">${escapeXml(name)}</a></li>`;
  });
  const title = escapeXml(hrefOf(dir.path, true));
  return `<!doctype html><meta charset="utf-8"><title>${title}</title><h1>${title}</h1><ul>${rows.join("")}</ul>`;
}

async function getOrHead(req: Request, ctx: DavContext, head: boolean): Promise<Response> {
  const m = found(target(req, ctx));
  checkIfHeader(req, ctx, m.path);
  if (m.kind === "dir") {
    // Names in the index are escaped, but it is HTML made of users' names all the same: sandboxed too.
    const html = head ? null : collectionPage(ctx, m);
    return new Response(html, { headers: { ...userContentHeaders(nameOf(m.path)), "content-type": "text/html; charset=utf-8" } });
  }
  const etag = etagOf(m);
  const headers: Record<string, string> = {
    // The type comes from the extension, so a stored .html or .svg is served as such: sandboxed, it runs nothing.
    ...userContentHeaders(nameOf(m.path)),
    etag,
    "accept-ranges": "bytes",
    "last-modified": new Date(m.mtime).toUTCString(),
    "content-type": contentTypeOf(m),
  };
  const inm = req.headers.get("if-none-match");
  if (inm && (inm.trim() === "*" || inm.split(",").some((t) => t.trim() === etag))) return new Response(null, { status: 304, headers });
  const read = await ctx.fs.read(m, { range: req.headers.get("range"), ifRange: req.headers.get("if-range"), etag, head });
  return new Response(read.body, { status: read.status, headers: { ...headers, ...read.headers } });
}

async function put(req: Request, ctx: DavContext): Promise<Response> {
  const t = target(req, ctx);
  if (t.path === "" || t.entry?.kind === "dir") throw davError(405, "cannot PUT to a collection");
  if (t.trailingSlash) throw davError(409, "a file's URL cannot end with '/'");
  // RFC 9110 §14.5: a partial PUT would be taken for the whole representation; refuse it.
  if (req.headers.has("content-range")) throw davError(400, "PUT with Content-Range is not supported");
  requireParent(ctx, t.path);
  checkEtagHeaders(req, t.entry);
  const submitted = checkIfHeader(req, ctx, t.path);
  checkLocks(ctx, submitted, [{ path: t.path, membership: !t.entry }]);
  // macOS Finder sends chunked bodies and announces the size in X-Expected-Entity-Length.
  const length = Number(req.headers.get("content-length") ?? req.headers.get("x-expected-entity-length"));
  const sizeHint = Number.isSafeInteger(length) && length >= 0 ? length : undefined;
  // The same headers, decided by a Paxos round on the path, so a racing client cannot slip in between.
  const precondition = httpPrecondition(req.headers.get("if-match"), req.headers.get("if-none-match"), etagOf);
  const contentType = req.headers.get("content-type")?.trim();
  const meta = contentType ? { contentType } : undefined;
  const replacing = t.entry?.kind === "file" ? t.entry.size : 0;
  const hold = ctx.quotas?.hold(t.path, req.body, sizeHint, replacing);
  let result: Awaited<ReturnType<typeof ctx.fs.put>>;
  try {
    result = await ctx.fs.put(t.path, hold ? hold.body : req.body, "quorum", { sizeHint, precondition, meta });
  } finally {
    hold?.release();
  }
  if (!t.entry) ctx.davProperties.deleteTree(t.path); // left over from a file deleted outside WebDAV
  return new Response(null, { status: t.entry ? 204 : 201, headers: { etag: etagOf({ kind: "file", ...result }) } });
}

async function remove(req: Request, ctx: DavContext): Promise<Response> {
  const t = target(req, ctx);
  const m = found(t);
  if (t.path === "") throw davError(403, "the root collection cannot be deleted");
  const depth = req.headers.get("depth");
  if (m.kind === "dir" && depth !== null && depth.trim().toLowerCase() !== "infinity") {
    throw davError(400, "a collection's DELETE must have Depth infinity");
  }
  checkEtagHeaders(req, m);
  const submitted = checkIfHeader(req, ctx, t.path);
  checkLocks(ctx, submitted, [{ path: t.path, recursive: true, membership: true }]);
  // The entry the URL names goes; a file or a collection sharing its path stays.
  await ctx.fs.remove(t.path, true, "quorum", httpPrecondition(req.headers.get("if-match"), req.headers.get("if-none-match"), etagOf), m.kind);
  ctx.davProperties.deleteTree(t.path);
  ctx.locks.removeWithin(t.path);
  return new Response(null, { status: 204 });
}

async function mkcol(req: Request, ctx: DavContext): Promise<Response> {
  const t = target(req, ctx);
  // RFC 4918 §9.3: a body we do not understand is a 415 (we understand none).
  if ((await readXmlBody(req)) !== "") throw davError(415, "MKCOL with a request body is not supported");
  // RFC 4918 §9.3.1 (and litmus): MKCOL on a URL where a file is must fail, with or without the '/'. A folder
  // beside a file of its name is made through the files API or S3, and WebDAV then shows both.
  if (t.path === "" || ctx.fs.lookup(t.path)) throw davError(405, `/${t.path} already exists`);
  requireParent(ctx, t.path);
  const submitted = checkIfHeader(req, ctx, t.path);
  checkLocks(ctx, submitted, [{ path: t.path, membership: true }]);
  await ctx.fs.mkdir(t.path);
  ctx.davProperties.deleteTree(t.path);
  return new Response(null, { status: 201 });
}

async function propfind(req: Request, ctx: DavContext): Promise<Response> {
  const depth = propfindDepth(req.headers.get("depth"));
  const body = parsePropfind(await readXmlBody(req));
  const m = found(target(req, ctx));
  checkIfHeader(req, ctx, m.path);
  return xmlResponse(propfindBody(m, depth, body, ctx), 207);
}

async function proppatch(req: Request, ctx: DavContext): Promise<Response> {
  const m = found(target(req, ctx));
  const ops = parseProppatch(await readXmlBody(req));
  const submitted = checkIfHeader(req, ctx, m.path);
  checkLocks(ctx, submitted, [{ path: m.path }]);
  return xmlResponse(applyProppatch(m, ops, ctx.davProperties), 207);
}

/** Quorum reads: the resource (and a collection's members) are brought up to date before any method looks. */
async function refreshTarget(req: Request, ctx: DavContext): Promise<void> {
  if (req.url.includes("#") || req.method === "OPTIONS") return;
  const paths = [davPath(req.url).path];
  const destination = req.headers.get("destination");
  if (destination) {
    try {
      paths.push(davPath(new URL(destination, req.url).href).path);
    } catch {
      // A bad Destination is refused by the COPY/MOVE handler with WebDAV's error.
    }
  }
  await ctx.fs.refresh(paths);
}

async function dispatch(req: Request, ctx: DavContext): Promise<Response> {
  await refreshTarget(req, ctx);
  switch (req.method) {
    case "OPTIONS":
      return new Response(null, { status: 200, headers: OPTIONS_HEADERS });
    case "GET":
      return getOrHead(req, ctx, false);
    case "HEAD":
      return getOrHead(req, ctx, true);
    case "PUT":
      return put(req, ctx);
    case "DELETE":
      return remove(req, ctx);
    case "MKCOL":
      return mkcol(req, ctx);
    case "PROPFIND":
      return propfind(req, ctx);
    case "PROPPATCH":
      return proppatch(req, ctx);
    case "COPY":
    case "MOVE": {
      const t = target(req, ctx);
      found(t);
      const transfer = parseTransfer(req, t.path);
      const dest = ctx.fs.lookup(transfer.to);
      ctx.quotas?.checkTransfer(found(t), transfer.to, req.method === "MOVE", dest?.kind === "file" ? dest.size : 0);
      return req.method === "COPY" ? handleCopy(req, ctx, transfer) : handleMove(req, ctx, transfer);
    }
    case "LOCK": {
      const t = target(req, ctx);
      return handleLock(req, ctx, t.path, await readXmlBody(req));
    }
    case "UNLOCK":
      return handleUnlock(req, ctx, target(req, ctx).path);
    default:
      return new Response(`${req.method} is not supported on WebDAV resources\n`, { status: 405, headers: { allow: DAV_METHODS } });
  }
}

/**
 * The WebDAV routes, mounted on the node's Hono app. Locks live in memory here, one table per node.
 *
 * @example app.route("/", webdavRoutes({ fs, reader, davProperties, log }))
 */
/** What WebDAV answers: a request under /dav/, and the OPTIONS of the server root (see webdavRoutes). */
export interface WebdavHandlers {
  dav: (c: Context) => Promise<Response>;
  rootOptions: () => Response;
}

export function webdavHandlers(d: WebdavDeps): WebdavHandlers {
  const ctx: DavContext = { ...d, locks: new LockTable() };
  const dav = async (c: Context) => {
    try {
      const allowed = davAccess(c, ctx);
      if (allowed instanceof Response) return allowed;
      const res = await dispatch(c.req.raw, allowed);
      if (c.req.method === "DELETE" && res.ok) recordAudit(c, "delete", `/${davPath(c.req.raw.url).path}`, { recursive: true });
      return res;
    } catch (err) {
      return davErrorResponse(err, c.req.raw, ctx.log);
    }
  };
  return { dav, rootOptions: () => new Response(null, { status: 200, headers: OPTIONS_HEADERS }) };
}

/** WebDAV's routes, given its handlers (webdav/lazy-routes.ts mounts the same paths before it loads them). */
export function webdavRoutes(d: WebdavDeps, handlers: WebdavHandlers = webdavHandlers(d)): Hono {
  const app = new Hono();
  app.all(DAV_PREFIX, handlers.dav);
  app.all(`${DAV_PREFIX}/*`, handlers.dav);
  // Windows' WebDAV redirector asks the server root for its DAV class before it maps a drive.
  app.options("/", handlers.rootOptions);
  return app;
}
