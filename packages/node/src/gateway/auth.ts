// Who is asking: every request's credential (HTTP Basic with a password or a token, a Bearer token, or the
// UI's session cookie) checked once, before any route, and the principal left on the context for
// `access()` (accounts/authorize.ts decides). A wrong credential is a 401 at once; repeated failures are
// refused for a while per client address and per account. On a node that requires a login, everything
// under /api/ and /dav/ needs one except the login itself and the health probe.
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import type { Accounts } from "../accounts/accounts.ts";
import { type Action, authorize, type Principal, type Verdict, visible } from "../accounts/authorize.ts";
import { FailureLimiter } from "../accounts/failure-limiter.ts";
import { SessionTable } from "../accounts/sessions.ts";
import { looksLikeToken } from "../accounts/tokens.ts";
import type { UserRecord } from "../accounts/records.ts";
import { OrreryError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { BASIC_CHALLENGE } from "./errors.ts";
import { remoteAddressOf } from "./http-server.ts";
import { recordAudit } from "./audit-trail.ts";

export const SESSION_COOKIE = "orrery_session";
/** Reachable without a login: the login itself, who-am-I (it answers 401), the health probe. */
const PUBLIC_API = new Set(["/api/login", "/api/logout", "/api/me", "/api/health"]);

export type AuthVariables = { principal: Principal; authOpen: boolean };

export interface AuthInit {
  /** No login required: anonymous clients may do everything (AUTH=off, or auto on loopback). */
  open: boolean;
}

export interface AuthComponents {
  accounts: Accounts;
  sessions?: SessionTable;
  log: Logger;
  /** Failed logins: per client address, per account (defaults: 20 and 10 per 5 minutes). */
  byAddress?: FailureLimiter;
  byAccount?: FailureLimiter;
}

const principalOf = (accounts: Accounts, u: UserRecord, via: "password" | "token" | "session", readOnly = false): Principal => ({
  kind: "user", name: u.name, role: u.role, readOnly, via, shares: accounts.grantsOf(u),
});

/** A request a page's script sent (fetch, XHR, EventSource): a challenge would open the browser's own login box. */
const fromScript = (c: Context) => c.req.header("sec-fetch-dest") === "empty";

/** 401: log in. WebDAV and API clients get the Basic challenge; the UI's scripts show their login page instead. */
export function loginRequired(c: Context, message = "log in first: this node requires a login (HTTP Basic, a token, or the web UI's login)", code = "login_required"): Response {
  const headers: Record<string, string> = fromScript(c) ? {} : { "WWW-Authenticate": BASIC_CHALLENGE };
  return c.json({ error: message, code }, 401, headers);
}

export class Authenticator {
  readonly sessions: SessionTable;
  private readonly byAddress: FailureLimiter;
  private readonly byAccount: FailureLimiter;

  constructor(
    readonly init: AuthInit,
    private readonly c: AuthComponents,
  ) {
    this.sessions = c.sessions ?? new SessionTable();
    this.byAddress = c.byAddress ?? new FailureLimiter({ limit: 20, windowMs: 5 * 60_000 });
    this.byAccount = c.byAccount ?? new FailureLimiter({ limit: 10, windowMs: 5 * 60_000 });
  }

  get accounts(): Accounts {
    return this.c.accounts;
  }

  /**
   * Checks a user name and a password (or a token in the password's place), counting failures. Throws 429
   * while the address or the account is refused, 401 when wrong.
   */
  async login(c: Context, name: string | undefined, secret: string): Promise<Principal> {
    const address = `addr:${remoteAddressOf(c.req.raw) ?? "unknown"}`;
    const account = `user:${name}`;
    const wait = Math.max(this.byAddress.blockedFor(address), name === undefined ? 0 : this.byAccount.blockedFor(account));
    if (wait > 0) {
      throw new OrreryError(429, "too_many_failures", `too many failed logins; try again in ${Math.ceil(wait / 1000)} s`, { retryAfterSeconds: Math.ceil(wait / 1000) });
    }
    let principal: Principal | undefined;
    if (name === undefined || looksLikeToken(secret)) {
      // A token (Bearer, or Basic with the token as the password: then it must be that user's).
      const found = this.c.accounts.checkToken(secret);
      if (found && (name === undefined || found.user.name === name)) principal = principalOf(this.c.accounts, found.user, "token", found.token.readOnly);
    } else {
      const user = await this.c.accounts.checkPassword(name, secret);
      if (user) principal = principalOf(this.c.accounts, user, "password");
    }
    if (principal) return principal;
    this.byAddress.fail(address);
    // Only accounts that exist are counted by name: guessed names would otherwise fill the table.
    if (name !== undefined && this.c.accounts.user(name)) this.byAccount.fail(account);
    this.c.log.info("failed login", { user: name?.slice(0, 64) ?? "(a token)", address: address.slice(5) });
    recordAudit(c, "login_failed", name?.slice(0, 64) ?? "(a token)", { with: name === undefined || looksLikeToken(secret) ? "token" : "password" }, { actor: name ?? null });
    throw new OrreryError(401, "bad_credentials", "wrong user name, password or token");
  }

  /** The principal of a request's credential; throws 401 (bad credential) or 429 (too many failures). */
  async principal(c: Context): Promise<Principal> {
    const header = c.req.header("authorization");
    if (header !== undefined) {
      if (header.length > 4096) throw new OrreryError(401, "bad_credentials", "the Authorization header is too long");
      const [scheme = "", value = ""] = header.trim().split(/\s+/, 2);
      if (/^basic$/i.test(scheme)) {
        const decoded = Buffer.from(value, "base64").toString("utf8");
        const colon = decoded.indexOf(":");
        if (colon < 0) throw new OrreryError(401, "bad_credentials", "HTTP Basic credentials are user:password");
        return this.login(c, decoded.slice(0, colon), decoded.slice(colon + 1));
      }
      if (/^bearer$/i.test(scheme)) return this.login(c, undefined, value);
      // Orrery-Admin (signed with the cluster key) is checked by the admin routes (admin-routes.ts).
      if (scheme !== "Orrery-Admin") throw new OrreryError(401, "bad_credentials", `unsupported Authorization scheme ${scheme.slice(0, 32)}`);
    }
    const sessionId = getCookie(c, SESSION_COOKIE);
    if (sessionId) {
      const s = this.sessions.get(sessionId);
      const user = s && this.c.accounts.user(s.user);
      // A new password (or the user's removal) ends every session opened under the old one.
      if (s && user && user.passwordHash === s.passwordHash) return principalOf(this.c.accounts, user, "session");
    }
    return { kind: "anonymous" };
  }

  /**
   * Leaves the request's principal on the context; answers 401 where a login is required and missing.
   *
   * @example app.use(authenticator.middleware())
   */
  middleware(): MiddlewareHandler<{ Variables: AuthVariables }> {
    return async (c, next) => {
      let principal: Principal;
      try {
        principal = await this.principal(c);
      } catch (err) {
        if (err instanceof OrreryError && err.status === 401) return loginRequired(c, err.message, err.code);
        throw err;
      }
      c.set("principal", principal);
      c.set("authOpen", this.init.open);
      if (principal.kind === "anonymous" && !this.init.open && needsLogin(c.req.method, c.req.path)) return loginRequired(c);
      return next();
    };
  }
}

/** A node without accounts: every request is anonymous, and anonymous clients may do everything. */
export function openAccess(): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    c.set("principal", { kind: "anonymous" });
    c.set("authOpen", true);
    return next();
  };
}

