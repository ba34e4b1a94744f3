// Issue 15 item 7: the web UI's layout against a real three-node cluster, on a phone (390×844, a touch
// screen) in both themes: nothing scrolls sideways, no label is cut, the toolbar's buttons say what they do in
// words, a touch screen is not told to drop files. Screenshots of the desktop in the dark theme too.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { put, randomBytes, TestCluster } from "../harness/cluster.ts";
import { ARTIFACTS, launchBrowser, recordErrors } from "./browser.ts";

let cluster: TestCluster;
let browser: Browser;
const contexts: BrowserContext[] = [];
const PHOTO = "photos/a-rather-long-file-name-from-a-camera-2026-12-06.jpg";

beforeAll(async () => {
  cluster = await TestCluster.start(3, { chunkSizeMb: 1 });
  browser = await launchBrowser();
  expect((await put(cluster.nodes[0]!.url, PHOTO, randomBytes(200_000))).status).toBe(201);
  expect((await put(cluster.nodes[0]!.url, "photos/small.jpg", randomBytes(1000))).status).toBe(201);
  const made = await fetch(`${cluster.nodes[0]!.url}/api/mkdir`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ path: "/empty" }) });
  expect(made.status).toBe(201);
});

afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await cluster?.stop();
});

async function phone(colorScheme: "light" | "dark"): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, colorScheme });
  contexts.push(context);
  const page = await context.newPage();
  return { page, errors: await recordErrors(page) };
}

/** How far the page scrolls sideways (0 when it fits). */
const overflowX = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/** Elements among `selector` whose text is cut (wider than their box) or that stick out of the viewport. */
const clipped = (page: Page, selector: string) =>
  page.$$eval(selector, (els) =>
    els
      .filter((el) => {
        const r = el.getBoundingClientRect();
        return el.scrollWidth > el.clientWidth + 1 || r.right > document.documentElement.clientWidth + 0.5 || r.left < -0.5;
      })
      .map((el) => el.textContent?.trim() ?? ""),
  );

for (const scheme of ["light", "dark"] as const) {
  describe(`phone, ${scheme}`, () => {
    const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `phone-${scheme}-${name}.png`), fullPage: true });

    test("the cluster page with a file shown fits the width, and Clear reads Clear", async () => {
      const { page, errors } = await phone(scheme);
      await page.goto(`${cluster.nodes[0]!.url}/cluster?file=/${PHOTO}`);
      await page.locator('[data-testid="ring-file"] [data-testid="chunk-row"]').first().waitFor({ timeout: 15_000 });
      await page.locator("[data-member-card]").nth(2).waitFor();
      await shot(page, "cluster");
      expect(await overflowX(page)).toBeLessThanOrEqual(0);
      const clear = page.getByRole("button", { name: "Clear" });
      expect(await clear.innerText()).toBe("Clear");
      expect(await clipped(page, "button, a.btn")).toEqual([]);
      expect(errors).toEqual([]);
    });

    test("the health page: a tile's value lines up with its neighbour's when a label wraps", async () => {
      const { page } = await phone(scheme);
      await page.goto(`${cluster.nodes[0]!.url}/health`);
      await page.waitForSelector('[data-testid="node-row"]');
      await shot(page, "health");
      expect(await overflowX(page)).toBeLessThanOrEqual(0);
      const tiles = await page.$$eval(".tiles > .tile", (els) =>
        els.map((el) => ({
          top: Math.round(el.getBoundingClientRect().top),
          labelLines: Math.round(el.querySelector(".label")!.getBoundingClientRect().height / parseFloat(getComputedStyle(el.querySelector(".label")!).lineHeight)),
          value: Math.round(el.querySelector(".value")!.getBoundingClientRect().top),
        })),
      );
      // Some label wraps on a phone ("Rebalance hand-off"), or this test shows nothing.
      expect(tiles.some((t) => t.labelLines > 1)).toBe(true);
      const rows = Map.groupBy(tiles, (t) => t.top);
      expect(rows.size).toBeGreaterThan(1);
      for (const row of rows.values()) expect(new Set(row.map((t) => t.value)).size).toBe(1);
    });

    test("files: every toolbar button says what it does, and a touch screen is not told to drop files", async () => {
      const { page } = await phone(scheme);
      await page.goto(`${cluster.nodes[0]!.url}/files/photos`);
      await page.locator('[data-testid="entry"]').first().waitFor();
      await shot(page, "files");
      expect(await overflowX(page)).toBeLessThanOrEqual(0);
      const labels = await page.$$eval('[data-testid="new-folder"], [data-testid="upload-folder"], [data-testid="upload"]', (els) =>
        els.map((el) => (el as HTMLElement).innerText.trim()),
      );
      expect(labels).toEqual(["New folder", "Upload folder", "Upload"]);
      expect(await clipped(page, ".toolbar button, .toolbar select")).toEqual([]);
      expect(await page.locator('[data-testid="upload-hint"]').innerText()).not.toMatch(/drop/i);
      // No column headers on a phone: the sort order is a menu.
      const names = () => page.locator('[data-testid="entry"]').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.name));
      await page.selectOption('[data-testid="sort-select"]', "size:asc");
      expect(await names()).toEqual(["small.jpg", PHOTO.slice("photos/".length)]);
      await page.selectOption('[data-testid="sort-select"]', "size:desc");
      expect(await names()).toEqual([PHOTO.slice("photos/".length), "small.jpg"]);
      await page.goto(`${cluster.nodes[0]!.url}/files/empty`);
      await page.locator('[data-testid="empty"]').waitFor();
      await shot(page, "files-empty");
      expect(await page.locator("main").innerText()).not.toMatch(/drop/i);
    });
  });
}

describe("desktop, dark", () => {
  test("the main views fit and are shot for a look", async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: "dark" });
    contexts.push(context);
    const page = await context.newPage();
    const errors = await recordErrors(page);
    const url = cluster.nodes[0]!.url;
    for (const [path, ready, name] of [
      ["/files/photos", '[data-testid="entry"]', "files"],
      ["/cluster", '[data-testid="member-share"]', "cluster"],
      ["/health", '[data-testid="node-row"]', "health"],
    ] as const) {
      await page.goto(`${url}${path}`);
      await page.locator(ready).first().waitFor();
      await page.screenshot({ path: join(ARTIFACTS, `desktop-dark-${name}.png`), fullPage: true });
      expect(await overflowX(page)).toBeLessThanOrEqual(0);
    }
    expect(errors).toEqual([]);
  });
});
