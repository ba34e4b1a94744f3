// The gateway's authentication in process: credentials of every kind, the session cookie's flags and end,
// failure limits, the CSRF guard on cookie-authenticated writes, and access() on a route.
import { describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { MemoryAccountStore } from "../accounts/account-store.ts";
import { Accounts } from "../accounts/accounts.ts";
import { FailureLimiter } from "../accounts/failure-limiter.ts";
import type { Logger } from "../log.ts";
import { accountRoutes } from "./account-routes.ts";
import { AdminVerifier } from "../security/admin-auth.ts";
import { testKeyring } from "../security/test-keys.ts";
import { access, Authenticator } from "./auth.ts";
import { csrfGuard } from "./csrf.ts";
import { toErrorResponse } from "./errors.ts";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const basic = (user: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${secret}`).toString("base64")}` });
const json = { "content-type": "application/json" };

async function setup(open = false, failures = 20, accountFailures = 10) {
  const store = new MemoryAccountStore();
  const sync = { write: async (r: Parameters<MemoryAccountStore["offer"]>[0]) => (store.offer(r), { confirmed: 1, members: 1 }) };
  const accounts = new Accounts({ selfId: "n1", store, sync, now: Date.now, log: quiet });
  await accounts.addUser("root", "root password", "admin", null);
  await accounts.addUser("alice", "alice password", "user", null);
  const auth = new Authenticator({ open }, { accounts, log: quiet, byAddress: new FailureLimiter({ limit: failures, windowMs: 60_000 }), byAccount: new FailureLimiter({ limit: accountFailures, windowMs: 60_000 }) });
  const app = new Hono();
  app.onError((err, c) => toErrorResponse(err, c, quiet));
  app.use(csrfGuard());
  app.use(auth.middleware());
  const mkdirs: string[] = [];
  app.route("/", accountRoutes({ authenticator: auth, adminOpen: false, verifier: new AdminVerifier(testKeyring()), fs: { mkdir: async (p) => (mkdirs.push(p), { created: true }) as never }, log: quiet }));
  app.put("/api/files/:dir/:name/:file", (c) => c.json({ verdict: access(c, "write", `${c.req.param("dir")}/${c.req.param("name")}/${c.req.param("file")}`) }));
  return { app, accounts, auth, mkdirs };
}

