// The audit log's admin page in a real browser (issue 13): after logins (one failed), a user made and a file
// deleted, the admin's Audit page lists them newest first, filters by action, and a user has no such page.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { TestCluster } from "../harness/cluster.ts";
import { fullPageShot, launchBrowser, recordErrors } from "./browser.ts";

const ADMIN = "admin admin admin";
const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString("base64")}`;
let cluster: TestCluster;
let browser: Browser;
let url: string;
let errors: string[] = [];

async function api(method: string, path: string, auth: string, body?: string) {
  const res = await fetch(`${url}${path}`, { method, headers: { authorization: auth, "content-type": "application/json" }, body });
  return res.status;
}

beforeAll(async () => {
  cluster = await TestCluster.start(1, { replicationFactor: 1, env: { AUTH: "required", ADMIN_PASSWORD: ADMIN }, headers: { authorization: basic("admin", ADMIN) } });
  url = cluster.nodes[0]!.url;
  await api("POST", "/api/users", basic("admin", ADMIN), JSON.stringify({ name: "alice", password: "alice password", quotaBytes: 10_000_000 }));
  await api("GET", "/api/files/", basic("alice", "not her password"));
  await api("PUT", "/api/files/home/alice/draft.txt", basic("alice", "alice password"), "draft");
  await api("DELETE", "/api/files/home/alice/draft.txt", basic("alice", "alice password"));
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await cluster?.stop();
});

async function loggedIn(name: string, password: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  errors = errors.concat(await recordErrors(page, /Content Security Policy|CSP violation/));
  await page.goto(url);
  await page.waitForSelector('[data-testid="login-form"]');
  await page.fill('[data-testid="login-user"]', name);
  await page.fill('[data-testid="login-password"]', password);
  await page.click('[data-testid="login-submit"]');
  await page.waitForSelector('[data-testid="current-user"]');
  return page;
}

const rows = (page: Page) =>
  page.locator('[data-testid="audit-row"]').evaluateAll((els) => els.map((e) => [...e.querySelectorAll("td")].slice(1, 4).map((td) => td.textContent?.trim())));

describe("the audit page", () => {
  test("an admin sees who did what, newest first, and filters by action; a user has no such page", async () => {
    const page = await loggedIn("admin", ADMIN);
    await page.click('[data-testid="nav-audit"]');
    await page.locator('[data-testid="audit-row"]').first().waitFor();
    expect(await rows(page)).toEqual([
      ["admin", "logged in", "admin"],
      ["alice", "deleted", "/home/alice/draft.txt"],
      ["alice", "failed login", "alice"],
      ["admin", "added user", "alice"],
    ]);
    expect(await page.locator('[data-testid="audit-row"][data-action="login_failed"]').innerText()).toContain("with=password");
    await fullPageShot(page, "audit-page");
    await page.selectOption('[data-testid="audit-action"]', "delete");
    await page.click('[data-testid="audit-filters"] button[type="submit"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="audit-row"]').length === 1);
    expect(await rows(page)).toEqual([["alice", "deleted", "/home/alice/draft.txt"]]);
    await fullPageShot(page, "audit-page-deletes");

    const alice = await loggedIn("alice", "alice password");
    expect(await alice.locator('[data-testid="nav-audit"]').count()).toBe(0);
    await alice.goto(`${url}/audit`);
    await alice.getByText("Admins only").waitFor();
    expect(errors).toEqual([]);
  }, 60_000);
});
