// Issue 15, the web UI against a real two-node cluster: a folder row shows the size of all below it and its item
// count (counted by the node); an upload onto a name that appeared after the listing loaded asks Replace / Keep
// both / Cancel instead of replacing it; a bulk move meeting taken names asks once (Replace all / Keep both /
// Skip); the ring view draws what the node sends (no WebAssembly, a chunk's lines to its owners). Screenshots
// on a laptop and a phone, light and dark.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { getBytes, put, TestCluster } from "../harness/cluster.ts";
import { ARTIFACTS, entryOf, launchBrowser, PagesOf, recordErrors } from "./browser.ts";

let cluster: TestCluster;
let browser: Browser;
const pages = new PagesOf(() => browser);
let page: Page;
let errors: string[] = [];
/** Every URL the main page asked for. */
const requested: string[] = [];

const url = (i = 0) => cluster.nodes[i]!.url;
const text = async (path: string, i = 1) => new TextDecoder().decode(await getBytes(url(i), path));

async function putOk(path: string, body: string | Uint8Array<ArrayBuffer>) {
  expect((await put(url(), path, body)).status).toBe(201);
}

beforeAll(async () => {
  cluster = await TestCluster.start(2, { replicationFactor: 2, chunkSizeMb: 1 });
  browser = await launchBrowser();
  await putOk("ft/photos/a.jpg", new Uint8Array(3000).fill(1));
  await putOk("ft/photos/2024/b.jpg", new Uint8Array(5000).fill(2));
  await putOk("ft/photos/2024/c.jpg", new Uint8Array(2000).fill(3));
  await putOk("ft/notes.txt", "notes\n");
  const made = await fetch(`${url()}/api/mkdir`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"path":"/ft/empty"}' });
  expect(made.status).toBe(201);
  page = await pages.page({ width: 1280, height: 800 }, "light");
  // The refused uploads' 412s are answers the page handles, not errors; everything else logged is one.
  errors = await recordErrors(page, /^(?!Failed to load resource: the server responded with a status of 412)/);
  page.on("request", (r) => requested.push(r.url()));
}, 90_000);

afterAll(async () => {
  await pages.close();
  await browser?.close();
  await cluster?.stop();
});

const entry = (name: string) => entryOf(page, name);
const shot = (p: Page, name: string) => p.screenshot({ path: join(ARTIFACTS, `truth-${name}.png`), fullPage: true });

