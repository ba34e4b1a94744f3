// Issue 15, the file manager in the web UI against a real three-node cluster: multi-select (click, shift-click,
// keyboard) with a bulk delete confirmed once by count; a folder and a selection downloaded as ZIPs whose
// contents Python's zipfile checks; previews of an image, a text file and a PDF; a rename or an upload onto a taken
// name offering Replace / Keep both; the banner offering the other nodes when this one stops. Screenshots on a
// laptop and a phone, light and dark.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { crc32, deflateSync } from "node:zlib";
import type { Browser, Page } from "playwright-core";
import { getBytes, TestCluster } from "../harness/cluster.ts";
import { ARTIFACTS, entryOf, launchBrowser, PagesOf, recordErrors } from "./browser.ts";

let cluster: TestCluster;
let browser: Browser;
const pages = new PagesOf(() => browser);
let page: Page;
let violations: string[] = [];

/** A width×height PNG (a colour gradient), so the preview has a real picture to show. */
function png(width: number, height: number): Uint8Array<ArrayBuffer> {
  const chunk = (type: string, data: Uint8Array) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) rows.set([(x * 255) / width, (y * 255) / height, 160], y * (width * 3 + 1) + 1 + x * 3);
  }
  const file = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(rows)), chunk("IEND", new Uint8Array(0))]);
  return new Uint8Array(file);
}

const NOTES = "# Trip notes\n\nDay 1: the lake, the long walk back.\nDay 2: rain — museum instead.\n";

async function putTyped(path: string, body: Uint8Array<ArrayBuffer> | string, type?: string) {
  const res = await fetch(`${cluster.nodes[0]!.url}/api/files/${path}`, { method: "PUT", body, headers: type ? { "content-type": type } : {} });
  expect(res.status).toBe(201);
}

beforeAll(async () => {
  cluster = await TestCluster.start(3, { chunkSizeMb: 1 });
  browser = await launchBrowser();
  for (const name of ["a.txt", "b.txt", "c.txt", "d.txt"]) await putTyped(`fm/${name}`, `file ${name}\n`);
  await putTyped("fm/photo.png", png(320, 200), "image/png");
  await putTyped("fm/notes.md", NOTES); // no type sent: the node takes it from the extension
  await putTyped("fm/tree/x.bin", new Uint8Array(70_000).fill(7));
  await putTyped("fm/tree/sub/y.txt", "why\n");
  const made = await fetch(`${cluster.nodes[0]!.url}/api/mkdir`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"path":"/fm/tree/empty"}' });
  expect(made.status).toBe(201);
  page = await newPage({ width: 1280, height: 800 }, "light");
  violations = await recordErrors(page, /Content Security Policy|CSP violation/);
}, 90_000);

afterAll(async () => {
  await pages.close();
  await browser?.close();
  await cluster?.stop();
});

const newPage = (viewport: { width: number; height: number }, colorScheme: "light" | "dark", touch = false) => pages.page(viewport, colorScheme, touch);

const entry = (name: string) => entryOf(page, name);
const shot = (p: Page, name: string) => p.screenshot({ path: join(ARTIFACTS, `fm-${name}.png`), fullPage: true });
const overflowX = (p: Page) => p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
const status = async (path: string) => (await fetch(`${cluster.nodes[1]!.url}/api/files/${path}`, { method: "HEAD" })).status;

/** The names and SHA-256s in a ZIP file, read by Python's zipfile after testzip() checked every CRC. */
function zipContents(path: string): Record<string, string> {
  const script = `
import hashlib, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
print(json.dumps({i.filename: hashlib.sha256(z.read(i)).hexdigest()[:12] for i in z.infolist()}))`;
  const r = Bun.spawnSync(["python3", "-c", script, path]);
  if (r.exitCode !== 0) throw new Error(r.stderr.toString());
  return JSON.parse(r.stdout.toString());
}
const sha = (s: string | Uint8Array) => new Bun.CryptoHasher("sha256").update(s).digest("hex").slice(0, 12);

