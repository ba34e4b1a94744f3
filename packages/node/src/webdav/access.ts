// Who may do what over WebDAV: the files API's rule (accounts/authorize.ts through gateway/auth.ts) applied
// to the method's resource and, for COPY and MOVE, its Destination; listings of a folder on the way to the
// user's own show only what leads there. Denials are WebDAV's plain answers, a 401 with the Basic challenge.
import type { Context } from "hono";
import { OrreryError } from "../errors.ts";
import { access, canSee } from "../gateway/auth.ts";
import { BASIC_CHALLENGE } from "../gateway/errors.ts";
import { davPath, pathOfUri } from "./paths.ts";
import type { DavContext } from "./preconditions.ts";

const READS = new Set(["GET", "HEAD", "PROPFIND", "OPTIONS"]);

/**
 * Checks the request against the principal's rights; returns the context the method runs with (its
 * listings filtered when the resource is a folder on the way), or the response that refuses it.
 */
export function davAccess(c: Context, ctx: DavContext): DavContext | Response {
  const req = c.req.raw;
  try {
    const { path } = davPath(req.url);
    // MOVE takes the source away; COPY only reads it.
    const verdict = access(c, READS.has(req.method) || req.method === "COPY" ? "read" : "write", path);
    const destination = req.headers.get("destination");
    if ((req.method === "COPY" || req.method === "MOVE") && destination) {
      const to = pathOfUri(destination, req.url);
      if (to !== undefined) access(c, "write", to);
    }
    if (verdict === "allow") return ctx;
    const see = canSee(c);
    const fs = Object.create(ctx.fs) as DavContext["fs"];
    fs.list = (dir, opts) => ctx.fs.list(dir, opts).filter((m) => see(m.path));
    // A file where a folder on the way would be (e.g. a file named /home) is not on the way to anything.
    fs.lookup = (p) => {
      const m = ctx.fs.lookup(p);
      return m?.kind === "file" && p === path ? undefined : m;
    };
    return { ...ctx, fs };
  } catch (err) {
    if (!(err instanceof OrreryError) || (err.status !== 401 && err.status !== 403)) throw err;
    const headers: Record<string, string> = { "content-type": "text/plain; charset=utf-8" };
    if (err.status === 401) headers["www-authenticate"] = BASIC_CHALLENGE;
    return new Response(`${err.message}\n`, { status: err.status, headers });
  }
}
