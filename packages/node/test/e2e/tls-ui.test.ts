// The web UI over HTTPS (TLS on, self-signed, logins required) in a real browser: the login passes the
// CSRF origin check with an https:// Origin, the session cookie is Secure, the live feed (server-sent events)
// connects, and a file uploaded through the page is listed.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { TestNode } from "../harness/cluster.ts";
import { freePort } from "../harness/ports.ts";
import { fullPageShot, launchBrowser, recordErrors } from "./browser.ts";

const ADMIN = "admin admin admin";
const root = mkdtempSync(join(tmpdir(), "orrery-tls-ui-"));
let node: TestNode;
let browser: Browser;

beforeAll(async () => {
  node = new TestNode("t1", join(root, "t1"), await freePort(), await freePort(), await freePort(), {
    TLS: "on", AUTH: "required", ADMIN_PASSWORD: ADMIN, DISCOVERY: "off", S3_PORT: "0", REPLICATION_FACTOR: "1",
  });
  node.start();
  await node.waitReady();
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await node?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe("the web UI over HTTPS", () => {
  test("log in, a Secure session cookie, the live feed, an upload", async () => {
    expect(node.url).toStartWith("https://");
    // The certificate is the node's own: the browser is told to take it, as a user does once after comparing fingerprints.
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    // The 401 of /api/me before the login is the login page's cue, not an error: only CSP violations and exceptions count.
    const errors = await recordErrors(page, /Content Security Policy|CSP violation|uncaught/);
    await page.goto(node.url);
    await page.waitForSelector('[data-testid="login-form"]');
    await page.fill('[data-testid="login-user"]', "admin");
    await page.fill('[data-testid="login-password"]', ADMIN);
    await page.click('[data-testid="login-submit"]');
    await page.waitForSelector('[data-testid="current-user"]');
    const cookie = (await context.cookies()).find((c) => c.name === "orrery_session")!;
    expect([cookie.secure, cookie.httpOnly, cookie.sameSite]).toEqual([true, true, "Strict"]);

    await page.setInputFiles('[data-testid="upload-input"]', { name: "hello.txt", mimeType: "text/plain", buffer: Buffer.from("hello over TLS") });
    await page.locator('[data-testid="entry"][data-name="hello.txt"]').waitFor({ timeout: 20_000 });
    const stored = await fetch(`${node.url}/api/files/hello.txt`, {
      headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN}`).toString("base64")}` },
      tls: { rejectUnauthorized: false },
    } as RequestInit);
    expect(await stored.text()).toBe("hello over TLS");
    // The node's live feed (server-sent events over the same TLS port) connects.
    await page.locator('[data-testid="node-id"]:not(.offline)').waitFor({ timeout: 15_000 });
    expect(await page.locator('[data-testid="node-id"]').innerText()).toStartWith("Node");
    await fullPageShot(page, "tls-ui-files");
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});
