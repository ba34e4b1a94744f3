// Versioning in the web UI, in a real browser against a real three-node cluster: the folder's switch turns
// versioning on for every node, a file's "previous versions" panel lists what overwrites kept (written
// through other nodes) and restores an older one, and a deleted file shows in the folder's trash and comes
// back from it. Screenshots: test-artifacts/versions-*.png.
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { getBytes, put, TestCluster, waitFor } from "../harness/cluster.ts";
import { fullPageShot, launchBrowser, recordErrors } from "./browser.ts";

let cluster: TestCluster;
let browser: Browser;
let page: Page;
let errors: string[] = [];

beforeAll(async () => {
  [cluster, browser] = await Promise.all([TestCluster.start(3), launchBrowser()]);
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  errors = await recordErrors(page);
});
afterAll(() => Promise.all([browser?.close(), cluster?.stop()]));

const shot = (name: string) => fullPageShot(page, name);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const entry = (name: string) => page.locator(`[data-testid="entry"][data-name="${name}"]`);

test("the switch, the previous versions panel and the trash", async () => {
  const [a, b, c] = cluster.nodes.map((n) => n.url) as [string, string, string];
  await fetch(`${a}/api/mkdir`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ path: "/notes" }) });
  await page.goto(`${a}/files/notes`);
  const toggle = page.locator('[data-testid="versioning-switch"]');
  await toggle.waitFor();
  expect(await toggle.isChecked()).toBe(false);
  await toggle.click();
  await waitFor(async () => (await page.locator('[data-testid="versioning-state"]').innerText()).trim().startsWith("On"), 10_000, "the switch to say On");
  await waitFor(async () => ((await (await fetch(`${c}/api/versioning/notes`)).json()) as { status: string }).status === "Enabled", 10_000, "versioning on at every node");

  // Three writes through three nodes: two of them become previous versions.
  for (const [url, body] of [[a, "draft one"], [b, "draft two, better"], [c, "draft three, final"]] as const) expect((await put(url, "notes/plan.txt", body)).status).toBe(201);
  await page.reload();
  await entry("plan.txt").locator('[data-testid="versions"]').click();
  const rows = page.locator('[data-testid="versions-panel"] [data-testid="version"]');
  await rows.nth(2).waitFor();
  expect(await rows.count()).toBe(3);
  expect(await rows.first().getAttribute("data-latest")).toBe("true");
  await shot("versions-panel");
  // Restore the oldest: it becomes the current content again, as a new version.
  await rows.nth(2).locator('[data-testid="version-restore"]').click();
  await waitFor(async () => (await rows.count()) === 4, 10_000, "the restored content listed as the newest version");
  expect(text(await getBytes(b, "notes/plan.txt"))).toBe("draft one");
  await page.click('[data-testid="versions-close"]');

  // Delete it through the page: it goes to the trash, and comes back from there.
  await entry("plan.txt").locator('[data-testid="delete"]').click();
  expect(await page.locator('[data-testid="dialog"] .message').innerText()).toContain("restore it from the Trash");
  await page.click('[data-testid="confirm"]');
  await entry("plan.txt").waitFor({ state: "detached" });
  await page.reload();
  await page.click('[data-testid="trash-toggle"]');
  const trashed = page.locator('[data-testid="trash-entry"][data-path="/notes/plan.txt"]');
  await trashed.waitFor();
  await shot("versions-trash");
  await trashed.locator('[data-testid="trash-restore"]').click();
  await entry("plan.txt").waitFor();
  expect(text(await getBytes(c, "notes/plan.txt"))).toBe("draft one");
  await waitFor(async () => (await page.locator('[data-testid="trash"]').innerText()).includes("Nothing deleted here"), 10_000, "an empty trash");
  await shot("versions-restored");
  expect(errors).toEqual([]);
}, 120_000);
