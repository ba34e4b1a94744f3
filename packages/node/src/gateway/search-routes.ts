// GET /api/search?q=…&path=…: files and folders found by name below a folder, at any depth (the web UI's
// search), a page at a time from every member's rows (FileSystem.search); what the caller may not read is left out.
import { apiRoutes, type ResponseOf, searchQuery } from "@orrery/api";
import { Hono } from "hono";
import { badRequest, notFound } from "../errors.ts";
import type { FileSystem } from "../filesystem/file-system.ts";
import { DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT } from "../metadata/name-search.ts";
import { access, verdictOf } from "./auth.ts";
import { entryOf } from "./files-routes.ts";
import { queryPath } from "./query-path.ts";

export function searchRoutes(d: { fs: FileSystem }): Hono {
  const app = new Hono();
  app.get(apiRoutes.search.path, async (c) => {
    const parsed = searchQuery.safeParse(c.req.query());
    if (!parsed.success) throw badRequest("invalid_query", `search: ${parsed.error.issues[0]?.path.join(".") ?? ""} ${parsed.error.issues[0]?.message ?? "invalid"}`.trim());
    const { q } = parsed.data;
    const limit = Number(parsed.data.limit ?? DEFAULT_SEARCH_LIMIT);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) throw badRequest("invalid_limit", `limit must be 1..${MAX_SEARCH_LIMIT}`);
    const dir = queryPath(parsed.data.path ?? "/");
    const after = parsed.data.after === undefined ? undefined : queryPath(parsed.data.after);
    // `list` (a folder on the way to the caller's own, e.g. /home): found entries are shown where it may read them.
    const verdict = access(c, "read", dir);
    const consistency = parsed.data.consistency ?? "quorum";
    await d.fs.refresh([dir], consistency, { limit: 1 }, []);
    if (!d.fs.lookupDir(dir)) throw notFound("not_found", `no such folder: /${dir}`);
    const readable = verdict === "allow" ? () => true : ((see) => (path: string) => see(path) === "allow")(verdictOf(c, "read"));
    const page = await d.fs.search(dir, q, { after, limit }, consistency);
    return c.json({
      path: `/${dir}`,
      q,
      entries: page.rows.filter((h) => readable(h.path)).map((h) => entryOf(h, h.chunks)),
      more: page.more,
      ...(page.more && page.next !== undefined ? { next: `/${page.next}` } : {}),
    } satisfies ResponseOf<"search">);
  });
  return app;
}

