// Share links over HTTP: a user makes a link to a file or folder they may read (POST /api/links), lists and
// revokes theirs; anyone holding the link opens it at /s/<token> without an account: a download page, a
// folder's listing, the bytes as an attachment. Read-only by construction: only GET is routed under /s/.
import type { ResponseOf } from "@orrery/api";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { authorize, type Principal, within } from "../accounts/authorize.ts";
import { type LinkRecord, tokenIdSchema } from "../accounts/records.ts";
import { badRequest, OrreryError } from "../errors.ts";
import type { FileSystem } from "../filesystem/file-system.ts";
import { openFileRead } from "../filesystem/read-stream.ts";
import type { Logger } from "../log.ts";
import { nameOf, normalizePath } from "../metadata/path.ts";
import type { ChunkReader } from "../replication/chunk-reader.ts";
import { mayWrite, signedIn } from "./account-routes.ts";
import { type Authenticator, requireAllow } from "./auth.ts";
import { jsonBody } from "./json-body.ts";
import { linkErrorHtml, linkPageHeaders, linkPageHtml, type LinkView } from "./link-page.ts";
import { userContentHeaders } from "./user-content.ts";

export interface LinkRoutesDeps {
  authenticator: Authenticator;
  fs: Pick<FileSystem, "lookup" | "list" | "refresh">;
  reader: ChunkReader;
  log: Logger;
  /** SHARE_LINK_MAX_DAYS: the longest a link may live. */
  linkMaxDays: number;
}

/** A link lives 7 days unless asked otherwise. */
export const DEFAULT_LINK_LIFE_S = 7 * 86_400;
/** A folder's page lists at most this many entries. */
const PAGE_ENTRIES = 1000;

const newLinkSchema = z.strictObject({ path: z.string().min(1).max(4096), expiresInSeconds: z.number().int().min(1).optional() });

const linkJson = (l: LinkRecord, now: number) => ({
  id: l.id, path: `/${l.path}`, user: l.user, createdAt: l.createdAt, expiresAt: l.expiresAt, expired: l.expiresAt <= now,
});

export function linkRoutes(d: LinkRoutesDeps): Hono {
  const app = new Hono();
  // Read per request: the contract's drift test mounts these routes over a stand-in authenticator.
  const links = () => d.authenticator.accounts.links;

  app.get("/api/links", (c) => {
    const p = signedIn(c);
    const all = c.req.query("all") === "1" && p.role === "admin";
    return c.json({ links: links().list(all ? undefined : p.name).map((l) => linkJson(l, Date.now())) } satisfies ResponseOf<"listLinks">);
  });

  app.post("/api/links", bodyLimit({ maxSize: 16 * 1024 }), async (c) => {
    const p = signedIn(c);
    mayWrite(p);
    const body = await jsonBody(c.req.raw, newLinkSchema);
    const raw = body.path.replace(/^\/+|\/+$/g, "");
    if (raw === "") throw badRequest("invalid_path", "link a file or a folder, not the root");
    const path = normalizePath(raw);
    // Asked before the lookup, so that a link cannot tell anyone what exists where they may not read.
    requireAllow(c, "read", path);
    const lifeS = body.expiresInSeconds ?? Math.min(DEFAULT_LINK_LIFE_S, d.linkMaxDays * 86_400);
    if (lifeS > d.linkMaxDays * 86_400) throw badRequest("invalid_expiry", `a link lives at most ${d.linkMaxDays} days on this cluster (SHARE_LINK_MAX_DAYS)`);
    await d.fs.refresh([path]);
    if (!d.fs.lookup(path)) throw new OrreryError(404, "not_found", `no file or folder /${path}`);
    const made = await links().create(p.name, path, Date.now() + lifeS * 1000);
    const url = `${new URL(c.req.url).origin}/s/${made.token}`;
    return c.json({ ...linkJson(made.record, Date.now()), url, confirmed: made.confirmed, members: made.members } satisfies ResponseOf<"createLink", 201>, 201);
  });

  app.delete("/api/links/:id", async (c) => {
    const p = signedIn(c);
    mayWrite(p);
    const id = c.req.param("id");
    if (!tokenIdSchema.safeParse(id).success) throw badRequest("invalid_link_id", "a link id is 16 hex digits");
    const held = links().list().find((l) => l.id === id);
    if (!held || (held.user !== p.name && p.role !== "admin")) throw new OrreryError(404, "no_such_link", `no share link ${id}`);
    return c.json({ id, revoked: true, ...(await links().revoke(id)) } satisfies ResponseOf<"revokeLink">);
  });

  const open = (c: Context) => openLink(c, d).catch((err) => linkRefusal(c, err));
  app.get("/s/:token", open);
  app.get("/s/:token/*", open);
  return app;
}

