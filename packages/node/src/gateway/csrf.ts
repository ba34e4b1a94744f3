// Cross-site request forgery: a page on another site can make the browser send requests here. Without
// a preflight it can send only "simple" ones (GET, HEAD, and POST with a form or text/plain body), and the
// browser sends them whatever the node answers; so the node itself must refuse any request that would
// change something and that comes from a page it did not serve. Clients that are not browsers (curl,
// the CLI, peers, WebDAV and S3 tools) send no Origin and no Sec-Fetch-Site, and pass.
import type { MiddlewareHandler } from "hono";
import { refusal } from "./refusal.ts";

/** Methods that change nothing here; everything else (POST, PUT, DELETE, PROPFIND, MKCOL, LOCK, …) is checked. */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** The content types a cross-site page may POST without a preflight (the fetch standard's CORS-safelisted ones). */
const SIMPLE_CONTENT_TYPES = new Set(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]);
/** A custom header no page can send to another origin without a preflight, which the node never grants. */
export const REQUEST_HEADER = "x-orrery-request";

export type CsrfVerdict = { ok: true } | { ok: false; code: "cross_origin_refused" | "csrf_content_type"; reason: string };

/** Whether Origin names the origin the request was sent to: `http(s)://` + its Host (a default port may be left out). */
export function sameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // "null" (sandboxed frames, file: pages) and anything else that is not an origin
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.origin !== origin.toLowerCase()) return false;
  const defaultPort = url.protocol === "http:" ? ":80" : ":443";
  const h = host.trim().toLowerCase();
  return url.host === (h.endsWith(defaultPort) ? h.slice(0, -defaultPort.length) : h);
}

/** The media type of a Content-Type header, without parameters, lower-case; "" when absent. */
const mediaType = (header: string | undefined) => (header ?? "").split(";")[0]!.trim().toLowerCase();

/** The decision for one request, from its method and headers alone. */
export function judgeRequest(method: string, headers: Headers): CsrfVerdict {
  if (SAFE_METHODS.has(method.toUpperCase())) return { ok: true };
  const site = headers.get("sec-fetch-site")?.toLowerCase();
  if (site === "cross-site" || site === "same-site") {
    return { ok: false, code: "cross_origin_refused", reason: `a request from another site (Sec-Fetch-Site: ${site}) cannot change anything on this node` };
  }
  const origin = headers.get("origin");
  if (origin !== null && !sameOrigin(origin, headers.get("host") ?? undefined)) {
    return {
      ok: false,
      code: "cross_origin_refused",
      reason: `a page from ${origin} cannot change anything on this node; only the node's own web UI (or a client that sends no Origin) can`,
    };
  }
  // Origin can be missing on a browser's POST (old browsers, some redirects); a body type the browser
  // would have preflighted, or the custom header, proves the request did not come from a form.
  if (method.toUpperCase() === "POST" && SIMPLE_CONTENT_TYPES.has(mediaType(headers.get("content-type") ?? undefined) || "text/plain")) {
    if (headers.get(REQUEST_HEADER) !== "1") {
      return {
        ok: false,
        code: "csrf_content_type",
        reason: `POST needs Content-Type: application/json (or the header X-Orrery-Request: 1); a form or another site can send ${
          mediaType(headers.get("content-type") ?? undefined) || "a body without a type"
        } without asking`,
      };
    }
  }
  return { ok: true };
}

/**
 * Refuses, with 403, state-changing requests that a page on another site could have sent.
 *
 * @example app.use(csrfGuard())
 */
export function csrfGuard(): MiddlewareHandler {
  return async (c, next) => {
    const verdict = judgeRequest(c.req.method, c.req.raw.headers);
    if (verdict.ok) return next();
    return refusal(c, 403, verdict.code, verdict.reason);
  };
}