describe("the file manager tells the truth", () => {
  test("a folder row shows what is below it: its size (at any depth) and its item count", async () => {
    await page.goto(`${url()}/files/ft`);
    const photos = entry("photos");
    await photos.locator('[data-testid="folder-size"]').waitFor();
    // 3000 + 5000 + 2000 bytes below it; two entries in it (a.jpg and the folder 2024).
    expect((await photos.locator('[data-testid="folder-size"]').innerText()).replace(/\s+/g, " ")).toBe("9.77 KiB 2 items");
    expect(await photos.locator('[data-testid="folder-size"]').getAttribute("title")).toBe("2 items in this folder; 3 files in all below it, 10,000 bytes");
    expect((await entry("empty").locator('[data-testid="folder-items"]').innerText()).trim()).toBe("empty");
    // Sorted by size, the folders order by what they hold (folders still first).
    await page.click('[data-testid="sort-size"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="entry"]')?.getAttribute("data-name") === "photos");
    await shot(page, "desktop-light-folder-sizes");
    for (const [label, viewport, scheme, touch] of [
      ["desktop-dark", { width: 1280, height: 800 }, "dark", false],
      ["phone-light", { width: 390, height: 844 }, "light", true],
      ["phone-dark", { width: 390, height: 844 }, "dark", true],
    ] as const) {
      const p = await pages.page(viewport, scheme, touch);
      await p.goto(`${url()}/files/ft`);
      const size = entryOf(p, "photos").locator('[data-testid="folder-size"]');
      await size.waitFor();
      expect(await size.isVisible()).toBe(true);
      expect(await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
      await shot(p, `${label}-folder-sizes`);
    }
  });

  test("an upload onto a name that appeared after the listing loaded asks, and replaces nothing unasked", async () => {
    await page.goto(`${url()}/files/ft`);
    await entry("notes.txt").waitFor();
    // Behind the page's back, through the other node.
    expect((await put(url(1), "ft/race.txt", "written elsewhere\n")).status).toBe(201);
    await page.setInputFiles('[data-testid="upload-input"]', { name: "race.txt", mimeType: "text/plain", buffer: Buffer.from("from the page\n") });
    await page.locator('[data-testid="keep-both"]').waitFor({ timeout: 20_000 });
    expect(await page.locator("#dialog-title").textContent()).toBe("“race.txt” already exists");
    expect(await page.locator('[data-testid="dialog"] .message').textContent()).toContain("A file named “race.txt” appeared in /ft after the folder was listed");
    expect(await text("ft/race.txt")).toBe("written elsewhere\n");
    await shot(page, "desktop-light-upload-race");
    await page.click('[data-testid="keep-both"]');
    await entry("race (2).txt").waitFor({ timeout: 20_000 });
    expect(await text("ft/race%20(2).txt")).toBe("from the page\n");
    expect(await text("ft/race.txt")).toBe("written elsewhere\n");

    // The user chose Replace over the file they saw; it changed meanwhile: asked again, then Replace replaces
    // the file as it is now.
    await page.setInputFiles('[data-testid="upload-input"]', { name: "race.txt", mimeType: "text/plain", buffer: Buffer.from("second try\n") });
    await page.locator('[data-testid="keep-both"]').waitFor();
    expect((await put(url(1), "ft/race.txt", "changed again\n")).status).toBe(201);
    await page.click('[data-testid="confirm"]'); // Replace, over the version the page listed
    await page.waitForFunction(() => document.querySelector('[data-testid="dialog"] .message')?.textContent?.includes("“race.txt” changed in /ft"), null, { timeout: 20_000 });
    expect(await text("ft/race.txt")).toBe("changed again\n");
    await page.click('[data-testid="confirm"]'); // Replace what is there now
    await page.locator('[data-testid="dialog"]').waitFor({ state: "detached" });
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (await text("ft/race.txt")) !== "second try\n") await Bun.sleep(200);
    expect(await text("ft/race.txt")).toBe("second try\n");
  });

  test("a bulk move onto taken names asks once: Keep both, Skip and Replace all each do what they say", async () => {
    for (const [path, body] of [
      ["ft/src/a.txt", "src a"],
      ["ft/src/b.txt", "src b"],
      ["ft/src/c.txt", "src c"],
      ["ft/dst/a.txt", "dst a"],
      ["ft/dst/b.txt", "dst b"],
    ] as const) await putOk(path, body);
    const moveAllTo = async (folder: string) => {
      await entry("a.txt").waitFor();
      await page.locator('[data-testid="select-all"]:visible').click();
      await page.click('[data-testid="bulk-move"]');
      await page.fill('[data-testid="dialog-input"]', folder);
      await page.click('[data-testid="confirm"]');
    };
    await page.goto(`${url()}/files/ft/src`);
    await moveAllTo("../dst");
    await page.locator('[data-testid="skip"]').waitFor();
    expect(await page.locator("#dialog-title").textContent()).toBe("2 names are already in /ft/dst");
    expect(await page.locator('[data-testid="dialog"] .message').textContent()).toContain("the other 1 item move either way");
    expect(await page.locator('[data-testid="confirm"]').textContent()).toContain("Replace all");
    // Nothing moved while the question is open.
    expect(await text("ft/src/c.txt")).toBe("src c");
    await shot(page, "desktop-light-bulk-move-conflict");
    await page.click('[data-testid="keep-both"]');
    await page.locator('[data-testid="entry"]').first().waitFor({ state: "detached" });
    for (const [path, body] of [["dst/a.txt", "dst a"], ["dst/b.txt", "dst b"], ["dst/a%20(2).txt", "src a"], ["dst/b%20(2).txt", "src b"], ["dst/c.txt", "src c"]]) {
      expect(await text(`ft/${path}`)).toBe(body!);
    }

    await putOk("ft/src/a.txt", "src a again");
    await putOk("ft/src/d.txt", "src d");
    await page.goto(`${url()}/files/ft/src`);
    await moveAllTo("../dst");
    await page.locator('[data-testid="skip"]').click();
    await entry("d.txt").waitFor({ state: "detached" });
    expect(await text("ft/dst/d.txt")).toBe("src d");
    expect(await text("ft/dst/a.txt")).toBe("dst a");
    expect(await text("ft/src/a.txt")).toBe("src a again"); // skipped: left where it was

    await page.goto(`${url()}/files/ft/src`);
    await moveAllTo("../dst");
    await page.locator("#dialog-title", { hasText: "“a.txt” is already in /ft/dst" }).waitFor();
    await page.click('[data-testid="confirm"]'); // Replace
    await entry("a.txt").waitFor({ state: "detached" });
    expect(await text("ft/dst/a.txt")).toBe("src a again");
    expect((await fetch(`${url(1)}/api/files/ft/src/a.txt`, { method: "HEAD" })).status).toBe(404);

    // On a phone, in the dark: the question and its four answers fit; Cancel moves nothing.
    await putOk("ft/src/b.txt", "src b again");
    await putOk("ft/src/c.txt", "src c again");
    const phone = await pages.page({ width: 390, height: 844 }, "dark", true);
    await phone.goto(`${url()}/files/ft/src`);
    await entryOf(phone, "b.txt").waitFor();
    await phone.locator('[data-testid="select-all"]:visible').click();
    await phone.click('[data-testid="bulk-move"]');
    await phone.fill('[data-testid="dialog-input"]', "../dst");
    await phone.click('[data-testid="confirm"]');
    await phone.locator('[data-testid="skip"]').waitFor();
    for (const id of ["cancel", "skip", "keep-both", "confirm"]) expect(await phone.locator(`[data-testid="${id}"]`).isVisible()).toBe(true);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
    await shot(phone, "phone-dark-bulk-move-conflict");
    await phone.click('[data-testid="cancel"]');
    await phone.locator('[data-testid="dialog"]').waitFor({ state: "detached" });
    expect(await text("ft/src/b.txt")).toBe("src b again");
    expect(await text("ft/dst/b.txt")).toBe("dst b");
  });

  test("the ring draws what the node sends: no WebAssembly, each chunk's lines to its owners", async () => {
    // Three chunks, the first two of one content (one id twice): the view once keyed chunks by id and stopped.
    await putOk("ft/ring.bin", new Uint8Array(2_500_000).fill(9));
    await page.goto(`${url()}/cluster?file=/ft/ring.bin`);
    const chunks = page.locator('[data-testid="ring-chunks"] .chunk');
    await chunks.first().waitFor({ state: "attached", timeout: 20_000 });
    expect(await chunks.count()).toBe(3);
    for (let i = 0; i < 3; i++) {
      const c = chunks.nth(i);
      const owners = ((await c.getAttribute("data-owners")) ?? "").split(" ").filter(Boolean);
      expect(owners.sort()).toEqual(cluster.nodes.map((n) => n.id).sort());
      expect(await c.locator("line.link").count()).toBe(owners.length);
    }
    for (const n of cluster.nodes) expect(Number(await page.locator(`[data-testid="ring"] [data-member="${n.id}"]`).getAttribute("data-vnodes"))).toBeGreaterThan(0);
    await shot(page, "desktop-light-ring-file");
    expect(requested.filter((u) => u.endsWith(".wasm"))).toEqual([]);
    expect(errors).toEqual([]);
  });
});
