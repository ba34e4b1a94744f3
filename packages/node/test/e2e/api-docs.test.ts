// /api/docs in Chromium: the page renders under its Content-Security-Policy with nothing refused and nothing
// fetched from elsewhere, its index links reach each route, and it reads on a laptop and a phone, light and dark.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { TestCluster } from "../harness/cluster.ts";
import { ARTIFACTS, launchBrowser, recordErrors } from "./browser.ts";

let cluster: TestCluster;
let browser: Browser;
beforeAll(async () => {
  cluster = await TestCluster.start(1, { replicationFactor: 1 });
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await cluster?.stop();
});

for (const [size, viewport] of [["laptop", { width: 1440, height: 900 }], ["phone", { width: 390, height: 844 }]] as const) {
  for (const scheme of ["light", "dark"] as const) {
    test(`the API reference on a ${size}, ${scheme}`, async () => {
      const page = await browser.newPage({ viewport, colorScheme: scheme });
      const errors = await recordErrors(page);
      const outside: string[] = [];
      page.on("request", (r) => {
        if (!r.url().startsWith(cluster.nodes[0]!.url)) outside.push(r.url());
      });
      await page.goto(`${cluster.nodes[0]!.url}/api/docs`);
      await expect(page.locator("h1").textContent()).resolves.toContain("Orrery node HTTP API");
      await page.click('a[href="#op-putFile"]');
      await expect(page.locator("#op-putFile h3").textContent()).resolves.toContain("PUT /api/files/{path}");
      // The schemas a route names are linked to their section.
      await page.locator("#op-stat details").first().click();
      await expect(page.locator('#op-stat a[href="#schema-Stat"]').count()).resolves.toBe(1);
      // Nothing wider than the phone's screen but the schemas' own scroll boxes.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      // One route with its parameters and an opened answer schema is what the picture shows.
      await page.locator("#op-stat").scrollIntoViewIfNeeded();
      await page.evaluate(() => document.getElementById("op-stat")!.scrollIntoView());
      await page.screenshot({ path: join(ARTIFACTS, `api-docs-${size}-${scheme}.png`) });
      expect(errors).toEqual([]);
      expect(outside).toEqual([]);
      await page.close();
    }, 60_000);
  }
}
