// Accounts over HTTP: the UI's login and logout (a session cookie), who am I, users (admins manage them;
// a user changes their own password) and API tokens (each user their own; admins anyone's).
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import type { Principal } from "../accounts/authorize.ts";
import { passwordSchema } from "../accounts/passwords.ts";
import { homeOf, quotaSchema, roleSchema, tokenIdSchema, type TokenRecord, type UserRecord, userNameSchema } from "../accounts/records.ts";
import { badRequest, OrreryError } from "../errors.ts";
import type { FileSystem } from "../filesystem/file-system.ts";
import type { Logger } from "../log.ts";
import type { Quotas } from "../accounts/quota.ts";
import { type AdminRoutesDeps, requireAdmin } from "./admin-routes.ts";
import { type Authenticator, requestPrincipal, SESSION_COOKIE } from "./auth.ts";
import { jsonBody } from "./json-body.ts";
import { recordAudit } from "./audit-trail.ts";

export interface AccountRoutesDeps extends Pick<AdminRoutesDeps, "adminOpen" | "verifier"> {
  authenticator: Authenticator;
  fs: Pick<FileSystem, "mkdir">;
  log: Logger;
  /** Users' quotas: what each user's files take (GET /api/me, /api/users). */
  quotas?: Quotas;
}

const loginSchema = z.strictObject({ user: z.string().min(1).max(64), password: z.string().min(1).max(1024) });
const newUserSchema = z.strictObject({
  name: userNameSchema,
  password: passwordSchema,
  role: roleSchema.optional(),
  quotaBytes: quotaSchema.nullable().optional(),
});
const userChangeSchema = z.strictObject({
  password: passwordSchema.optional(),
  /** The password being replaced: asked of a session or a token changing its own (neither is its user's password). */
  currentPassword: z.string().min(1).max(1024).optional(),
  role: roleSchema.optional(),
  quotaBytes: quotaSchema.nullable().optional(),
});
const MAX_TOKEN_LIFE_S = 10 * 365 * 86_400;
const newTokenSchema = z.strictObject({
  label: z.string().max(100).optional(),
  readOnly: z.boolean().optional(),
  /** Seconds from now; absent: the token does not expire. */
  expiresInSeconds: z.number().int().min(60).max(MAX_TOKEN_LIFE_S).optional(),
});
/** Session cookies last as long as the server keeps the session (accounts/sessions.ts). */
const SESSION_MAX_AGE_S = 7 * 86_400;

export const userJson = (u: UserRecord) => ({ name: u.name, role: u.role, home: `/${homeOf(u.name)}`, quotaBytes: u.quotaBytes, createdAt: u.createdAt });
/** GET /api/me (and the login's answer): who is asking, their home, how they proved it. */
const meJson = (u: UserRecord, p: Extract<Principal, { kind: "user" }>, open: boolean) => ({
  ...userJson(u), user: u.name, via: p.via, readOnly: p.readOnly, auth: open ? "off" : "required",
});
const tokenJson = (t: TokenRecord, now: number) => ({
  id: t.id, user: t.user, label: t.label, readOnly: t.readOnly, createdAt: t.createdAt, expiresAt: t.expiresAt,
  expired: t.expiresAt !== null && t.expiresAt <= now,
});

/** The user a request speaks for, or 401 (tokens and passwords belong to someone; an anonymous client has none). */
export function signedIn(c: Context): Extract<Principal, { kind: "user" }> {
  const p = requestPrincipal(c);
  if (p.kind !== "user") throw new OrreryError(401, "login_required", "log in as a user first");
  return p;
}

export function mayWrite(p: Extract<Principal, { kind: "user" }>): void {
  if (p.readOnly) throw new OrreryError(403, "read_only_token", "a read-only token cannot change accounts");
}

const small = bodyLimit({ maxSize: 16 * 1024 });

/** Bytes of the user's files (each once, whatever the copies), when the node counts them. */
const usageOf = (d: AccountRoutesDeps) => (name: string) => (d.quotas ? { usedBytes: d.quotas.used(name) } : {});

