// Folder shares over HTTP: the owner of a folder (it is in their home) or an admin shares it with a user or a
// group, read-only or read-write; `GET /api/shares` lists the shares a user made or was given (themselves or
// through a group); the sharer, the grantee (leaving it; a group's members do not end it for all) or an admin ends one.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { within } from "../accounts/authorize.ts";
import {
  type GroupShareRecord, groupNameSchema, homeOf, type ShareAccess, shareAccessSchema, type ShareRecord, tokenIdSchema, userNameSchema,
} from "../accounts/records.ts";
import { badRequest, OrreryError } from "../errors.ts";
import type { FileSystem } from "../filesystem/file-system.ts";
import { normalizePath } from "../metadata/path.ts";
import { type Authenticator, requestPrincipal } from "./auth.ts";
import { jsonBody } from "./json-body.ts";
import { recordAudit } from "./audit-trail.ts";

export interface ShareRoutesDeps {
  authenticator: Authenticator;
  fs: Pick<FileSystem, "lookupDir">;
}

const shareSchema = z
  .strictObject({ path: z.string().min(1).max(4096), user: userNameSchema.optional(), group: groupNameSchema.optional(), access: shareAccessSchema.optional() })
  .refine((b) => (b.user === undefined) !== (b.group === undefined), "name either a user or a group to share with");

const shareJson = (sh: ShareRecord | GroupShareRecord) => ({
  id: sh.id, path: `/${sh.path}`, ...(sh.kind === "share" ? { user: sh.user } : { group: sh.group }), access: sh.access, by: sh.by, createdAt: sh.createdAt,
});

/** A signed-in user who may change things (shares belong to someone; a read-only token changes nothing). */
function writer(c: Parameters<typeof requestPrincipal>[0]) {
  const p = requestPrincipal(c);
  if (p.kind !== "user") throw new OrreryError(401, "login_required", "log in as a user first");
  if (p.readOnly && c.req.method !== "GET") throw new OrreryError(403, "read_only_token", "a read-only token cannot change shares");
  return p;
}

export function shareRoutes(d: ShareRoutesDeps): Hono {
  const app = new Hono();
  const accounts = d.authenticator.accounts;

  app.get("/api/shares", (c) => {
    const p = writer(c);
    const all = c.req.query("all") === "1" && p.role === "admin";
    const user = accounts.user(p.name);
    const mine = new Set(user ? accounts.groupsOf(user) : []);
    const shares = [
      ...accounts.shares().filter((sh) => all || sh.user === p.name || sh.by === p.name),
      ...accounts.groups.shares().filter((sh) => all || mine.has(sh.group) || sh.by === p.name),
    ];
    return c.json({ shares: shares.map(shareJson) });
  });

  app.post("/api/shares", bodyLimit({ maxSize: 16 * 1024 }), async (c) => {
    const p = writer(c);
    const body = await jsonBody(c.req.raw, shareSchema);
    const raw = body.path.replace(/^\/+|\/+$/g, "");
    if (raw === "") throw badRequest("invalid_path", "share a folder, not the root");
    const path = normalizePath(raw);
    if (p.role !== "admin" && !within(path, homeOf(p.name))) {
      throw new OrreryError(403, "forbidden", `${p.name} may share only folders in their home (/${homeOf(p.name)})`);
    }
    if (!d.fs.lookupDir(path)) throw new OrreryError(404, "no_such_folder", `no folder /${path}`);
    if (body.user === p.name) throw badRequest("share_with_self", "a folder is shared with someone else");
    const access: ShareAccess = body.access ?? "read";
    const made = body.group !== undefined ? await accounts.groups.share(path, body.group, access, p.name) : await accounts.share(path, body.user!, access, p.name);
    recordAudit(c, "share_add", `/${path}`, { with: body.user ?? `group ${body.group}`, access: made.access, id: made.id });
    return c.json({ ...shareJson(made), confirmed: made.confirmed, members: made.members }, 201);
  });

  app.delete("/api/shares/:id", async (c) => {
    const p = writer(c);
    const id = c.req.param("id");
    if (!tokenIdSchema.safeParse(id).success) throw badRequest("invalid_share_id", "a share id is 16 hex digits");
    const held = accounts.shares().find((sh) => sh.id === id) ?? accounts.groups.shares().find((sh) => sh.id === id);
    const grantee = held?.kind === "share" && held.user === p.name;
    const mayEnd = held && (p.role === "admin" || held.by === p.name || grantee || within(held.path, homeOf(p.name)));
    if (!held || !mayEnd) throw new OrreryError(404, "no_such_share", `no share ${id}`);
    const ended = held.kind === "share" ? await accounts.unshare(id) : await accounts.groups.unshare(id);
    recordAudit(c, "share_rm", `/${held.path}`, { with: held.kind === "share" ? held.user : `group ${held.group}`, id });
    return c.json({ id, ended: true, ...ended });
  });

  return app;
}