describe("file manager", () => {
  test("multi-select: click, shift-click a range, keyboard select-all; bulk delete asks once, naming the count", async () => {
    await page.goto(`${cluster.nodes[0]!.url}/files/fm`);
    await entry("a.txt").waitFor();
    await entry("a.txt").locator('[data-testid="select"]').click();
    await entry("c.txt").locator('[data-testid="select"]').click({ modifiers: ["Shift"] });
    expect(await page.locator('[data-testid="selection-count"]').innerText()).toBe("3 items selected");
    expect(await page.locator('[data-testid="entry"][aria-selected="true"]').evaluateAll((els) => els.map((e) => e.getAttribute("data-name")))).toEqual(["a.txt", "b.txt", "c.txt"]);
    await shot(page, "desktop-light-selection");

    // From the keyboard: Ctrl+A over the list selects every entry, Esc clears, Shift+Space extends a range.
    await entry("a.txt").locator('[data-testid="select"]').focus();
    await page.keyboard.press("Control+a");
    expect(await page.locator('[data-testid="selection-count"]').innerText()).toBe("7 items selected");
    expect(await page.locator('[data-testid="select-all"]').first().isChecked()).toBe(true);
    await page.keyboard.press("Escape");
    await page.locator('[data-testid="selection-bar"]').waitFor({ state: "detached" });
    await page.keyboard.press("Space"); // a.txt, the anchor
    await entry("c.txt").locator('[data-testid="select"]').focus();
    await page.keyboard.press("Shift+Space");
    expect(await page.locator('[data-testid="selection-count"]').innerText()).toBe("3 items selected");

    await page.click('[data-testid="bulk-delete"]');
    await page.locator('[data-testid="dialog"][open]').waitFor();
    expect(await page.locator("#dialog-title").textContent()).toBe("Delete 3 items?");
    expect(await page.locator('[data-testid="confirm"]').innerText()).toBe("Delete 3 items");
    expect(await page.locator('[data-testid="dialog"] .message').textContent()).toContain("“a.txt”, “b.txt” and 1 more will be deleted on every node");
    await shot(page, "desktop-light-bulk-delete");
    await page.click('[data-testid="confirm"]');
    await entry("c.txt").waitFor({ state: "detached" });
    for (const name of ["a.txt", "b.txt", "c.txt"]) expect(await status(`fm/${name}`)).toBe(404);
    expect(await status("fm/d.txt")).toBe(200);
    expect(await page.locator('[data-testid="selection-bar"]').count()).toBe(0);
  });

  test("a folder downloads as a zip of its tree, and a selection as one zip", async () => {
    const [folder] = await Promise.all([page.waitForEvent("download"), entry("tree").locator('[data-testid="download"]').click()]);
    expect(folder.suggestedFilename()).toBe("tree.zip");
    const folderZip = join(ARTIFACTS, "fm-tree.zip");
    await folder.saveAs(folderZip);
    expect(zipContents(folderZip)).toEqual({
      "tree/": sha(""),
      "tree/empty/": sha(""),
      "tree/sub/": sha(""),
      "tree/x.bin": sha(new Uint8Array(70_000).fill(7)),
      "tree/sub/y.txt": sha("why\n"),
    });

    await entry("d.txt").locator('[data-testid="select"]').click();
    await entry("tree").locator('[data-testid="select"]').click();
    const [both] = await Promise.all([page.waitForEvent("download"), page.click('[data-testid="bulk-download"]')]);
    expect(both.suggestedFilename()).toBe("fm.zip");
    const bothZip = join(ARTIFACTS, "fm-selection.zip");
    await both.saveAs(bothZip);
    const names = Object.keys(zipContents(bothZip)).sort();
    expect(names).toEqual(["d.txt", "tree/", "tree/empty/", "tree/sub/", "tree/sub/y.txt", "tree/x.bin"]);
    await page.click('[data-testid="selection-clear"]');
  });

  test("preview: an image by its stored type, a text file's start by its extension, ← and → between files, Esc closes, a PDF in a frame", async () => {
    await entry("photo.png").locator('[data-testid="preview"]').click();
    const panel = page.locator('[data-testid="preview-panel"]');
    await panel.locator('[data-testid="preview-image"]').waitFor();
    expect(await panel.getAttribute("data-kind")).toBe("image");
    await page.waitForFunction(() => (document.querySelector('[data-testid="preview-image"]') as HTMLImageElement | null)?.naturalWidth === 320);
    await shot(page, "desktop-light-preview-image");
    await page.keyboard.press("ArrowLeft"); // notes.md comes before photo.png
    await panel.locator('[data-testid="preview-text"]').waitFor();
    expect(await panel.locator('[data-testid="preview-text"]').innerText()).toBe(NOTES);
    expect(await panel.locator("#preview-title").innerText()).toBe("notes.md");
    await shot(page, "desktop-light-preview-text");
    await page.keyboard.press("Escape");
    await panel.waitFor({ state: "detached" });

    // A PDF goes in a frame whose document the node's CSP sandbox confines (no sandbox attribute: Chromium
    // would show a "blocked" page instead of the PDF).
    await putTyped("fm-pdf/doc.pdf", "%PDF-1.4\n%%EOF\n", "application/pdf");
    await page.goto(`${cluster.nodes[0]!.url}/files/fm-pdf`);
    await entry("doc.pdf").locator('[data-testid="preview"]').click();
    const frame = panel.locator('[data-testid="preview-pdf"]');
    await frame.waitFor();
    expect(await frame.getAttribute("src")).toBe("/api/files/fm-pdf/doc.pdf");
    const head = await fetch(`${cluster.nodes[0]!.url}/api/files/fm-pdf/doc.pdf`, { method: "HEAD" });
    expect([head.headers.get("content-type"), head.headers.get("x-content-type-options")]).toEqual(["application/pdf", "nosniff"]);
    expect(head.headers.get("content-security-policy")).toStartWith("sandbox;");
    await page.keyboard.press("Escape");
    await page.goto(`${cluster.nodes[0]!.url}/files/fm`);
    await entry("d.txt").waitFor();
    expect(violations).toEqual([]);
  });

  test("a rename onto a taken name offers Replace, Keep both and Cancel", async () => {
    await putTyped("fm/r1.txt", "one");
    await putTyped("fm/r2.txt", "two");
    await page.reload();
    await entry("r1.txt").locator('[data-testid="rename"]').click();
    await page.fill('[data-testid="dialog-input"]', "r2.txt");
    await page.click('[data-testid="confirm"]');
    await page.locator('[data-testid="keep-both"]').waitFor();
    expect(await page.locator("#dialog-title").textContent()).toBe("“r2.txt” already exists");
    await shot(page, "desktop-light-rename-conflict");
    await page.click('[data-testid="keep-both"]');
    await entry("r2 (2).txt").waitFor();
    expect(new TextDecoder().decode(await getBytes(cluster.nodes[2]!.url, "fm/r2%20(2).txt"))).toBe("one");

    await entry("r2 (2).txt").locator('[data-testid="rename"]').click();
    await page.fill('[data-testid="dialog-input"]', "r2.txt");
    await page.click('[data-testid="confirm"]');
    await page.locator('[data-testid="keep-both"]').waitFor();
    await page.click('[data-testid="confirm"]'); // Replace
    await entry("r2 (2).txt").waitFor({ state: "detached" });
    await page.locator('[data-testid="dialog"]').waitFor({ state: "detached" });
    expect(new TextDecoder().decode(await getBytes(cluster.nodes[2]!.url, "fm/r2.txt"))).toBe("one");
  });

  test("an upload onto a taken name: Keep both stores the new one under the next free name", async () => {
    await page.setInputFiles('[data-testid="upload-input"]', { name: "d.txt", mimeType: "text/plain", buffer: Buffer.from("new d\n") });
    await page.locator('[data-testid="keep-both"]').waitFor();
    expect(await page.locator('[data-testid="dialog"] .message').textContent()).toContain("stored as “d (2).txt”");
    await page.click('[data-testid="keep-both"]');
    await entry("d (2).txt").waitFor({ timeout: 20_000 });
    expect(new TextDecoder().decode(await getBytes(cluster.nodes[1]!.url, "fm/d%20(2).txt"))).toBe("new d\n");
    expect(new TextDecoder().decode(await getBytes(cluster.nodes[1]!.url, "fm/d.txt"))).toBe("file d.txt\n");
    // The type the browser gave travels with the file.
    expect((await fetch(`${cluster.nodes[1]!.url}/api/files/fm/d%20(2).txt`, { method: "HEAD" })).headers.get("content-type")).toStartWith("text/plain");
  });

  test("a file dropped on the listing is uploaded there (the drop target shows while a drag is over it)", async () => {
    await page.evaluate(() => {
      const zone = document.querySelector('[data-testid="dropzone"]')!;
      const data = new DataTransfer();
      data.items.add(new File(["dropped\n"], "dropped.txt", { type: "text/plain" }));
      zone.dispatchEvent(new DragEvent("dragenter", { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    expect(await page.locator('[data-testid="dropzone"]').innerText()).toContain("Drop");
    await page.evaluate(() => {
      const zone = document.querySelector('[data-testid="dropzone"]')!;
      const data = new DataTransfer();
      data.items.add(new File(["dropped\n"], "dropped.txt", { type: "text/plain" }));
      zone.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    await entry("dropped.txt").waitFor({ timeout: 20_000 });
    expect(new TextDecoder().decode(await getBytes(cluster.nodes[1]!.url, "fm/dropped.txt"))).toBe("dropped\n");
  });

  test("a question asked while another is finishing stays open (an upload's, while a rename's Replace runs)", async () => {
    await putTyped("fm/q1.txt", "q1");
    await putTyped("fm/q2.txt", "q2");
    await page.goto(`${cluster.nodes[0]!.url}/files/fm`);
    await entry("q1.txt").locator('[data-testid="rename"]').click();
    await page.fill('[data-testid="dialog-input"]', "q2.txt");
    await page.click('[data-testid="confirm"]');
    await page.locator('[data-testid="keep-both"]').waitFor();
    // The Replace's move answers late; the upload's question comes meanwhile.
    await page.route("**/api/move", async (route) => {
      await Bun.sleep(1500);
      await route.continue();
    });
    await page.click('[data-testid="confirm"]');
    await page.setInputFiles('[data-testid="upload-input"]', { name: "d.txt", mimeType: "text/plain", buffer: Buffer.from("late\n") });
    await entry("q1.txt").waitFor({ state: "detached" });
    await Bun.sleep(500);
    await page.unroute("**/api/move");
    expect(await page.locator('[data-testid="dialog"][open] .message').textContent()).toContain("“d.txt” already exists");
    await page.click('[data-testid="cancel"]');
    await page.locator('[data-testid="dialog"]').waitFor({ state: "detached" });
  });

  test("a bulk move takes the selection into a folder typed like a rename (made when missing)", async () => {
    await entry("d (2).txt").locator('[data-testid="select"]').click();
    await entry("dropped.txt").locator('[data-testid="select"]').click();
    await page.click('[data-testid="bulk-move"]');
    await page.fill('[data-testid="dialog-input"]', "d (2).txt");
    expect(await page.locator('[data-testid="dialog-invalid"]').textContent()).toBe("“d (2).txt” cannot be moved into itself.");
    await page.fill('[data-testid="dialog-input"]', "moved");
    await page.click('[data-testid="confirm"]');
    await entry("dropped.txt").waitFor({ state: "detached" });
    await entry("moved").waitFor();
    expect(await status("fm/moved/dropped.txt")).toBe(200);
    expect(await status("fm/moved/d%20(2).txt")).toBe(200);
    expect(await status("fm/dropped.txt")).toBe(404);
  });

  test("search: Enter in the filter finds names in every folder below (the node's answer); a file previews, a folder opens, Esc returns", async () => {
    await putTyped("find/Trip-2023.txt", "last year\n");
    await putTyped("find/2024/trip.md", "# This year\n");
    await putTyped("find/2024/trip-photos/lake.png", png(40, 30), "image/png");
    await putTyped("find/other/notes.txt", "nothing to find\n");
    await page.goto(`${cluster.nodes[1]!.url}/files/find`);
    await entry("2024").waitFor();
    await page.fill('[data-testid="filter"]', "TRIP");
    // The filter sees this folder's names only.
    expect(await page.locator('[data-testid="filter-count"]').innerText()).toBe("1 of 3");
    await page.press('[data-testid="filter"]', "Enter");
    const hits = page.locator('[data-testid="search-hit"]');
    await page.locator('[data-testid="search-summary"]').getByText("3 matches for “TRIP”").waitFor();
    const found = () => hits.evaluateAll((els) => els.map((e) => `${e.getAttribute("data-path")}${e.getAttribute("data-kind") === "dir" ? "/" : ""}`));
    expect(await found()).toEqual(["/find/2024/trip-photos/", "/find/2024/trip.md", "/find/Trip-2023.txt"]);
    expect(await hits.nth(1).innerText()).toContain("in 2024");
    expect(await hits.nth(2).innerText()).toContain("in this folder");
    await shot(page, "search");
    // A file previews (from the keyboard too); Esc closes the preview and leaves the results.
    await hits.nth(1).locator("button.name").focus();
    await page.keyboard.press("Enter");
    await page.locator('[data-testid="preview-text"]').getByText("# This year").waitFor();
    await page.keyboard.press("Escape");
    await page.locator('[data-testid="preview-panel"]').waitFor({ state: "hidden" });
    expect(await hits.count()).toBe(3);
    // Esc again: the listing is back, still filtered.
    await page.keyboard.press("Escape");
    await page.locator('[data-testid="search-results"]').waitFor({ state: "detached" });
    await entry("Trip-2023.txt").waitFor();
    // A folder found opens.
    await page.click('[data-testid="search-below"]');
    await hits.first().locator("a.name").click();
    await page.waitForURL(/\/files\/find\/2024\/trip-photos$/);
    await entry("lake.png").waitFor();
    // Nothing found says so.
    await page.fill('[data-testid="filter"]', "no such name");
    await page.press('[data-testid="filter"]', "Enter");
    await page.getByText("Nothing below /find/2024/trip-photos is named like “no such name”").waitFor();
  });

  for (const [label, viewport, scheme, touch] of [
    ["phone-light", { width: 390, height: 844 }, "light", true],
    ["phone-dark", { width: 390, height: 844 }, "dark", true],
    ["desktop-dark", { width: 1280, height: 800 }, "dark", false],
  ] as const) {
    test(`${label}: the search's results fit`, async () => {
      const p = await newPage(viewport, scheme, touch);
      await p.goto(`${cluster.nodes[0]!.url}/files/find`);
      await entryOf(p, "2024").waitFor();
      await p.fill('[data-testid="filter"]', "trip");
      await p.click('[data-testid="search-below"]');
      await p.locator('[data-testid="search-hit"]').nth(2).waitFor();
      expect(await overflowX(p)).toBe(0);
      await shot(p, `${label}-search`);
    });
  }

  for (const [label, viewport, scheme, touch] of [
    ["phone-light", { width: 390, height: 844 }, "light", true],
    ["phone-dark", { width: 390, height: 844 }, "dark", true],
    ["desktop-dark", { width: 1280, height: 800 }, "dark", false],
  ] as const) {
    test(`${label}: the selection bar, the preview and the conflict dialog fit`, async () => {
      const p = await newPage(viewport, scheme, touch);
      await p.goto(`${cluster.nodes[0]!.url}/files/fm`);
      await entryOf(p, "d.txt").waitFor();
      await entryOf(p, "d.txt").locator('[data-testid="select"]').click();
      await entryOf(p, "notes.md").locator('[data-testid="select"]').click();
      expect(await p.locator('[data-testid="selection-count"]').innerText()).toBe("2 items selected");
      // On a phone the column headers are hidden: select-all sits by the filter.
      expect(await p.locator('[data-testid="select-all"]:visible').count()).toBe(1);
      await shot(p, `${label}-selection`);
      expect(await overflowX(p)).toBe(0);
      await entryOf(p, "photo.png").locator('[data-testid="preview"]').click();
      await p.locator('[data-testid="preview-image"]').waitFor();
      await p.waitForFunction(() => (document.querySelector('[data-testid="preview-image"]') as HTMLImageElement | null)?.complete === true);
      await shot(p, `${label}-preview`);
      await p.keyboard.press("Escape");
      await entryOf(p, "notes.md").locator('[data-testid="rename"]').click();
      await p.fill('[data-testid="dialog-input"]', "d.txt");
      await p.click('[data-testid="confirm"]');
      await p.locator('[data-testid="keep-both"]').waitFor();
      expect(await overflowX(p)).toBe(0);
      await shot(p, `${label}-conflict`);
      await p.click('[data-testid="cancel"]');
    });
  }

  test("when the node stops answering, a banner lists the other nodes, each link opening this page there", async () => {
    const n3 = cluster.nodes[2]!;
    const phonePage = await newPage({ width: 390, height: 844 }, "dark", true);
    for (const p of [page, phonePage]) {
      // The banner offers the nodes of the last cluster view (GET /api/cluster): have it before the node goes.
      const view = p.waitForResponse((r) => new URL(r.url()).pathname === "/api/cluster" && r.ok());
      await p.goto(`${n3.url}/files/fm`);
      await entryOf(p, "d.txt").waitFor();
      await view;
    }
    await n3.kill();
    for (const p of [page, phonePage]) {
      const banner = p.locator('[data-code="unreachable"]');
      await banner.waitFor({ timeout: 15_000 });
      const links = banner.locator('[data-testid="other-node"]');
      await links.first().waitFor();
      expect(await links.evaluateAll((els) => els.map((e) => [e.getAttribute("data-node"), e.getAttribute("href")]))).toEqual([
        ["n1", `${cluster.nodes[0]!.url}/files/fm`],
        ["n2", `${cluster.nodes[1]!.url}/files/fm`],
      ]);
    }
    await shot(page, "desktop-light-unreachable");
    await shot(phonePage, "phone-dark-unreachable");
    expect(await overflowX(phonePage)).toBe(0);
    await page.locator('[data-testid="other-node"][data-node="n2"]').click();
    await page.waitForURL(`${cluster.nodes[1]!.url}/files/fm`);
    await entry("d.txt").waitFor();
    expect(await page.locator('[data-code="unreachable"]').count()).toBe(0);
  });
});