/** What a link shows, or why not: 404 unknown, 410 revoked or expired (or its maker may no longer read it). */
async function openLink(c: Context, d: LinkRoutesDeps): Promise<Response> {
  const token = c.req.param("token")!;
  const state = d.authenticator.accounts.links.resolve(token);
  if (state.state === "unknown") throw new OrreryError(404, "no_such_link", "no such share link: check that it was copied whole");
  if (state.state === "gone") throw new OrreryError(410, `link_${state.reason}`, `this share link was ${state.reason === "expired" ? "open until a date now past" : "revoked"}`);
  const { link, maker } = state;
  const rel = relativePath(new URL(c.req.url).pathname, token);
  const path = rel === "" ? link.path : normalizePath(`${link.path}/${rel}`);
  if (!within(path, link.path)) throw badRequest("invalid_path", "the path leaves what the link shares");
  // The link reads as its maker, read-only: a share they lost, or a folder moved away from them, ends it.
  const as: Principal = { kind: "user", name: maker.name, role: maker.role, readOnly: true, via: "token", shares: d.authenticator.accounts.grantsOf(maker) };
  if (authorize(as, "read", path, { open: false }) !== "allow") throw new OrreryError(410, "link_revoked", "whoever shared this may no longer read it");
  await d.fs.refresh([path]);
  const m = d.fs.lookup(path);
  if (!m) throw new OrreryError(404, "not_found", "nothing is at this path any more");
  const common = { token, rel, name: nameOf(m.path), by: maker.name, expiresAt: link.expiresAt };
  if (m.kind === "file") {
    if (c.req.query("download") === "1") {
      const headers = { ...userContentHeaders(nameOf(m.path), true), "content-type": "application/octet-stream", "content-length": String(m.size), "cache-control": "no-store", "referrer-policy": "no-referrer" };
      // HEAD reaches this GET route too (Hono drops the body): no read is started for it.
      if (c.req.method === "HEAD" || m.size === 0) return new Response(null, { status: 200, headers });
      return new Response(await openFileRead(m, 0, m.size - 1, d.reader, d.log), { status: 200, headers });
    }
    return new Response(linkPageHtml({ kind: "file", ...common, size: m.size, mtime: m.mtime }), { headers: linkPageHeaders() });
  }
  const entries = d.fs.list(path, { limit: PAGE_ENTRIES });
  const view: LinkView = {
    kind: "dir", ...common, more: entries.length >= PAGE_ENTRIES,
    entries: entries.map((e) => ({ name: nameOf(e.path), kind: e.kind === "dir" ? "dir" : "file", size: e.size, mtime: e.mtime })),
  };
  return new Response(linkPageHtml(view), { headers: linkPageHeaders() });
}

/** The path below the link's target, decoded: `/s/<token>/a%20b/c` → `a b/c` (dot-segments never get here: raw-path-guard.ts). */
function relativePath(pathname: string, token: string): string {
  const rest = pathname.slice(`/s/${token}`.length).replace(/^\/+|\/+$/g, "");
  if (rest === "") return "";
  try {
    return normalizePath(rest.split("/").map(decodeURIComponent).join("/"));
  } catch (err) {
    throw err instanceof OrreryError ? err : badRequest("invalid_path", "the path is not valid percent-encoded UTF-8");
  }
}

/** A browser gets the refusal as a page (same status); any other client the usual JSON error. */
function linkRefusal(c: Context, err: unknown): Response {
  if (!(err instanceof OrreryError) || err.status >= 500 || !(c.req.header("accept") ?? "").includes("text/html")) throw err;
  const title = err.status === 410 ? "This link no longer works" : err.status === 404 ? "Not found" : "Bad request";
  return new Response(linkErrorHtml(title, err.message), { status: err.status, headers: linkPageHeaders() });
}
