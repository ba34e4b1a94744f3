// GET /api/zip?path=…: files and folders as one ZIP archive, streamed (zip/zip-writer.ts) from what
// zip-selection.ts listed, every path put to authorize() first.
import { apiRoutes, zipQuery } from "@orrery/api";
import { Hono } from "hono";
import { badRequest } from "../errors.ts";
import { zipLength, zipStream } from "../zip/zip-writer.ts";
import { access, requireAllow, verdictOf } from "./auth.ts";
import { queryPath } from "./query-path.ts";
import { userContentHeaders } from "./user-content.ts";
import { type ZipSelectionDeps, zipSelection } from "./zip-selection.ts";

export interface ZipRoutesDeps extends ZipSelectionDeps {
  /** Most files and folders one archive may hold (ZIP_MAX_ENTRIES). */
  zipMaxEntries: number;
}

export function zipRoutes(d: ZipRoutesDeps): Hono {
  const app = new Hono();
  app.get(apiRoutes.zip.path, async (c) => {
    const parsed = zipQuery.safeParse({ path: c.req.queries("path") });
    if (!parsed.success) throw badRequest("invalid_query", `name 1 to 1000 files or folders with ?path=: ${parsed.error.issues[0]?.message ?? "invalid"}`);
    const paths = (Array.isArray(parsed.data.path) ? parsed.data.path : [parsed.data.path]).map(queryPath);
    const selection = await zipSelection(d, paths, {
      verdict: verdictOf(c, "read"),
      // A folder on the way to the caller's own may be zipped (with only what it may read); a file must be theirs.
      requireRead: (path, m) => {
        access(c, "read", path);
        if (m.kind === "file") requireAllow(c, "read", path);
      },
      maxEntries: d.zipMaxEntries,
      consistency: "quorum",
    });
    return new Response(zipStream(selection.entries), {
      headers: {
        ...userContentHeaders(selection.name, true),
        "content-type": "application/zip",
        "content-length": String(zipLength(selection.entries)),
        "cache-control": "no-store",
        "x-orrery-zip-entries": String(selection.entries.length),
        "x-orrery-zip-bytes": String(selection.bytes),
      },
    });
  });
  return app;
}