export function accountRoutes(d: AccountRoutesDeps): Hono {
  const app = new Hono();
  app.route("/", sessionRoutes(d));
  app.route("/", userRoutes(d));
  app.route("/", tokenRoutes(d));
  return app;
}

/** A new session for `user` in the response's cookie. */
function openSession(c: Context, d: AccountRoutesDeps, user: string, passwordHash: string): void {
  const id = d.authenticator.sessions.open(user, passwordHash);
  // Not readable by scripts, never sent by another site's page, only over TLS when the page came over TLS.
  setCookie(c, SESSION_COOKIE, id, {
    httpOnly: true, sameSite: "Strict", path: "/", maxAge: SESSION_MAX_AGE_S, secure: new URL(c.req.url).protocol === "https:",
  });
}

/**
 * A session or a token changing its user's own password must give the current one (a browser left open, or a
 * token given to a script, is not its user): checked and counted as a login; a wrong one is 403, not 401, which
 * would end the session in the UI.
 */
async function checkCurrentPassword(c: Context, d: AccountRoutesDeps, name: string, current: string | undefined): Promise<void> {
  if (current === undefined) {
    throw badRequest("current_password_required", "give the current password to change it (currentPassword; orrery user passwd --current-password)");
  }
  try {
    await d.authenticator.login(c, name, current);
  } catch (err) {
    if (err instanceof OrreryError && err.status === 401) throw new OrreryError(403, "wrong_password", "the current password is wrong");
    throw err;
  }
}

/** The web UI's login and logout, and who is asking. */
function sessionRoutes(d: AccountRoutesDeps): Hono {
  const app = new Hono();
  const accounts = d.authenticator.accounts;
  const usage = usageOf(d);

  app.post("/api/login", small, async (c) => {
    const body = await jsonBody(c.req.raw, loginSchema);
    const p = await d.authenticator.login(c, body.user, body.password);
    const user = p.kind === "user" && p.via === "password" ? accounts.user(p.name) : undefined;
    if (!user?.passwordHash) throw new OrreryError(401, "bad_credentials", "log in to the web UI with a password");
    openSession(c, d, user.name, user.passwordHash);
    recordAudit(c, "login", user.name, {}, { actor: user.name, via: "ui" });
    return c.json({ ...meJson(user, { kind: "user", name: user.name, role: user.role, readOnly: false, via: "session" }, d.authenticator.init.open), ...usage(user.name) });
  });

  app.post("/api/logout", (c) => {
    const id = getCookie(c, SESSION_COOKIE);
    const p = requestPrincipal(c);
    if (id && p.kind === "user") recordAudit(c, "logout", p.name);
    if (id) d.authenticator.sessions.close(id);
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.json({ loggedOut: true });
  });

  app.get("/api/me", (c) => {
    const p = requestPrincipal(c);
    const open = d.authenticator.init.open;
    if (p.kind === "anonymous") {
      if (!open) throw new OrreryError(401, "login_required", "not logged in");
      return c.json({ user: null, home: "/", role: null, auth: "off", note: "this node requires no login: anyone who reaches it may read and change every file" });
    }
    return c.json({ ...meJson(accounts.user(p.name)!, p, open), ...usage(p.name) });
  });
  return app;
}