describe("authentication", () => {
  test("no credential on a node that requires a login: 401 with the Basic challenge (not for the UI's scripts)", async () => {
    const { app } = await setup();
    const res = await app.request("/api/users");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Basic realm="orrery", charset="UTF-8"');
    expect((await res.json()).code).toBe("login_required");
    const fromUi = await app.request("/api/me", { headers: { "sec-fetch-dest": "empty" } });
    expect(fromUi.status).toBe(401);
    expect(fromUi.headers.get("www-authenticate")).toBeNull();
  });

  test("Basic with a password, Basic with a token, Bearer; a wrong one is 401 at once", async () => {
    const { app } = await setup();
    expect((await (await app.request("/api/me", { headers: basic("alice", "alice password") })).json()).user).toBe("alice");
    const made = await (await app.request("/api/tokens", { method: "POST", headers: { ...basic("alice", "alice password"), ...json }, body: JSON.stringify({ readOnly: true }) })).json();
    expect(made.token).toStartWith("orrery_");
    const viaBasic = await (await app.request("/api/me", { headers: basic("alice", made.token) })).json();
    expect([viaBasic.user, viaBasic.via, viaBasic.readOnly]).toEqual(["alice", "token", true]);
    expect((await (await app.request("/api/me", { headers: { authorization: `Bearer ${made.token}` } })).json()).user).toBe("alice");
    expect((await app.request("/api/me", { headers: basic("root", made.token) })).status).toBe(401); // alice's token, not root's
    expect((await app.request("/api/me", { headers: basic("alice", "nope") })).status).toBe(401);
    expect((await app.request("/api/me", { headers: { authorization: "Bearer orrery_0000000000000000_" + "A".repeat(43) } })).status).toBe(401);
    // A read-only token writes nothing.
    const write = await app.request("/api/files/home/alice/x", { method: "PUT", headers: { authorization: `Bearer ${made.token}` } });
    expect(write.status).toBe(403);
  });

  test("login sets an HttpOnly, SameSite=Strict session cookie of 256 random bits; logout and a new password end it", async () => {
    const { app, accounts } = await setup();
    const res = await app.request("/api/login", { method: "POST", headers: json, body: JSON.stringify({ user: "alice", password: "alice password" }) });
    expect(res.status).toBe(200);
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^orrery_session=[A-Za-z0-9_-]{43}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Strict$/);
    const session = { cookie: cookie.split(";")[0]! };
    expect((await (await app.request("/api/me", { headers: session })).json()).via).toBe("session");
    expect((await app.request("/api/files/home/alice/x", { method: "PUT", headers: session })).status).toBe(200);
    await accounts.changeUser("alice", { password: "a new password" });
    expect((await app.request("/api/me", { headers: session })).status).toBe(401);

    const again = await app.request("/api/login", { method: "POST", headers: json, body: JSON.stringify({ user: "alice", password: "a new password" }) });
    const second = { cookie: again.headers.get("set-cookie")!.split(";")[0]! };
    expect((await app.request("/api/logout", { method: "POST", headers: { ...second, ...json }, body: "{}" })).status).toBe(200);
    expect((await app.request("/api/me", { headers: second })).status).toBe(401);
  });

  test("the CSRF guard still stands before a cookie: another site's write is refused", async () => {
    const { app } = await setup();
    const login = await app.request("/api/login", { method: "POST", headers: json, body: JSON.stringify({ user: "alice", password: "alice password" }) });
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    const res = await app.request("/api/files/home/alice/x", { method: "PUT", headers: { cookie, "sec-fetch-site": "cross-site" } });
    expect(res.status).toBe(403);
    expect((await res.json()).code).toBe("cross_origin_refused");
  });

  test("hostile bodies: an oversized login, user or token body is 413 before it is read; malformed ones are 400; a cross-site login is refused", async () => {
    const { app } = await setup();
    const big = JSON.stringify({ user: "alice", password: "x".repeat(64 * 1024) });
    expect((await app.request("/api/login", { method: "POST", headers: json, body: big })).status).toBe(413);
    for (const body of ["{", "[]", JSON.stringify({ user: "alice" }), JSON.stringify({ user: "alice", password: "alice password", extra: 1 })]) {
      const res = await app.request("/api/login", { method: "POST", headers: json, body });
      expect(res.status, body).toBe(400);
      expect((await res.json()).code, body).toBeString();
    }
    const admin = { ...basic("root", "root password"), ...json };
    expect((await app.request("/api/users", { method: "POST", headers: admin, body: JSON.stringify({ name: "x", password: "y".repeat(64 * 1024) }) })).status).toBe(413);
    expect((await app.request("/api/users", { method: "POST", headers: admin, body: JSON.stringify({ name: "../etc", password: "a long password" }) })).status).toBe(400);
    expect((await app.request("/api/tokens", { method: "POST", headers: admin, body: JSON.stringify({ label: "l".repeat(64 * 1024) }) })).status).toBe(413);
    // A page on another site cannot log its visitor in (login CSRF): the guard refuses the simple POST.
    const crossSite = await app.request("/api/login", {
      method: "POST",
      headers: { "content-type": "text/plain", origin: "https://evil.example", "sec-fetch-site": "cross-site" },
      body: JSON.stringify({ user: "alice", password: "alice password" }),
    });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers.get("set-cookie")).toBeNull();
  });

  test("repeated failures are refused for a while (429 with Retry-After), even with the right password", async () => {
    const { app } = await setup(false, 3);
    for (let i = 0; i < 3; i++) expect((await app.request("/api/me", { headers: basic("alice", `wrong ${i}`) })).status).toBe(401);
    const res = await app.request("/api/me", { headers: basic("alice", "alice password") });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  test("failures are counted per client across accounts, and per account: past either limit the right password is refused too", async () => {
    // One client guessing names (none of them accounts) is refused for every account, root's as well.
    const client = await setup(false, 3, 100);
    for (const name of ["x1", "x2", "x3"]) expect((await client.app.request("/api/me", { headers: basic(name, "guess") })).status).toBe(401);
    expect((await client.app.request("/api/me", { headers: basic("root", "root password") })).status).toBe(429);
    // Failures against one account refuse that account (however many clients try it), and not another.
    const account = await setup(false, 100, 3);
    for (let i = 0; i < 3; i++) expect((await account.app.request("/api/me", { headers: basic("alice", `wrong ${i}`) })).status).toBe(401);
    const refused = await account.app.request("/api/me", { headers: basic("alice", "alice password") });
    expect([refused.status, (await refused.json()).code]).toEqual([429, "too_many_failures"]);
    expect((await account.app.request("/api/me", { headers: basic("root", "root password") })).status).toBe(200);
  });

  test("a session changes its own password only with the current one; it stays logged in, the user's other sessions end", async () => {
    const { app } = await setup();
    const login = async (password: string) => {
      const res = await app.request("/api/login", { method: "POST", headers: json, body: JSON.stringify({ user: "alice", password }) });
      expect(res.status).toBe(200);
      return { cookie: res.headers.get("set-cookie")!.split(";")[0]! };
    };
    const [here, elsewhere] = [await login("alice password"), await login("alice password")];
    const change = (body: object) => app.request("/api/users/alice", { method: "PATCH", headers: { ...here, ...json }, body: JSON.stringify(body) });
    const missing = await change({ password: "a new password" });
    expect([missing.status, (await missing.json()).code]).toEqual([400, "current_password_required"]);
    const wrong = await change({ password: "a new password", currentPassword: "not it" });
    expect([wrong.status, (await wrong.json()).code]).toEqual([403, "wrong_password"]);
    expect((await app.request("/api/me", { headers: here })).status).toBe(200); // still logged in
    // currentPassword does not open other changes to a user.
    expect((await change({ quotaBytes: 5, currentPassword: "alice password" })).status).toBe(403);

    const changed = await change({ password: "a new password", currentPassword: "alice password" });
    expect(changed.status).toBe(200);
    const renewed = { cookie: changed.headers.get("set-cookie")!.split(";")[0]! };
    expect(changed.headers.get("set-cookie")).toContain("HttpOnly; SameSite=Strict");
    expect((await (await app.request("/api/me", { headers: renewed })).json()).user).toBe("alice");
    for (const old of [here, elsewhere]) expect((await app.request("/api/me", { headers: old })).status).toBe(401);
    expect((await app.request("/api/me", { headers: basic("alice", "a new password") })).status).toBe(200);
    // Basic carries the password already: no currentPassword asked (the CLI's `user passwd`).
    expect((await app.request("/api/users/alice", { method: "PATCH", headers: { ...basic("alice", "a new password"), ...json }, body: JSON.stringify({ password: "a third password" }) })).status).toBe(200);
  });

  test("a token changes its user's password only with the current one (a token given to a script is not its user)", async () => {
    const { app, accounts } = await setup();
    const { token } = await accounts.createToken("alice", {});
    const change = (body: object) =>
      app.request("/api/users/alice", { method: "PATCH", headers: { authorization: `Bearer ${token}`, ...json }, body: JSON.stringify(body) });
    const missing = await change({ password: "a new password" });
    expect([missing.status, (await missing.json()).code]).toEqual([400, "current_password_required"]);
    expect((await change({ password: "a new password", currentPassword: "wrong" })).status).toBe(403);
    expect((await app.request("/api/me", { headers: basic("alice", "alice password") })).status).toBe(200); // unchanged
    expect((await change({ password: "a new password", currentPassword: "alice password" })).status).toBe(200);
    expect((await app.request("/api/me", { headers: basic("alice", "a new password") })).status).toBe(200);
  });

  test("users: an admin adds one (home folder made), a user may not; a user changes only their own password", async () => {
    const { app, mkdirs } = await setup();
    const add = (as: Record<string, string>) =>
      app.request("/api/users", { method: "POST", headers: { ...as, ...json }, body: JSON.stringify({ name: "bob", password: "bob password" }) });
    expect((await add(basic("alice", "alice password"))).status).toBe(403);
    const made = await add(basic("root", "root password"));
    expect(made.status).toBe(201);
    expect(await made.json()).toMatchObject({ name: "bob", home: "/home/bob", role: "user", homeCreated: true });
    expect(mkdirs).toEqual(["home/bob"]);
    const patch = (as: Record<string, string>, name: string, body: unknown) =>
      app.request(`/api/users/${name}`, { method: "PATCH", headers: { ...as, ...json }, body: JSON.stringify(body) });
    expect((await patch(basic("bob", "bob password"), "bob", { password: "bobs new pass" })).status).toBe(200);
    expect((await patch(basic("bob", "bobs new pass"), "bob", { role: "admin" })).status).toBe(403);
    expect((await patch(basic("bob", "bobs new pass"), "alice", { password: "hijacked!!" })).status).toBe(403);
    expect((await app.request("/api/users", { method: "POST", headers: { ...basic("root", "root password"), ...json }, body: JSON.stringify({ name: "Bad/Name", password: "x" }) })).status).toBe(400);
  });

  test("access(): an owner writes in their home, not in another's (403); an open node lets anonymous clients write", async () => {
    const { app } = await setup();
    expect((await app.request("/api/files/home/alice/x", { method: "PUT", headers: basic("alice", "alice password") })).status).toBe(200);
    const other = await app.request("/api/files/home/root/x", { method: "PUT", headers: basic("alice", "alice password") });
    expect([other.status, (await other.json()).code]).toEqual([403, "forbidden"]);
    const opened = (await setup(true)).app;
    expect((await opened.request("/api/files/home/root/x", { method: "PUT" })).status).toBe(200);
    expect((await (await opened.request("/api/me")).json()).auth).toBe("off");
  });
});
