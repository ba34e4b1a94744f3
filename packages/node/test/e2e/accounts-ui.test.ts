// Issue 13 in a real browser: a node that requires a login shows the login page; two users (two browser
// contexts, two session cookies) each see their own home and not the other's; an admin changes users and
// groups; a user changes their password and makes API tokens; logout brings the login back.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { TestCluster } from "../harness/cluster.ts";
import { ARTIFACTS, launchBrowser, recordErrors } from "./browser.ts";

const ADMIN = "admin admin admin";
const PASSWORDS: Record<string, string> = { admin: ADMIN };
const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString("base64")}`;
let cluster: TestCluster;
let browser: Browser;
let url: string;
const contexts: BrowserContext[] = [];
let errors: string[] = [];

async function api(method: string, path: string, auth: string, body?: string, type = "application/json") {
  const res = await fetch(`${url}${path}`, { method, headers: { authorization: auth, "content-type": type }, body });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
}

beforeAll(async () => {
  cluster = await TestCluster.start(1, { replicationFactor: 1, env: { AUTH: "required", ADMIN_PASSWORD: ADMIN }, headers: { authorization: basic("admin", ADMIN) } });
  url = cluster.nodes[0]!.url;
  for (const name of ["alice", "bob"]) {
    await api("POST", "/api/users", basic("admin", ADMIN), JSON.stringify({ name, password: `${name} password` }));
    await api("PUT", `/api/files/home/${name}/${name}-notes.txt`, basic(name, `${name} password`), `${name}'s notes`, "text/plain");
  }
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await cluster?.stop();
});

async function loggedIn(name: string, options: Parameters<Browser["newContext"]>[0] = { viewport: { width: 1280, height: 800 } }): Promise<Page> {
  const context = await browser.newContext(options);
  contexts.push(context);
  const page = await context.newPage();
  errors = errors.concat(await recordErrors(page, /Content Security Policy|CSP violation/));
  await page.goto(url);
  await page.waitForSelector('[data-testid="login-form"]');
  await page.fill('[data-testid="login-user"]', name);
  await page.fill('[data-testid="login-password"]', PASSWORDS[name] ?? `${name} password`);
  await page.click('[data-testid="login-submit"]');
  await page.waitForSelector('[data-testid="current-user"]');
  expect(await page.locator('[data-testid="current-user"]').innerText()).toBe(name);
  return page;
}

const names = async (page: Page) => page.locator('[data-testid="entry"]').evaluateAll((els) => els.map((e) => e.getAttribute("data-name")));