/** Users: an admin's, but for a user changing their own password. */
function userRoutes(d: AccountRoutesDeps): Hono {
  const app = new Hono();
  const accounts = d.authenticator.accounts;
  const admin = requireAdmin(d);
  const usage = usageOf(d);

  app.get("/api/users", admin, (c) => c.json({ users: accounts.users().map((u) => ({ ...userJson(u), ...usage(u.name) })) }));

  app.post("/api/users", small, admin, async (c) => {
    const body = await jsonBody(c.req.raw, newUserSchema);
    const made = await accounts.addUser(body.name, body.password, body.role ?? "user", body.quotaBytes ?? null);
    recordAudit(c, "user_add", body.name, { role: made.role, quotaBytes: made.quotaBytes });
    let homeCreated = true;
    try {
      await d.fs.mkdir(homeOf(body.name));
    } catch (err) {
      // The account exists; the folder appears with the user's first upload (a write makes its parents).
      homeCreated = false;
      d.log.warn("could not make a new user's home folder", { user: body.name, err });
    }
    return c.json({ ...userJson(made), homeCreated, confirmed: made.confirmed, members: made.members }, 201);
  });

  app.patch("/api/users/:name", small, async (c, next) => {
    const body = await jsonBody(c.req.raw.clone(), userChangeSchema);
    const p = requestPrincipal(c);
    // Users change their own password; everything else (and anyone else's) is an admin's.
    const own = p.kind === "user" && p.name === c.req.param("name") && Object.keys(body).every((k) => k === "password" || k === "currentPassword");
    if (own) {
      mayWrite(p);
      return next();
    }
    return admin(c as never, next);
  }, async (c) => {
    const { currentPassword, ...body } = await jsonBody(c.req.raw, userChangeSchema);
    if (Object.keys(body).length === 0) throw badRequest("no_change", "name something to change: password, role or quotaBytes");
    const p = requestPrincipal(c);
    // Basic with the password proves it already; a session or a token does not.
    const own = p.kind === "user" && p.name === c.req.param("name") && body.password !== undefined;
    if (own && p.via !== "password") await checkCurrentPassword(c, d, p.name, currentPassword);
    const changed = await accounts.changeUser(c.req.param("name"), body);
    // The new password ends every session opened under the old one (auth.ts), but for the one that changed it.
    const oldSession = getCookie(c, SESSION_COOKIE);
    if (own && p.via === "session" && changed.passwordHash && oldSession) {
      d.authenticator.sessions.close(oldSession);
      openSession(c, d, changed.name, changed.passwordHash);
    }
    if (body.password !== undefined) recordAudit(c, "user_passwd", changed.name);
    if (body.role !== undefined) recordAudit(c, "user_role", changed.name, { role: changed.role });
    if (body.quotaBytes !== undefined) recordAudit(c, "user_quota", changed.name, { quotaBytes: changed.quotaBytes });
    return c.json({ ...userJson(changed), confirmed: changed.confirmed, members: changed.members });
  });

  app.delete("/api/users/:name", admin, async (c) => {
    const done = await accounts.removeUser(c.req.param("name"));
    recordAudit(c, "user_rm", c.req.param("name"));
    return c.json({ name: c.req.param("name"), deleted: true, ...done });
  });
  return app;
}

/** API tokens: each user's own; an admin sees and revokes anyone's. */
function tokenRoutes(d: AccountRoutesDeps): Hono {
  const app = new Hono();
  const accounts = d.authenticator.accounts;

  app.get("/api/tokens", (c) => {
    const p = signedIn(c);
    const all = c.req.query("all") === "1" && p.role === "admin";
    return c.json({ tokens: accounts.tokens(all ? undefined : p.name).map((t) => tokenJson(t, Date.now())) });
  });

  app.post("/api/tokens", small, async (c) => {
    const p = signedIn(c);
    mayWrite(p);
    const body = await jsonBody(c.req.raw, newTokenSchema);
    const expiresAt = body.expiresInSeconds === undefined ? null : Date.now() + body.expiresInSeconds * 1000;
    const made = await accounts.createToken(p.name, { label: body.label, readOnly: body.readOnly, expiresAt });
    recordAudit(c, "token_create", made.record.id, { label: made.record.label, readOnly: made.record.readOnly, expiresAt: made.record.expiresAt });
    return c.json({ ...tokenJson(made.record, Date.now()), token: made.token, note: "shown once: the node keeps only its hash" }, 201);
  });

  app.delete("/api/tokens/:id", async (c) => {
    const p = signedIn(c);
    mayWrite(p);
    const id = c.req.param("id");
    if (!tokenIdSchema.safeParse(id).success) throw badRequest("invalid_token_id", "a token id is 16 hex digits");
    const held = accounts.tokens().find((t) => t.id === id);
    if (!held || (held.user !== p.name && p.role !== "admin")) throw new OrreryError(404, "no_such_token", `no token ${id}`);
    const revoked = await accounts.revokeToken(id);
    recordAudit(c, "token_revoke", id, { of: held.user });
    return c.json({ id, revoked: true, ...revoked });
  });

  return app;
}
