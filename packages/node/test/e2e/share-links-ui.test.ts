// Share links and S3 keys in a real browser: alice makes a link from the file view and copies it; a fresh
// browser context without a login opens it, sees the file and downloads it (and a folder's listing); the
// account page lists the link, revokes it (the link then says it no longer works) and makes an S3 key
// whose secret it shows once. No CSP violation on any page.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { TestCluster } from "../harness/cluster.ts";
import { ARTIFACTS, launchBrowser, recordErrors } from "./browser.ts";

const ADMIN = "admin admin admin";
const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString("base64")}`;
const ALICE = basic("alice", "alice password");
let cluster: TestCluster;
let browser: Browser;
let url: string;
const contexts: BrowserContext[] = [];
let errors: string[] = [];

async function api(method: string, path: string, auth: string, body?: string, type = "application/json") {
  const res = await fetch(`${url}${path}`, { method, headers: { authorization: auth, "content-type": type }, body });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res;
}

async function newPage(permissions: string[] = []): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  if (permissions.length > 0) await context.grantPermissions(permissions, { origin: url });
  contexts.push(context);
  const page = await context.newPage();
  errors = errors.concat(await recordErrors(page, /Content Security Policy|CSP violation/));
  return page;
}

async function loggedIn(): Promise<Page> {
  const page = await newPage(["clipboard-read", "clipboard-write"]);
  await page.goto(url);
  await page.fill('[data-testid="login-user"]', "alice");
  await page.fill('[data-testid="login-password"]', "alice password");
  await page.click('[data-testid="login-submit"]');
  await page.waitForSelector('[data-testid="current-user"]');
  return page;
}

beforeAll(async () => {
  cluster = await TestCluster.start(1, { replicationFactor: 1, env: { AUTH: "required", ADMIN_PASSWORD: ADMIN }, headers: { authorization: basic("admin", ADMIN) } });
  url = cluster.nodes[0]!.url;
  await api("POST", "/api/users", basic("admin", ADMIN), JSON.stringify({ name: "alice", password: "alice password" }));
  await api("PUT", "/api/files/home/alice/holiday plan.txt", ALICE, "sun, sea and a ring of disks", "text/plain");
  await api("PUT", "/api/files/home/alice/photos/beach.jpg", ALICE, "not really a jpeg", "image/jpeg");
  await api("PUT", "/api/files/home/alice/photos/2025/hill.jpg", ALICE, "hill", "image/jpeg");
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await cluster?.stop();
});

describe("share links in the browser", () => {
  let fileLink = "";

  test("alice makes a link from the file view and copies it", async () => {
    const page = await loggedIn();
    await page.goto(`${url}/files/home/alice`);
    const row = page.locator('[data-testid="entry"][data-name="holiday plan.txt"]');
    await row.locator('[data-testid="share-link"]').click();
    await page.selectOption('[data-testid="share-link-expiry"]', { label: "1 day" });
    await page.click('[data-testid="share-link-create"]');
    const field = page.locator('[data-testid="share-link-url"]');
    await field.waitFor();
    fileLink = await field.inputValue();
    expect(fileLink).toMatch(new RegExp(`^${url}/s/[0-9a-f]{16}_[A-Za-z0-9_-]{43}$`));
    await page.click('[data-testid="share-link-copy"]');
    await page.locator('[data-testid="share-link-copy"]', { hasText: "Copied" }).waitFor({ timeout: 5000 });
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(fileLink);
    await page.screenshot({ path: join(ARTIFACTS, "share-link-dialog.png") });
  });

  test("a fresh browser without a login opens the link, sees the file and downloads it", async () => {
    const page = await newPage();
    const res = await page.goto(fileLink);
    expect(res?.status()).toBe(200);
    expect(await page.locator("h1").innerText()).toBe("holiday plan.txt");
    expect(await page.locator("body").innerText()).toContain("28 B");
    await page.screenshot({ path: join(ARTIFACTS, "share-link-file-page.png") });
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("text=Download")]);
    expect(download.suggestedFilename()).toBe("holiday plan.txt");
    expect(readFileSync((await download.path())!, "utf8")).toBe("sun, sea and a ring of disks");
    expect(await page.context().cookies()).toEqual([]); // no session was ever made
  });

  test("a folder's link lists it; subfolders open; each file downloads", async () => {
    const made = (await (await api("POST", "/api/links", ALICE, JSON.stringify({ path: "/home/alice/photos" }))).json()) as { url: string };
    const page = await newPage();
    await page.goto(made.url);
    expect(await page.locator("h1").innerText()).toContain("photos");
    await page.screenshot({ path: join(ARTIFACTS, "share-link-folder-page.png") });
    await page.click("text=2025/");
    await page.locator("text=hill.jpg").waitFor();
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("text=hill.jpg")]);
    expect(readFileSync((await download.path())!, "utf8")).toBe("hill");
    await page.screenshot({ path: join(ARTIFACTS, "share-link-subfolder-page.png") });
  });

  test("the account page lists the links and revokes one (the link then says so), and makes an S3 key shown once", async () => {
    const page = await loggedIn();
    await page.click('[data-testid="current-user"]');
    await page.locator('[data-testid="link-row"]').first().waitFor();
    expect(await page.locator('[data-testid="link-row"]').count()).toBe(2);
    await page.fill('[data-testid="new-s3-key-label"]', "laptop backup");
    await page.click('[data-testid="new-s3-key-submit"]');
    const secret = page.locator('[data-testid="s3-key-secret"]');
    await secret.waitFor();
    expect(await secret.innerText()).toMatch(/Access key ORU[A-Z0-9]{17}/);
    expect(await page.locator('[data-testid="s3-key-row"]').innerText()).toContain("laptop backup");
    await page.screenshot({ path: join(ARTIFACTS, "share-link-account-page.png"), fullPage: true });
    const row = page.locator('[data-testid="link-row"]', { hasText: "holiday plan.txt" });
    await row.locator('[data-testid="revoke-link"]').click();
    await row.waitFor({ state: "detached" });
    const visitor = await newPage();
    const res = await visitor.goto(fileLink);
    expect(res?.status()).toBe(410);
    expect(await visitor.locator("h1").innerText()).toBe("This link no longer works");
    await visitor.screenshot({ path: join(ARTIFACTS, "share-link-revoked-page.png") });
    expect(errors).toEqual([]);
  });
});