/**
 * The admin routes answer for themselves (admin-routes.ts): an admin user, or a request signed with the
 * cluster key, which a client without a login holds. Their 401 names both.
 */
const ADMIN_PREFIXES = ["/api/cluster/leave", "/api/cluster/members/", "/api/cluster/keys", "/api/admin/", "/api/audit"];
const adminRoute = (method: string, path: string) =>
  ADMIN_PREFIXES.some((p) => path.startsWith(p)) || (path === "/api/cluster/settings" && method !== "GET" && method !== "HEAD");

const needsLogin = (method: string, path: string) =>
  ((path.startsWith("/api/") && !PUBLIC_API.has(path)) || path === "/dav" || path.startsWith("/dav/")) && !adminRoute(method, path);

/** The principal of this request (anonymous on an open node when no authenticator ran). */
export const requestPrincipal = (c: Context): Principal => (c.get("principal") as Principal | undefined) ?? { kind: "anonymous" };

/**
 * The verdict for `action` on canonical `path` for this request's principal: `allow` or `list`; a denial is
 * thrown (401 for an anonymous client, 403 for a user). A request that no authenticator saw is refused: a
 * route mounted without one must fail closed.
 */
export function access(c: Context, action: Action, path: string): Exclude<Verdict, "deny"> {
  const open = c.get("authOpen") as boolean | undefined;
  if (open === undefined) throw new OrreryError(500, "no_authenticator", "this route was mounted without an authenticator");
  const p = requestPrincipal(c);
  const verdict = authorize(p, action, path, { open });
  if (verdict !== "deny") return verdict;
  if (p.kind === "anonymous") throw new OrreryError(401, "login_required", "log in first: this node requires a login");
  throw new OrreryError(403, "forbidden", `${p.name} may not ${action} /${path}`);
}

/** access() that also refuses `list`: for a file, which is never a folder on the way to anything. */
export function requireAllow(c: Context, action: Action, path: string): void {
  if (access(c, action, path) === "allow") return;
  const p = requestPrincipal(c);
  throw new OrreryError(403, "forbidden", `${p.kind === "user" ? p.name : "anonymous"} may not ${action} /${path}`);
}

/** Whether this request's principal may see an entry at `path` (listings, change feeds). */
/** The caller's verdict for `action` on any path (authorize.ts), for routes that decide many paths at once (zip). */
export function verdictOf(c: Context, action: Action): (path: string) => Verdict {
  const open = c.get("authOpen") as boolean | undefined;
  if (open === undefined) throw new OrreryError(500, "no_authenticator", "this route was mounted without an authenticator");
  const p = requestPrincipal(c);
  return (path) => authorize(p, action, path, { open });
}

export function canSee(c: Context): (path: string) => boolean {
  const p = requestPrincipal(c);
  const open = (c.get("authOpen") as boolean | undefined) ?? false;
  return (path) => visible(p, path, { open });
}