describe("logins in the web UI", () => {
  test("a wrong password is refused on the page, with the node's reason", async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(url);
    await page.fill('[data-testid="login-user"]', "alice");
    await page.fill('[data-testid="login-password"]', "not her password");
    await page.click('[data-testid="login-submit"]');
    expect(await page.locator('[data-testid="login-error"]').innerText()).toContain("Wrong user name, password or token.");
    await page.screenshot({ path: join(ARTIFACTS, "accounts-login-refused.png") });
  });

  test("two users, each in their own session, see only their own home, and then what the other shared", async () => {
    const alice = await loggedIn("alice");
    const bob = await loggedIn("bob");
    // The session cookie is HttpOnly: the page's scripts cannot read it.
    expect(await alice.evaluate(() => document.cookie)).toBe("");
    for (const [page, me, other] of [[alice, "alice", "bob"], [bob, "bob", "alice"]] as const) {
      await page.goto(`${url}/files/home`);
      await page.locator(`[data-testid="entry"][data-name="${me}"]`).waitFor();
      expect(await names(page)).toEqual([me]);
      await page.goto(`${url}/files/home/${me}`);
      await page.locator(`[data-testid="entry"][data-name="${me}-notes.txt"]`).waitFor();
      expect(await names(page)).toEqual([`${me}-notes.txt`]);
      await page.screenshot({ path: join(ARTIFACTS, `accounts-home-${me}.png`) });
      await page.goto(`${url}/files/home/${other}`);
      await page.getByText(`${me} may not read /home/${other}`).first().waitFor({ timeout: 10_000 });
      expect(await names(page)).toEqual([]);
    }
    await alice.screenshot({ path: join(ARTIFACTS, "accounts-other-home-refused.png") });

    // alice shares one folder with bob: he sees it and its files, and nothing else of hers.
    await api("POST", "/api/mkdir", basic("alice", "alice password"), JSON.stringify({ path: "/home/alice/for-bob" }));
    await api("PUT", "/api/files/home/alice/for-bob/plan.txt", basic("alice", "alice password"), "the plan", "text/plain");
    await api("POST", "/api/shares", basic("alice", "alice password"), JSON.stringify({ path: "/home/alice/for-bob", user: "bob", access: "read" }));
    await bob.goto(`${url}/files/home`);
    await bob.locator('[data-testid="entry"][data-name="alice"]').waitFor();
    expect(await names(bob)).toEqual(["alice", "bob"]);
    await bob.goto(`${url}/files/home/alice`);
    await bob.locator('[data-testid="entry"][data-name="for-bob"]').waitFor();
    expect(await names(bob)).toEqual(["for-bob"]); // not alice-notes.txt
    await bob.goto(`${url}/files/home/alice/for-bob`);
    await bob.locator('[data-testid="entry"][data-name="plan.txt"]').waitFor();
    expect(await names(bob)).toEqual(["plan.txt"]);
    await bob.screenshot({ path: join(ARTIFACTS, "accounts-shared-folder.png") });
    // alice still sees only her own home under /home.
    await alice.goto(`${url}/files/home`);
    await alice.locator('[data-testid="entry"][data-name="alice"]').waitFor();
    expect(await names(alice)).toEqual(["alice"]);
  });

  test("an admin's Users page lists, adds and removes users; a user has no such page", async () => {
    const page = await loggedIn("admin");
    await page.click('[data-testid="nav-users"]');
    await page.locator('[data-testid="user-row"][data-name="alice"]').waitFor();
    await page.fill('[data-testid="new-user-name"]', "erin");
    await page.fill('[data-testid="new-user-password"]', "erin password");
    await page.fill('[data-testid="new-user-quota"]', "5");
    await page.click('[data-testid="new-user-submit"]');
    const erin = page.locator('[data-testid="user-row"][data-name="erin"]');
    await erin.waitFor();
    expect(await erin.innerText()).toContain("/home/erin");
    expect(await erin.innerText()).toMatch(/\t5(\.0+)? MiB\t/);
    await page.screenshot({ path: join(ARTIFACTS, "accounts-users-page.png") });
    const me = await fetch(`${url}/api/me`, { headers: { authorization: basic("erin", "erin password") } });
    expect(me.status).toBe(200);
    await erin.locator('[data-testid="remove-user"]').click();
    await erin.locator('[data-testid="remove-user"]').click(); // the second click removes
    await erin.waitFor({ state: "detached" });
    expect((await fetch(`${url}/api/me`, { headers: { authorization: basic("erin", "erin password") } })).status).toBe(401);
    const alice = await loggedIn("alice");
    expect(await alice.locator('[data-testid="nav-users"]').count()).toBe(0);
  });

  test("groups: an admin makes one and adds bob on the Users page; alice shares a folder with it in the share dialog; bob sees it", async () => {
    await api("POST", "/api/mkdir", basic("alice", "alice password"), JSON.stringify({ path: "/home/alice/lab" }));
    await api("PUT", "/api/files/home/alice/lab/results.txt", basic("alice", "alice password"), "results", "text/plain");
    const admin = await loggedIn("admin");
    await admin.click('[data-testid="nav-users"]');
    await admin.fill('[data-testid="new-group-name"]', "lab");
    await admin.click('[data-testid="new-group-submit"]');
    const lab = admin.locator('[data-testid="group-row"][data-name="lab"]');
    await lab.waitFor();
    await lab.locator('[data-testid="group-add-user"]').selectOption("bob");
    await lab.locator('[data-testid="group-add-member"]').click();
    await lab.locator('[data-testid="group-member"][data-name="bob"]').waitFor();
    await admin.screenshot({ path: join(ARTIFACTS, "accounts-groups.png"), fullPage: true });

    const alice = await loggedIn("alice");
    await alice.goto(`${url}/files/home/alice`);
    const folder = alice.locator('[data-testid="entry"][data-name="lab"]');
    await folder.waitFor();
    await folder.locator('[data-testid="share-link"]').click();
    await alice.locator('[data-testid="folder-share-to"]').selectOption("group:lab");
    await alice.click('[data-testid="folder-share-submit"]');
    await alice.getByText("Shared with group lab, read-only.").waitFor();
    // The dialog lists the folder's shares, the new one too.
    await alice.locator('[data-testid="folder-share-row"]').filter({ hasText: "group lab, read-only" }).waitFor();
    await alice.screenshot({ path: join(ARTIFACTS, "accounts-share-with-group.png") });

    const bob = await loggedIn("bob");
    await bob.goto(`${url}/files/home/alice/lab`);
    await bob.locator('[data-testid="entry"][data-name="results.txt"]').waitFor();
    // Taken out of the group (on the admin's page), he sees it no more.
    await lab.locator('[data-testid="group-member"][data-name="bob"] button').click();
    await lab.locator('[data-testid="group-member"][data-name="bob"]').waitFor({ state: "detached" });
    const bobReads = async () => (await fetch(`${url}/api/files/home/alice/lab/results.txt`, { headers: { authorization: basic("bob", "bob password") } })).status;
    expect(await bobReads()).toBe(403);

    // Shared with bob himself in the same dialog, then ended there: he reads, then he does not.
    await alice.locator('[data-testid="folder-share-to"]').selectOption("user");
    await alice.fill('[data-testid="folder-share-user"]', "bob");
    await alice.click('[data-testid="folder-share-submit"]');
    await alice.getByText("Shared with bob, read-only.").waitFor();
    expect(await bobReads()).toBe(200);
    const bobRow = alice.locator('[data-testid="folder-share-row"]').filter({ hasText: "bob, read-only" });
    await bobRow.locator('[data-testid="folder-share-end"]').click();
    await alice.getByText("No longer shared with bob.").waitFor();
    await bobRow.waitFor({ state: "detached" });
    await alice.screenshot({ path: join(ARTIFACTS, "accounts-share-ended.png") });
    expect(await bobReads()).toBe(403);
  });

  test("an admin changes a user's password, quota and role on the Users page", async () => {
    await api("POST", "/api/users", basic("admin", ADMIN), JSON.stringify({ name: "gus", password: "gus password", quotaBytes: 1_000_000 }));
    const page = await loggedIn("admin");
    await page.click('[data-testid="nav-users"]');
    const gus = page.locator('[data-testid="user-row"][data-name="gus"]');
    await gus.locator('[data-testid="edit-user"]').click();
    const form = page.locator('[data-testid="change-user"][data-name="gus"]');
    // The quota as shown (0.95 MiB) is left alone: only the password is sent, the quota stays exact.
    expect(await form.locator('[data-testid="change-user-quota"]').inputValue()).toBe("0.95");
    await form.locator('[data-testid="change-user-password"]').fill("gus new password");
    await form.locator('[data-testid="change-user-submit"]').click();
    await page.getByText("gus: password changed. Their sessions have ended.").waitFor();
    const me = async (password: string) => fetch(`${url}/api/me`, { headers: { authorization: basic("gus", password) } });
    expect((await me("gus password")).status).toBe(401);
    const after = (await (await me("gus new password")).json()) as { quotaBytes: number; role: string };
    expect([after.quotaBytes, after.role]).toEqual([1_000_000, "user"]);

    await gus.locator('[data-testid="edit-user"]').click();
    await form.locator('[data-testid="change-user-quota"]').fill("2");
    await form.locator('[data-testid="change-user-role"]').selectOption("admin");
    await page.screenshot({ path: join(ARTIFACTS, "accounts-change-user.png") });
    await form.locator('[data-testid="change-user-submit"]').click();
    await page.getByText("gus: role (admin), quota changed.").waitFor();
    await form.waitFor({ state: "detached" });
    expect(await gus.innerText()).toMatch(/admin\t\/home\/gus\t.*\t2(\.0+)? MiB\t/);
    const changed = (await (await me("gus new password")).json()) as { quotaBytes: number; role: string };
    expect([changed.quotaBytes, changed.role]).toEqual([2 * 1024 * 1024, "admin"]);
    // Their own row offers no password field: theirs is changed on the account page, with the current one.
    await page.locator('[data-testid="user-row"][data-name="admin"] [data-testid="edit-user"]').click();
    await page.locator('[data-testid="change-user"][data-name="admin"]').waitFor();
    expect(await page.locator('[data-testid="change-user"][data-name="admin"] [data-testid="change-user-password"]').count()).toBe(0);
  });

  test("a user changes their own password on the account page (the current one asked) and stays logged in", async () => {
    await api("POST", "/api/users", basic("admin", ADMIN), JSON.stringify({ name: "hal", password: "hal password" }));
    const page = await loggedIn("hal");
    const other = await loggedIn("hal"); // another browser, logged in with the old password
    await page.click('[data-testid="current-user"]');
    const form = page.locator('[data-testid="change-password"]');
    await form.locator('[data-testid="current-password"]').fill("not my password");
    await form.locator('[data-testid="new-password"]').fill("hal new password");
    await form.locator('[data-testid="new-password-again"]').fill("hal new password");
    await form.locator('[data-testid="change-password-submit"]').click();
    await page.getByText("The current password is wrong.").waitFor();
    await form.locator('[data-testid="current-password"]').fill("hal password");
    await form.locator('[data-testid="change-password-submit"]').click();
    await page.getByText("Password changed.", { exact: false }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "accounts-password-changed.png") });
    const status = async (p: Page) => p.evaluate(async () => (await fetch("/api/me")).status);
    expect(await status(page)).toBe(200); // this session goes on
    expect(await status(other)).toBe(401); // the other one ended
    const basicStatus = async (password: string) => (await fetch(`${url}/api/me`, { headers: { authorization: basic("hal", password) } })).status;
    expect([await basicStatus("hal password"), await basicStatus("hal new password")]).toEqual([401, 200]);
  });

  test("the account page makes an API token shown once (read-only, expiring), which works until it is revoked", async () => {
    const page = await loggedIn("bob");
    await page.click('[data-testid="current-user"]');
    await page.fill('[data-testid="new-token-label"]', "backup script");
    await page.fill('[data-testid="new-token-days"]', "30");
    await page.check('[data-testid="new-token-read-only"]');
    await page.click('[data-testid="new-token-submit"]');
    const token = (await page.locator('[data-testid="token-secret"] code').innerText()).trim();
    const row = page.locator('[data-testid="token-row"]').filter({ hasText: "backup script" });
    await row.waitFor();
    expect(await row.innerText()).toContain("read-only");
    await page.screenshot({ path: join(ARTIFACTS, "accounts-token-made.png") });
    const bearer = { authorization: `Bearer ${token}` };
    const read = await fetch(`${url}/api/files/home/bob/bob-notes.txt`, { headers: bearer });
    expect([read.status, await read.text()]).toEqual([200, "bob's notes"]);
    expect((await fetch(`${url}/api/files/home/bob/new.txt`, { method: "PUT", headers: bearer, body: "x" })).status).toBe(403);
    const listed = (await (await fetch(`${url}/api/tokens`, { headers: bearer })).json()) as { tokens: { label: string; expiresAt: number }[] };
    const days = (listed.tokens.find((t) => t.label === "backup script")!.expiresAt - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    await row.locator('[data-testid="revoke-token"]').click();
    await row.waitFor({ state: "detached" });
    expect(await page.locator('[data-testid="token-secret"]').count()).toBe(0);
    expect((await fetch(`${url}/api/me`, { headers: bearer })).status).toBe(401);
  });

  test("a user's account page says what their files take of their quota, as it is now (not at login)", async () => {
    await api("POST", "/api/users", basic("admin", ADMIN), JSON.stringify({ name: "carol", password: "carol password", quotaBytes: 1024 * 1024 }));
    const variants = [
      { name: "desktop-light", viewport: { width: 1280, height: 800 }, colorScheme: "light" },
      { name: "desktop-dark", viewport: { width: 1280, height: 800 }, colorScheme: "dark" },
      { name: "phone-light", viewport: { width: 390, height: 844 }, colorScheme: "light", hasTouch: true, isMobile: true },
      { name: "phone-dark", viewport: { width: 390, height: 844 }, colorScheme: "dark", hasTouch: true, isMobile: true },
    ] as const;
    const pages = [];
    for (const { name, ...options } of variants) pages.push({ name, page: await loggedIn("carol", options) });
    // Written after the logins: the session's own answer still says 0 bytes.
    await api("PUT", "/api/files/home/carol/photo.raw", basic("carol", "carol password"), "x".repeat(256 * 1024), "application/octet-stream");
    for (const { name, page } of pages) {
      await page.click('[data-testid="current-user"]');
      const usage = page.locator('[data-testid="account-usage"]');
      await usage.waitFor();
      expect(await page.locator('[data-testid="account-usage-value"]').innerText()).toBe("256 KiB of 1 MiB");
      expect(await usage.innerText()).toContain("25% of your quota (the files in /home/carol); 768 KiB left");
      expect(await usage.getByRole("meter").getAttribute("aria-valuenow")).toBe("25");
      // Nothing runs off the side on a phone.
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await page.screenshot({ path: join(ARTIFACTS, `accounts-usage-${name}.png`), fullPage: true });
    }
    // An admin without a quota sees the bytes alone.
    const admin = await loggedIn("admin");
    await admin.click('[data-testid="current-user"]');
    await admin.locator('[data-testid="account-usage"]').getByText("no quota").waitFor();
  });

  test("logout ends the session: the login page is back, and the old cookie opens nothing", async () => {
    const page = await loggedIn("alice");
    const cookie = (await page.context().cookies()).find((c) => c.name === "orrery_session")!;
    expect([cookie.httpOnly, cookie.sameSite]).toEqual([true, "Strict"]);
    await page.click('[data-testid="logout"]');
    await page.waitForSelector('[data-testid="login-form"]');
    const res = await fetch(`${url}/api/me`, { headers: { cookie: `orrery_session=${cookie.value}` } });
    expect(res.status).toBe(401);
    expect(errors).toEqual([]);
  });
});
