// Refuses request targets with dot-segments ("." or "..", also spelled %2e) instead of letting them be
// resolved: `PUT /api/files/a/../b` must not quietly write /b. Bun resolves dot-segments before a handler
// sees `request.url`, but its router matches the raw target and hands over its segments as route params
// (percent-decoded), so one route per depth sees exactly what the client sent. Deeper targets than
// MAX_DEPTH cannot be checked and are refused too.
import type { Server } from "bun";

export const MAX_DEPTH = 128;


type Handler = (req: Request, server: Server<undefined>) => Response | Promise<Response>;
type Routed = Request & { params?: Record<string, string> };

/** The path of a request URL, without parsing it: a Host header Bun could not make a URL of (found by pnpm fuzz) would throw. */
export function pathOf(url: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(\/[^?#]*)?/i.exec(url)?.[1] ?? "/";
}

function refusal(req: Request, message: string, code: string): Response {
  const dav = pathOf(req.url).startsWith("/dav");
  const headers = { "x-content-type-options": "nosniff" };
  return dav
    ? new Response(`${message}\n`, { status: 400, headers: { ...headers, "content-type": "text/plain; charset=utf-8" } })
    : Response.json({ error: message, code }, { status: 400, headers });
}

/** `routes` for Bun.serve that check every target up to MAX_DEPTH segments, then pass it to `next`. */
export function rawPathGuard(next: Handler): Record<string, Handler> {
  const check: Handler = (req, server) => {
    const params = (req as Routed).params ?? {};
    for (const segment of Object.values(params)) {
      if (segment === "." || segment === "..") {
        return refusal(req, "the URL has a '.' or '..' segment; such paths are refused, not resolved", "invalid_path");
      }
    }
    return next(req, server);
  };
  const routes: Record<string, Handler> = {};
  let pattern = "";
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    pattern += `/:s${depth}`;
    routes[pattern] = check;
    routes[`${pattern}/`] = check;
  }
  routes[`${pattern}/*`] = (req) => refusal(req, `the URL has more than ${MAX_DEPTH} segments`, "invalid_path");
  return routes;
}
