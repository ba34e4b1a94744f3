// Serves the web UI (the SvelteKit static build): from the files embedded in the single executable,
// or from a build folder on disk when running from source. Unknown paths get index.html, so the
// single-page app's own routes (/files/…, /cluster, /health) work on reload.
import { existsSync, statSync } from "node:fs";
import { join, normalize } from "node:path";
import { Hono } from "hono";
import { uiDocumentHeaders } from "./ui-csp.ts";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".webmanifest": "application/manifest+json",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
};

const typeOf = (path: string) => TYPES[path.slice(path.lastIndexOf("."))] ?? "application/octet-stream";

/** An HTML page of the UI with its Content-Security-Policy, which names the page's own inline scripts. */
function page(html: string): Response {
  return new Response(html, { headers: { "content-type": TYPES[".html"]!, "cache-control": "no-cache", ...uiDocumentHeaders(html) } });
}

/** Where the UI's files come from: a map of URL path → file path (embedded or on disk). */
export type UiSource = { kind: "embedded"; files: Record<string, string> } | { kind: "dir"; dir: string } | { kind: "none" };

export function resolveUiSource(configured: string | undefined, embedded: Record<string, string>): UiSource {
  if (configured) return { kind: "dir", dir: configured };
  if (Object.keys(embedded).length > 0) return { kind: "embedded", files: embedded };
  const dev = join(import.meta.dir, "..", "..", "..", "..", "apps", "frontend", "build");
  return existsSync(join(dev, "index.html")) ? { kind: "dir", dir: dev } : { kind: "none" };
}

function fileFor(source: UiSource, urlPath: string): string | undefined {
  if (source.kind === "embedded") return source.files[urlPath];
  if (source.kind === "dir") {
    // normalize() folds any '..' (the URL parser already resolved them); stay inside the folder.
    const full = normalize(join(source.dir, urlPath));
    if (!full.startsWith(normalize(source.dir))) return undefined;
    return existsSync(full) && statSync(full).isFile() ? full : undefined;
  }
  return undefined;
}

export function uiRoutes(source: UiSource, placeholder: () => string): Hono {
  const app = new Hono();
  app.get("*", async (c, next) => {
    const path = c.req.path;
    if (path.startsWith("/api/") || path === "/status") return next();
    if (source.kind === "none") return page(placeholder());
    const name = path === "/" ? "/index.html" : path;
    const file = fileFor(source, name);
    if (file && typeOf(name) === TYPES[".html"]) return page(await Bun.file(file).text());
    if (file) {
      // SvelteKit's hashed assets never change; everything else must be revalidated.
      const cache = path.startsWith("/_app/immutable/") ? "public, max-age=31536000, immutable" : "no-cache";
      return new Response(Bun.file(file), { headers: { "content-type": typeOf(name), "cache-control": cache } });
    }
    const index = fileFor(source, "/index.html");
    if (!index || path.startsWith("/_app/")) return next();
    return page(await Bun.file(index).text());
  });
  return app;
}
