// The files API: PUT/GET/HEAD/DELETE /api/files/<path>, directory listings, mkdir, move, stat.
import { apiRoutes, consistencySchema, durabilitySchema, type Entry, mkdirBodySchema, moveBodySchema, type ResponseOf } from "@orrery/api";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { badRequest, OrreryError } from "../errors.ts";
import type { FileSystem } from "../filesystem/file-system.ts";
import type { FileVersions } from "../filesystem/file-versions.ts";
import type { Logger } from "../log.ts";
import type { Manifest } from "../metadata/manifest.ts";
import type { FolderTotals } from "../metadata/manifest-store.ts";
import { nameOf, normalizePath } from "../metadata/path.ts";
import type { ChunkReader } from "../replication/chunk-reader.ts";
import type { Consistency } from "../replication/manifest-reads.ts";
import type { Durability, Placement } from "../replication/placement.ts";
import type { ReplicaHealth } from "../replication/replica-health.ts";
import { httpPrecondition } from "../consensus/http-preconditions.ts";
import type { Quotas } from "../accounts/quota.ts";
import { access, canSee, requireAllow, verdictOf } from "./auth.ts";
import { jsonBody } from "./json-body.ts";
import { userContentHeaders } from "./user-content.ts";
import { metaFromHeaders, metaToHeaders } from "../metadata/object-meta.ts";
import { recordAudit } from "./audit-trail.ts";

/** The prefix of the files API's user metadata headers (S3's x-amz-meta-*). */
const FILES_USER_META = "x-orrery-meta-";

export interface FilesRoutesDeps {
  fs: FileSystem;
  /** Live copy counts of a file's chunks (asks their owners), or of its manifest for content kept inline. */
  replicaHealth: (file: Manifest) => Promise<ReplicaHealth>;
  reader: ChunkReader;
  placement: Placement;
  log: Logger;
  /** For GET /api/files/<path>?versionId= (one kept version of a file). */
  versions?: FileVersions;
  /** Users' quotas (accounts/quota.ts): checked before a write into a home folder is accepted. */
  quotas?: Quotas;
}

const PREFIX = "/api/files";

/** The user path from the raw (still percent-encoded) URL, validated and normalised. */
export function pathFromUrl(url: string, prefix: string): { path: string; trailingSlash: boolean } {
  const raw = new URL(url).pathname.slice(prefix.length);
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw badRequest("invalid_path", "path is not valid percent-encoded UTF-8");
  }
  if (decoded === "" || decoded === "/") return { path: "", trailingSlash: true };
  if (!decoded.startsWith("/")) throw badRequest("invalid_path", "path must follow /api/files/");
  const body = decoded.slice(1);
  const trailingSlash = body.endsWith("/");
  return { path: normalizePath(trailingSlash ? body.slice(0, -1) : body), trailingSlash };
}

/** A row as the files API shows it (listings, stat, the change feed). */
export const entryJson = (m: Manifest): Entry => entryOf(m, m.chunks.length);

/** An entry from what a listing shows of a row (a Manifest, or a search's SearchHit) and its count of chunks. */
export const entryOf = (m: Pick<Manifest, "path" | "kind" | "size" | "mtime" | "version" | "sha256">, chunks: number): Entry => ({
  name: m.path.slice(m.path.lastIndexOf("/") + 1),
  path: `/${m.path}`,
  kind: m.kind,
  size: m.size,
  mtime: m.mtime,
  version: m.version,
  ...(m.kind === "file" ? { sha256: m.sha256, chunks } : {}),
});

/**
 * A path in a JSON body is spelled as the API spells paths in its answers, `/a/b`: one leading `/` (optional)
 * and one trailing `/` (a directory) are allowed; everything else follows normalizePath (no `//`, `.`, `..`).
 */
const stripSlash = (p: string) => normalizePath(p.startsWith("/") ? p.slice(1) : p);

/** A file's ETag in the files API: its SHA-256, quoted; directories have none. */
const fileEtag = (m: Manifest) => (m.sha256 ? `"${m.sha256}"` : "");

const isFlag = (value: string | undefined) => value === "1" || value === "true";

/**
 * Totals of the folders among a listing's entries that the caller may read (authorize() answers `allow` for a
 * folder only when it allows everything below it: a home, a share, an admin, an open node), so a folder's totals
 * count all that is below it and reveal nothing the caller could not list. A folder shown only on the way to the
 * caller's own (`list`) gets none: its totals would count what others keep.
 */
function folderTotals(c: import("hono").Context, fs: FileSystem, entries: readonly Manifest[]): Map<string, FolderTotals> {
  const verdict = verdictOf(c, "read");
  return fs.folderTotals(entries.filter((e) => e.kind === "dir" && verdict(e.path) === "allow").map((e) => e.path));
}

