// GET /api/search?q=…&path=…: files and folders found by name below a folder, at any depth (the web UI's
// search), a page at a time from this node's rows (ManifestStore.searchNames); what the caller may not read is left out.
import { apiRoutes, type ResponseOf, searchQuery } from "@orrery/api";
import { Hono } from "hono";
import { badRequest, notFound } from "../errors.ts";
import type { FileSystem } from "../filesystem/file-system.ts";
import { DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT } from "../metadata/name-search.ts";
import { access, verdictOf } from "./auth.ts";
import { entryJson } from "./files-routes.ts";
import { queryPath } from "./query-path.ts";

export function searchRoutes(d: { fs: FileSystem }): Hono {
  const app = new Hono();
  app.get(apiRoutes.search.path, (c) => {
    const parsed = searchQuery.safeParse(c.req.query());
    if (!parsed.success) throw badRequest("invalid_query", `search: ${parsed.error.issues[0]?.path.join(".") ?? ""} ${parsed.error.issues[0]?.message ?? "invalid"}`.trim());
    const { q } = parsed.data;
    const limit = Number(parsed.data.limit ?? DEFAULT_SEARCH_LIMIT);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) throw badRequest("invalid_limit", `limit must be 1..${MAX_SEARCH_LIMIT}`);
    const dir = queryPath(parsed.data.path ?? "/");
    const after = parsed.data.after === undefined ? undefined : queryPath(parsed.data.after);
    // `list` (a folder on the way to the caller's own, e.g. /home): found entries are shown where it may read them.
    const verdict = access(c, "read", dir);
    if (!d.fs.lookupDir(dir)) throw notFound("not_found", `no such folder: /${dir}`);
    const readable = verdict === "allow" ? () => true : ((see) => (path: string) => see(path) === "allow")(verdictOf(c, "read"));
    const page = d.fs.searchNames(dir, q, { after, limit });
    const last = page.rows.at(-1);
    return c.json({
      path: `/${dir}`,
      q,
      entries: page.rows.filter((m) => readable(m.path)).map(entryJson),
      more: page.more,
      ...(page.more && last ? { next: `/${last.path}` } : {}),
    } satisfies ResponseOf<"search">);
  });
  return app;
}
