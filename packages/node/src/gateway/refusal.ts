// How the browser-safety checks say no: JSON `{error, code}` like the rest of the HTTP API, except on
// /dav/, where clients expect WebDAV's plain answers and never the files API's JSON.
import type { Context } from "hono";
import { DAV_PREFIX } from "../webdav/paths.ts";

const isDavPath = (path: string) => path === DAV_PREFIX || path.startsWith(`${DAV_PREFIX}/`);

export function refusal(c: Context, status: 403 | 421, code: string, message: string): Response {
  if (isDavPath(c.req.path)) {
    return new Response(`${message}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
  }
  return c.json({ error: message, code }, status);
}
