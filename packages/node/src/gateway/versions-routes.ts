// The files API's versioning: a folder's versioning switch (GET/PUT /api/versioning/<folder>), a file's
// versions (GET /api/versions/<path>), removing one for good (DELETE ?versionId=), restoring one as the
// current content (POST /api/versions/<path>/restore), and a versioned folder's trash (GET /api/trash/<dir>).
// Reading one version's bytes is GET /api/files/<path>?versionId= (files-routes.ts).
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { badRequest } from "../errors.ts";
import type { FileVersions } from "../filesystem/file-versions.ts";
import type { VersionEntry } from "../filesystem/versioning.ts";
import { normalizePath } from "../metadata/path.ts";
import { VERSION_ID } from "../metadata/version-paths.ts";
import { versioningStateSchema } from "../settings/folder-versioning.ts";
import { access, canSee, requireAllow } from "./auth.ts";
import { consistencyOf, entryJson, pathFromUrl } from "./files-routes.ts";
import { jsonBody } from "./json-body.ts";
import { recordAudit } from "./audit-trail.ts";

export interface VersionsRoutesDeps {
  /** Absent on gateways built without versioning (some in-process tests): these routes are then not served. */
  versions?: FileVersions;
}

const versionIdSchema = z.string().refine((v) => v === "null" || VERSION_ID.test(v), "a version id as GET /api/versions lists them");
const restoreSchema = z.strictObject({ versionId: versionIdSchema });
const versioningSchema = z.strictObject({ status: versioningStateSchema });

/** A version as the API shows it. */
const versionJson = (e: VersionEntry) => ({
  versionId: e.versionId,
  isLatest: e.isLatest,
  deleteMarker: e.deleteMarker,
  writtenAt: e.writtenAt,
  ...(e.deleteMarker ? {} : { size: e.row.size, mtime: e.row.mtime, sha256: e.row.sha256 }),
});

export function versionIdOf(value: string | undefined): string {
  const parsed = versionIdSchema.safeParse(value);
  if (!parsed.success) throw badRequest("invalid_version_id", "versionId must be a version id as GET /api/versions lists them (or 'null')");
  return parsed.data;
}

export function versionsRoutes({ versions }: Required<VersionsRoutesDeps>): Hono {
  const d = { versions };
  const app = new Hono();
  const json = bodyLimit({ maxSize: 64 * 1024 });
  const folderJson = (folder: string) => {
    const { keepVersions, keepDays } = d.versions.limits();
    return { folder: `/${folder}`, status: d.versions.stateOf(folder), keepVersions, keepDays };
  };

  app.get("/api/versioning/*", (c) => {
    const { path } = pathFromUrl(c.req.url, "/api/versioning");
    if (path === "" || path.includes("/")) throw badRequest("not_a_top_level_folder", "versioning is per top-level folder: /api/versioning/<folder>");
    access(c, "read", path);
    return c.json(folderJson(path));
  });

  app.put("/api/versioning/*", json, async (c) => {
    const { path } = pathFromUrl(c.req.url, "/api/versioning");
    // Switching it changes what every write below keeps: whoever may write the folder itself (its owner, an admin).
    requireAllow(c, "write", path);
    const body = await jsonBody(c.req.raw, versioningSchema);
    await d.versions.setState(path, body.status);
    recordAudit(c, "settings_change", `/${path}`, { versioning: body.status });
    return c.json(folderJson(path));
  });

  app.get("/api/versions/*", async (c) => {
    const { path } = pathFromUrl(c.req.url, "/api/versions");
    requireAllow(c, "read", path);
    const entries = await d.versions.list(path, consistencyOf(c.req.query("consistency")));
    return c.json({ path: `/${path}`, versioning: d.versions.stateOf(path), versions: entries.map(versionJson) });
  });

  app.delete("/api/versions/*", async (c) => {
    const { path } = pathFromUrl(c.req.url, "/api/versions");
    requireAllow(c, "write", path);
    const removed = await d.versions.remove(path, versionIdOf(c.req.query("versionId")));
    recordAudit(c, "delete", `/${path}`, { versionId: removed.versionId });
    return c.json({ path: `/${path}`, removed: versionJson(removed) });
  });

  app.post("/api/versions/*", json, async (c) => {
    const { path: raw } = pathFromUrl(c.req.url, "/api/versions");
    if (!raw.endsWith("/restore")) throw badRequest("no_route", "POST /api/versions/<path>/restore restores a version");
    const path = raw.slice(0, -"/restore".length);
    requireAllow(c, "write", path);
    const body = await jsonBody(c.req.raw, restoreSchema);
    const m = await d.versions.restore(path, body.versionId);
    return c.json({ restored: body.versionId, entry: entryJson(m) }, 201);
  });

  app.get("/api/trash/*", async (c) => {
    const { path } = pathFromUrl(c.req.url, "/api/trash");
    const verdict = access(c, "read", path);
    const limit = Number(c.req.query("limit") ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw badRequest("invalid_limit", "limit must be 1..1000");
    const after = c.req.query("after");
    const consistency = consistencyOf(c.req.query("consistency"));
    const entries = await d.versions.trash(path, { after: after ? normalizePath(after.replace(/^\//, "")) : undefined, limit, consistency });
    // A folder on the way to the principal's own shows only what lies below what it may see.
    const shown = verdict === "list" ? entries.filter((e) => canSee(c)(e.path)) : entries;
    return c.json({ path: `/${path}`, entries: shown.map((e) => ({ ...e, path: `/${e.path}` })), more: entries.length >= limit });
  });

  return app;
}