/** `?durability=` of a write: quorum unless it says fast or all. */
function durabilityOf(value: string | undefined): Durability {
  const parsed = durabilitySchema.safeParse(value ?? "quorum");
  if (!parsed.success) throw badRequest("invalid_durability", `durability must be one of ${durabilitySchema.options.join(", ")}`);
  return parsed.data;
}

/** `?consistency=` of a read: quorum (read your writes through any node) unless it says local. */
export function consistencyOf(value: string | undefined): Consistency {
  const parsed = consistencySchema.safeParse(value ?? "quorum");
  if (!parsed.success) throw badRequest("invalid_consistency", `consistency must be one of ${consistencySchema.options.join(", ")}`);
  return parsed.data;
}

/** One kept version of a file with content (a delete marker has none: 404 is_delete_marker). */
async function keptVersion(versions: FileVersions, path: string, versionId: string): Promise<Manifest> {
  const v = await versions.get(path, versionId);
  if (v.deleteMarker) throw new OrreryError(404, "is_delete_marker", `version ${versionId} of /${path} is a delete marker: the file was deleted then`);
  return v.row;
}

export function filesRoutes(d: FilesRoutesDeps): Hono {
  const app = new Hono();
  const json = bodyLimit({ maxSize: 1024 * 1024 });

  app.put(apiRoutes.putFile.path, async (c) => {
    const { path, trailingSlash } = pathFromUrl(c.req.url, PREFIX);
    if (trailingSlash) throw badRequest("invalid_path", "a file path cannot end with '/'; use POST /api/mkdir for directories");
    access(c, "write", path);
    const durability = durabilityOf(c.req.query("durability"));
    const mtimeHeader = c.req.header("x-orrery-mtime");
    const mtime = mtimeHeader === undefined ? Date.now() : Number(mtimeHeader);
    if (!Number.isSafeInteger(mtime) || mtime < 0) throw badRequest("invalid_mtime", "x-orrery-mtime must be milliseconds since the epoch");
    const length = Number(c.req.header("content-length"));
    const sizeHint = Number.isSafeInteger(length) && length >= 0 ? length : undefined;
    const precondition = httpPrecondition(c.req.header("if-match"), c.req.header("if-none-match"), fileEtag);
    const meta = metaFromHeaders(c.req.raw.headers.entries(), FILES_USER_META);
    const replacing = d.fs.lookupFile(path)?.size ?? 0;
    const hold = d.quotas?.hold(path, c.req.raw.body, sizeHint, replacing);
    let result: Awaited<ReturnType<typeof d.fs.put>>;
    try {
      result = await d.fs.put(path, hold ? hold.body : c.req.raw.body, durability, { mtime, sizeHint, precondition, meta });
    } finally {
      hold?.release();
    }
    return c.json({ ...result, path: `/${result.path}` } satisfies ResponseOf<"putFile", 201>, 201);
  });

  // A file and a folder may share a path: `a/b` names the file, `a/b/` the folder (either when only one is there).
  const current = async (path: string, after: string | undefined, limit: number, consistency: string | undefined, folder: boolean) => {
    await d.fs.refresh([path], consistencyOf(consistency), { after, limit });
    return (folder ? d.fs.lookupDir(path) : undefined) ?? d.fs.stat(path);
  };
  const getOrHead = async (c: import("hono").Context, head: boolean) => {
    const { path, trailingSlash } = pathFromUrl(c.req.url, PREFIX);
    const verdict = access(c, "read", path);
    const limit = Number(c.req.query("limit") ?? 1000);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10000) throw badRequest("invalid_limit", "limit must be 1..10000");
    const after = c.req.query("after");
    const versionId = c.req.query("versionId");
    if (versionId !== undefined && !d.versions) throw badRequest("no_versioning", "this node serves no versions");
    const m = versionId !== undefined ? await keptVersion(d.versions!, path, versionId) : await current(path, after, limit, c.req.query("consistency"), trailingSlash);
    if (m.kind === "dir") {
      const entries = d.fs.list(path, { limit, after });
      // A folder on the way to the principal's own shows only what leads there; `more` counts every row read.
      const shown = verdict === "list" ? entries.filter((e) => canSee(c)(e.path)) : entries;
      const totals = isFlag(c.req.query("totals")) ? folderTotals(c, d.fs, shown) : undefined;
      const json = shown.map((e) => (totals?.has(e.path) && e.kind === "dir" ? { ...entryJson(e), folder: totals.get(e.path)! } : entryJson(e)));
      return c.json({ path: `/${path}`, kind: "dir", entries: json, more: entries.length >= limit } satisfies ResponseOf<"getFile">);
    }
    if (verdict !== "allow") requireAllow(c, "read", path); // a file where a folder on the way would be: refused
    if (trailingSlash) throw badRequest("not_a_directory", `/${path} is a file, not a directory`);
    const etag = fileEtag(m);
    const headers: Record<string, string> = {
      // ?download=1: save it under its name rather than show it.
      ...userContentHeaders(nameOf(m.path), isFlag(c.req.query("download"))),
      etag,
      "accept-ranges": "bytes",
      "last-modified": new Date(m.mtime).toUTCString(),
      "x-orrery-version": m.version,
      ...(versionId === undefined ? {} : { "x-orrery-version-id": versionId }),
    };
    // What the writer said about the file; the download flag's disposition and the sandbox stay ours.
    for (const [name, value] of metaToHeaders(m.meta, FILES_USER_META)) headers[name] ??= value;
    headers["content-type"] ??= "application/octet-stream";
    if (c.req.header("if-none-match") === etag) return new Response(null, { status: 304, headers });
    const read = await d.fs.read(m, { range: c.req.header("range"), ifRange: c.req.header("if-range"), etag, head });
    return new Response(read.body, { status: read.status, headers: { ...headers, ...read.headers } });
  };
  app.get(apiRoutes.getFile.path, (c) => getOrHead(c, false));
  app.get(apiRoutes.getRoot.path, (c) => getOrHead(c, false));
  app.on("HEAD", apiRoutes.headFile.path, (c) => getOrHead(c, true));

  app.delete(apiRoutes.deleteFile.path, async (c) => {
    const { path, trailingSlash } = pathFromUrl(c.req.url, PREFIX);
    access(c, "write", path);
    const recursive = isFlag(c.req.query("recursive"));
    const precondition = httpPrecondition(c.req.header("if-match"), c.req.header("if-none-match"), fileEtag);
    // `a/b/` deletes the folder, `a/b` the file when a file and a folder share the path.
    const kind = trailingSlash ? "dir" : undefined;
    const m = await d.fs.remove(path, recursive, durabilityOf(c.req.query("durability")), precondition, kind);
    recordAudit(c, "delete", `/${m.path}`, { recursive });
    return c.json({ path: `/${m.path}`, deleted: true, version: m.version } satisfies ResponseOf<"deleteFile">);
  });

  app.post(apiRoutes.mkdir.path, json, async (c) => {
    const body = await jsonBody(c.req.raw, mkdirBodySchema);
    access(c, "write", stripSlash(body.path));
    const { created, entry } = await d.fs.mkdir(stripSlash(body.path));
    return c.json({ path: `/${entry.path}`, created, version: entry.version } satisfies ResponseOf<"mkdir", 201>, created ? 201 : 200);
  });

  app.post(apiRoutes.move.path, json, async (c) => {
    const body = await jsonBody(c.req.raw, moveBodySchema);
    access(c, "write", stripSlash(body.from));
    access(c, "write", stripSlash(body.to));
    // `a/b/` moves the folder, `a/b` the file when a file and a folder share the path.
    const kind = body.from.endsWith("/") ? "dir" : undefined;
    const moved = kind === "dir" ? d.fs.lookupDir(stripSlash(body.from)) : d.fs.lookup(stripSlash(body.from));
    if (moved && d.quotas) d.quotas.checkTransfer(moved, stripSlash(body.to), true);
    const m = await d.fs.move(stripSlash(body.from), stripSlash(body.to), body.overwrite ?? false, kind);
    return c.json({ from: `/${stripSlash(body.from)}`, to: `/${m.path}`, version: m.version } satisfies ResponseOf<"move">);
  });

  app.get(apiRoutes.stat.path, async (c) => {
    const { path } = pathFromUrl(c.req.url, "/api/stat");
    const verdict = access(c, "read", path);
    await d.fs.refresh([path], consistencyOf(c.req.query("consistency")));
    const m = d.fs.stat(path);
    if (m.kind === "file" && verdict !== "allow") requireAllow(c, "read", path);
    const health = await d.replicaHealth(m);
    const [current, ...earlier] = d.placement.manifestOwnerSets(m.path);
    const owners = { manifestOwners: [...current!.owners], ...(earlier.length > 0 ? { manifestOwnersDuringRingChange: earlier.map((s) => [...s.owners]) } : {}) };
    const inline = m.inline !== undefined ? { inline: true as const } : {};
    return c.json({ ...entryJson(m), chunkSize: m.chunkSize, ...health, ...owners, ...inline } satisfies ResponseOf<"stat">);
  });

  return app;
}

