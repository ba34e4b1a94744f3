// Issue 4: the web UI in a real browser against a real three-node cluster. Upload through the page
// and watch the progress reach 100%; download and compare bytes; create a folder, move a file into
// it, delete it; change the replication factor and the chunk size for every node; watch a killed node turn
// suspect, then dead, on another node's ring without a reload.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
import { getBytes, put, randomBytes, sha256, TestCluster, waitFor } from "../harness/cluster.ts";
import { ARTIFACTS, fullPageShot, launchBrowser, recordErrors } from "./browser.ts";

let cluster: TestCluster;
let browser: Browser;
let page: Page;
/** Content-Security-Policy violations seen anywhere in the run: the UI must need nothing its CSP forbids. */
let violations: string[] = [];

beforeAll(async () => {
  // A collection pass every second (never deleting: the default minimum age is a day), so the health page
  // can say what deleted files still take and why.
  cluster = await TestCluster.start(3, { chunkSizeMb: 1, env: { GC_INTERVAL_S: "1" } });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  violations = await recordErrors(page, /Content Security Policy|CSP violation/);
});

afterAll(async () => {
  await browser?.close();
  await cluster?.stop();
});

const shot = (name: string) => fullPageShot(page, name);
const entry = (name: string) => page.locator(`[data-testid="entry"][data-name="${name}"]`);

/** The locator's text once it matches `pattern` (polled: the page updates on its own), or the last text seen. */
async function textWithin(locator: Locator, pattern: RegExp, ms = 30_000): Promise<string> {
  const deadline = Date.now() + ms;
  let text = "";
  while (Date.now() < deadline && !pattern.test((text = await locator.innerText().catch(() => "")))) await Bun.sleep(250);
  expect(text).toMatch(pattern);
  return text;
}

async function dialog(value?: string) {
  if (value !== undefined) await page.fill('[data-testid="dialog-input"]', value);
  await page.click('[data-testid="confirm"]');
}

describe("web UI", () => {
  const data = randomBytes(3 * 1024 * 1024 + 123);

  test("upload a file through the page: progress reaches 100% and it is listed", async () => {
    const a = cluster.nodes[0]!;
    await page.goto(a.url);
    await page.waitForSelector('[data-testid="upload-input"]', { state: "attached" });
    await shot("files-empty");
    // A mouse can drag files in, so the empty folder says so (a touch screen is not told to: ui-layout.test.ts).
    expect(await page.locator('[data-testid="upload-hint"]').innerText()).toStartWith("Drop files or folders here");
    await page.setInputFiles('[data-testid="upload-input"]', {
      name: "report.bin",
      mimeType: "application/octet-stream",
      buffer: Buffer.from(data),
    });
    const progress = page.locator('[data-testid="upload-row"] [data-testid="upload-progress"]').first();
    await progress.locator('xpath=self::*[@data-status="done"]').waitFor({ timeout: 30_000 });
    expect(await progress.getAttribute("aria-valuenow")).toBe("100");
    await entry("report.bin").waitFor({ timeout: 10_000 });
    await shot("files-uploaded");
    // The bytes really are in the cluster, readable from another node.
    expect(sha256(await getBytes(cluster.nodes[1]!.url, "report.bin"))).toBe(sha256(data));
  });

  test("download it and compare bytes", async () => {
    const [download] = await Promise.all([page.waitForEvent("download"), entry("report.bin").locator('[data-testid="download"]').click()]);
    const path = join(ARTIFACTS, "downloaded-report.bin");
    await download.saveAs(path);
    expect(sha256(new Uint8Array(readFileSync(path)))).toBe(sha256(data));
  });

  test("uploading onto an existing name asks first: Cancel keeps the file, Replace replaces it", async () => {
    const other = randomBytes(1000);
    const pick = () => page.setInputFiles('[data-testid="upload-input"]', { name: "report.bin", mimeType: "application/octet-stream", buffer: Buffer.from(other) });
    await pick();
    await page.locator('[data-testid="dialog"][open]').waitFor();
    expect(await page.locator("#dialog-title").textContent()).toBe("Replace a file?");
    expect(await page.locator('[data-testid="dialog"] .message').textContent()).toContain("“report.bin” already exists");
    await shot("files-replace-ask");
    await page.click('[data-testid="cancel"]');
    await Bun.sleep(500);
    expect(sha256(await getBytes(cluster.nodes[1]!.url, "report.bin"))).toBe(sha256(data));
    await pick();
    await dialog();
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && sha256(await getBytes(cluster.nodes[1]!.url, "report.bin")) !== sha256(other)) await Bun.sleep(200);
    expect(sha256(await getBytes(cluster.nodes[1]!.url, "report.bin"))).toBe(sha256(other));
  });

  test("create a folder, move the file into it, delete it", async () => {
    await page.click('[data-testid="new-folder"]');
    await dialog("archive");
    await entry("archive").waitFor();
    expect(await entry("archive").getAttribute("data-kind")).toBe("dir");
    // A second folder of that name is refused in the dialog, before anything is sent.
    await page.click('[data-testid="new-folder"]');
    await page.fill('[data-testid="dialog-input"]', "archive");
    expect(await page.locator('[data-testid="dialog-invalid"]').textContent()).toBe("“archive” already exists here (a folder).");
    expect(await page.locator('[data-testid="confirm"]').isDisabled()).toBe(true);
    await shot("files-folder-exists");
    await page.click('[data-testid="cancel"]');

    await entry("report.bin").locator('[data-testid="rename"]').click();
    await dialog("archive/report.bin");
    await entry("report.bin").waitFor({ state: "detached" });
    const moved = await fetch(`${cluster.nodes[2]!.url}/api/files/archive/report.bin`, { method: "HEAD" });
    expect(moved.status).toBe(200);

    await entry("archive").locator("a").first().click();
    await entry("report.bin").waitFor();
    await shot("files-folder");
    await entry("report.bin").locator('[data-testid="delete"]').click();
    await dialog();
    await entry("report.bin").waitFor({ state: "detached" });
    expect((await fetch(`${cluster.nodes[0]!.url}/api/files/archive/report.bin`)).status).toBe(404);
  });

  test("a file and a folder of one name (S3's `site` beside `site/index.html`): side by side, the file marked; deleting the folder keeps the file", async () => {
    const a = cluster.nodes[0]!;
    expect((await put(a.url, "twins/site", "the file named site")).status).toBe(201);
    expect((await put(a.url, "twins/site/index.html", "<p>inside</p>")).status).toBe(201);
    await page.goto(`${a.url}/files/twins`);
    await entry("site").first().waitFor();
    expect(await entry("site").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-kind")))).toEqual(["dir", "file"]);
    expect(await page.locator('[data-testid="file-beside-folder"]').count()).toBe(1);
    expect(await entry("site").nth(1).locator('[data-testid="file-beside-folder"]').innerText()).toBe("file");
    await shot("files-file-beside-folder");
    await entry("site").nth(0).locator('[data-testid="delete"]').click();
    await dialog();
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await entry("site").count()) !== 1) await Bun.sleep(100);
    expect(await entry("site").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-kind")))).toEqual(["file"]);
    expect(await page.locator('[data-testid="file-beside-folder"]').count()).toBe(0);
    expect(new TextDecoder().decode(await getBytes(a.url, "twins/site"))).toBe("the file named site");
    expect((await fetch(`${a.url}/api/files/twins/site/index.html`)).status).toBe(404);
  });

  test("the listing sorts by a column's header, from the keyboard too, remembers it, and filters by name", async () => {
    const a = cluster.nodes[0]!;
    const day = 86_400_000;
    // Sizes and ages that put the three orders apart; "b 2" before "b 10" by name, as people sort.
    for (const [name, size, age] of [["b 10.txt", 1000, 3], ["b 2.txt", 3000, 1], ["A.txt", 2000, 2]] as const) {
      const res = await fetch(`${a.url}/api/files/sorting/${encodeURIComponent(name)}`, {
        method: "PUT",
        body: randomBytes(size),
        headers: { "x-orrery-mtime": String(Date.now() - age * day) },
      });
      expect(res.status).toBe(201);
    }
    expect((await fetch(`${a.url}/api/mkdir`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ path: "/sorting/sub" }) })).status).toBe(201);
    await page.goto(`${a.url}/files/sorting`);
    await entry("A.txt").waitFor();
    const names = () => page.locator('[data-testid="entry"]').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.name));
    const ariaSort = (key: string) => page.locator(`[role="columnheader"]:has([data-testid="sort-${key}"])`).getAttribute("aria-sort");
    expect(await names()).toEqual(["sub", "A.txt", "b 2.txt", "b 10.txt"]);
    expect(await ariaSort("name")).toBe("ascending");
    await page.click('[data-testid="sort-size"]');
    expect(await names()).toEqual(["sub", "b 2.txt", "A.txt", "b 10.txt"]); // folders first, then the largest
    expect(await ariaSort("size")).toBe("descending");
    expect(await ariaSort("name")).toBe("none");
    // From the keyboard: the header is a button; Enter sorts newest first, Space flips it.
    await page.focus('[data-testid="sort-mtime"]');
    await page.keyboard.press("Enter");
    expect(await names()).toEqual(["sub", "b 2.txt", "A.txt", "b 10.txt"]);
    await page.keyboard.press("Space");
    expect(await names()).toEqual(["sub", "b 10.txt", "A.txt", "b 2.txt"]);
    expect(await ariaSort("mtime")).toBe("ascending");
    await page.reload();
    await entry("A.txt").waitFor();
    expect(await names()).toEqual(["sub", "b 10.txt", "A.txt", "b 2.txt"]);

    // The filter: every word, case ignored; Escape clears it; no match says so and offers to clear.
    await page.fill('[data-testid="filter"]', "B 1");
    expect(await names()).toEqual(["b 10.txt"]);
    expect(await page.locator('[data-testid="filter-count"]').innerText()).toBe("1 of 4");
    await shot("files-sorted-filtered");
    await page.press('[data-testid="filter"]', "Escape");
    expect(await names()).toHaveLength(4);
    await page.fill('[data-testid="filter"]', "zzz");
    await page.getByText("No name here matches “zzz”").waitFor();
    await page.click('[data-testid="filter-clear"]');
    expect(await names()).toHaveLength(4);
    await page.click('[data-testid="sort-name"]');
    expect(await names()).toEqual(["sub", "A.txt", "b 2.txt", "b 10.txt"]);
  });

  test("the cluster page changes the replication factor and the chunk size for every node", async () => {
    const [a, b, c] = cluster.nodes;
    await page.goto(`${a!.url}/cluster`);
    const card = page.locator('[data-testid="cluster-settings"]');
    await card.waitFor();
    expect(await page.inputValue('[data-testid="replication-factor"]')).toBe("3");
    expect(await card.locator('[data-testid="settings-source"]').textContent()).toContain("no cluster setting yet");
    // The nodes' own CHUNK_SIZE_MB (1) until the cluster sets one.
    await card.locator('[data-testid="chunk-size-source"]').waitFor();
    expect(await page.inputValue('[data-testid="chunk-size"]')).toBe("1");
    expect(await card.locator('[data-testid="chunk-size-source"]').textContent()).toContain("1 MiB: each node's CHUNK_SIZE_MB (no cluster setting yet)");
    await page.fill('[data-testid="replication-factor"]', "2");
    await page.click('[data-testid="apply-settings"]');
    await page.waitForSelector('[data-testid="settings-message"]');
    expect(await page.textContent('[data-testid="settings-message"]')).toContain("3 of 3 live members confirmed");
    await shot("cluster-settings");
    type View = { settings: { replicationFactor: number; chunkSize: number; folderReplicationFactors: Record<string, number> }; set: { replicationFactor?: number; chunkSizeMiB?: number } };
    const viewOf = async (url: string) => (await (await fetch(`${url}/api/cluster/settings`)).json()) as View;
    for (const n of cluster.nodes) {
      const view = await viewOf(n.url);
      expect(view.settings.replicationFactor).toBe(2);
      expect(view.set).toEqual({ replicationFactor: 2 }); // only the field changed was sent
    }

    // The chunk size, on its own: 2 MiB for every node, and a file written afterwards is cut in 2 MiB chunks.
    expect(await page.isDisabled('[data-testid="apply-settings"]')).toBe(true); // nothing changed since
    await page.fill('[data-testid="chunk-size"]', "2");
    await page.click('[data-testid="apply-settings"]');
    await page.getByText("Chunk size 2 MiB: 3 of 3 live members confirmed").waitFor();
    expect(await card.locator('[data-testid="chunk-size-source"]').textContent()).toContain("2 MiB: set for the whole cluster");
    await shot("cluster-settings-chunk-size");
    for (const n of cluster.nodes) expect((await viewOf(n.url)).settings).toEqual({ replicationFactor: 2, chunkSize: 2 * 1024 * 1024, folderReplicationFactors: {} });
    const sized = await put(c!.url, "sized.bin", randomBytes(5 * 1024 * 1024));
    expect(sized.status).toBe(201);
    expect(((await sized.json()) as { chunkSize: number }).chunkSize).toBe(2 * 1024 * 1024);
    // Out of the allowed range: the browser keeps the form from being sent, and nothing changes.
    await page.fill('[data-testid="chunk-size"]', "65");
    await page.click('[data-testid="apply-settings"]');
    expect(await page.$eval('[data-testid="chunk-size"]', (el) => (el as HTMLInputElement).validity.rangeOverflow)).toBe(true);
    expect((await viewOf(a!.url)).set).toEqual({ replicationFactor: 2, chunkSizeMiB: 2 });
    // The other nodes' pages show it as the cluster's setting; put the factor back for the tests below.
    await page.goto(`${b!.url}/cluster`);
    await page.locator('[data-testid="settings-source"]').waitFor();
    expect(await page.textContent('[data-testid="settings-source"]')).toContain("Set for the whole cluster");
    expect(await page.inputValue('[data-testid="replication-factor"]')).toBe("2");
    expect(await page.inputValue('[data-testid="chunk-size"]')).toBe("2");
    const back = await fetch(`${b!.url}/api/cluster/settings`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ replicationFactor: 3 }) });
    expect(back.status).toBe(200);
  });

  test("the cluster page gives a top-level folder its own replication factor, and puts it back", async () => {
    const [a, b] = cluster.nodes;
    await page.goto(`${a!.url}/cluster`);
    const folders = page.locator('[data-testid="folder-factors"]');
    await folders.waitFor();
    expect(await folders.locator('[data-testid="no-folder-factors"]').textContent()).toContain("every folder keeps 3 copies");
    // A name the node would refuse is said at once, and cannot be sent.
    await page.fill('[data-testid="folder-name"]', "photos/2024");
    expect(await page.textContent('[data-testid="folder-problem"]')).toContain("Only a top-level folder");
    expect(await page.isDisabled('[data-testid="set-folder-factor"]')).toBe(true);
    await page.fill('[data-testid="folder-name"]', "/photos/");
    await page.fill('[data-testid="folder-factor"]', "1");
    await page.click('[data-testid="set-folder-factor"]');
    await page.getByText("Folder /photos at 1 copy (the cluster keeps 3): 3 of 3 live members confirmed").waitFor();
    const row = folders.locator('li[data-folder="photos"]');
    expect(await row.locator('[data-testid="folder-factor-value"]').textContent()).toBe("1 copy");
    await shot("cluster-settings-folder");
    type View = { settings: { folderReplicationFactors: Record<string, number> } };
    const foldersOf = async (url: string) => ((await (await fetch(`${url}/api/cluster/settings`)).json()) as View).settings.folderReplicationFactors;
    for (const n of cluster.nodes) expect(await foldersOf(n.url)).toEqual({ photos: 1 });
    // A write into the folder is placed at its factor.
    const one = await put(b!.url, "photos/one.bin", randomBytes(30_000));
    expect(one.status).toBe(201);
    expect(((await one.json()) as { replicationFactor: number }).replicationFactor).toBe(1);
    // Back on the cluster's factor.
    await row.locator('[data-testid="remove-folder-factor"]').click();
    await page.getByText("Folder /photos back on the cluster's replication factor (3)").waitFor();
    await folders.locator('[data-testid="no-folder-factors"]').waitFor();
    for (const n of cluster.nodes) expect(await foldersOf(n.url)).toEqual({});
  });

  test("the cluster page on B shows C turn suspect, then dead, without a reload", async () => {
    const [a, b, c] = cluster.nodes;
    await page.goto(`${b!.url}/cluster`);
    const member = page.locator(`[data-testid="ring"] [data-member="${c!.id}"]`);
    await member.waitFor({ state: "attached" });
    expect(await member.getAttribute("data-state")).toBe("alive");
    const vnodesAlive = Number(await member.getAttribute("data-vnodes"));
    expect(vnodesAlive).toBeGreaterThan(0);
    // What a user asks first (issue 15 item 8): how much more fits, whether every file is safe, which node holds
    // what; the ring's internals (virtual nodes, shares of keys) are folded away.
    const safety = page.locator('[data-testid="overview-safety"]');
    expect(await textWithin(safety, /Every file is safe\s+every file has all 3 copies$/)).not.toMatch(/asked for/);
    expect(await page.locator('[data-testid="overview-room"]').innerText()).toMatch(/\d[\d.]* [KMGT]iB\s+about this much more fits at 3 copies each, in the room left on 3 storage nodes/);
    expect(await page.locator('[data-testid="overview-stored"]').innerText()).toMatch(/on disk with their copies on 3 nodes/);
    const shares = await page.locator('[data-testid="member-share"]').allInnerTexts();
    expect(shares).toHaveLength(3);
    const percents = shares.map((t) => Number(/stored · (\d+)% of the data/.exec(t)?.[1]));
    expect(Math.abs(percents.reduce((a, b) => a + b, 0) - 100)).toBeLessThanOrEqual(2); // each rounded
    expect(await page.locator("main").innerText()).not.toMatch(/virtual node|of keys/);
    await page.locator('[data-testid="cluster-advanced"] summary').click();
    expect(await page.locator('[data-testid="cluster-advanced"]').innerText()).toMatch(/virtual nodes[\s\S]*\d+% of keys/);
    await shot("cluster");
    // A file whose chunk stays short of a copy while C is dead (the health view below counts it).
    expect((await put(b!.url, "kept.bin", randomBytes(50_000))).status).toBe(201);
    // Any navigation would reset this marker; it proves the page was never reloaded.
    await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
    await c!.kill();
    const seen = new Set<string>();
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const state = await member.getAttribute("data-state");
      if (state) seen.add(state);
      if (state === "suspect") await shot("cluster-suspect");
      if (state === "dead") break;
      await Bun.sleep(50);
    }
    expect(seen.has("suspect")).toBe(true);
    expect(await member.getAttribute("data-state")).toBe("dead");
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
    // Off the ring, drawn where its virtual nodes were: the node sends them (the page hashes nothing).
    expect(Number(await member.getAttribute("data-vnodes"))).toBe(vnodesAlive);
    expect((await member.locator("path.ticks").getAttribute("d"))?.length ?? 0).toBeGreaterThan(100);
    expect(await member.locator("path.band").count()).toBe(0);
    // Two live nodes, N = 3: files are short of a copy and none can be made until C returns.
    expect(await textWithin(safety, /Short of copies/)).toContain("only 2 nodes can hold them, so the missing copies wait for nodes to return or join");
    expect(await page.locator('[data-testid="overview-stored"]').innerText()).toContain("not counting 1 node not answering");
    await shot("cluster-dead");
    await page.goto(`${b!.url}/health`);
    await page.waitForSelector('[data-testid="node-row"]');
    // Two live nodes, N = 3: kept.bin's chunk is short of a copy and no copy can be made. The page must
    // say so (counted by the census), not that data is being re-replicated.
    const tile = page.locator('[data-testid="tile-under-replicated"]');
    const deadline2 = Date.now() + 30_000;
    while (Date.now() < deadline2 && !/none can be made/.test((await tile.textContent()) ?? "")) await Bun.sleep(250);
    const tileText = (await tile.textContent()) ?? "";
    expect(tileText).toContain("fewer live nodes (2) than N = 3");
    expect(tileText).not.toMatch(/being|making them/);
    const deadRow = (await page.locator(`[data-testid="node-row"][data-node="${c!.id}"]`).textContent()) ?? "";
    expect(deadRow).toContain("wait for it to return");
    expect(deadRow).not.toContain("being copied");
    // report.bin was deleted above: its copies are still on disk, and the page says until when.
    const gc = page.locator('[data-testid="tile-gc"]');
    const deadline3 = Date.now() + 15_000;
    while (Date.now() < deadline3 && !/kept until/.test((await gc.textContent()) ?? "")) await Bun.sleep(250);
    expect((await gc.textContent()) ?? "").toContain(`kept until ${c!.id} is back`);
    await shot("health-dead-gc");
    // What Orrery stores and the room it has, not the host's disk (issue 15 item 4).
    const store = (await page.locator(`[data-testid="node-row"][data-node="${b!.id}"] [data-testid="node-store"]`).textContent()) ?? "";
    expect(store).toMatch(/stored · .+ room/);
    // N = 3, but only two storage nodes answer: each byte is stored twice now.
    expect((await page.locator('[data-testid="tile-room"]').textContent()) ?? "").toContain("more at 2 copies each");
    // The timeline's entry for the death says the same (the whole page: nothing claims a copy under way).
    await page.getByText(`${c!.id} was declared dead; fewer live nodes (2) than N = 3`).waitFor({ timeout: 10_000 });
    expect((await page.locator("body").textContent()) ?? "").not.toMatch(/being (re-replicated|copied)/);
    // One timeline for the cluster (issue 15 item 9): A's log is merged in, and C's death, seen by A and by B,
    // is one entry naming both.
    const death = page.locator(`[data-testid="event"][data-type="dead"][data-member="${c!.id}"]`);
    const seenBy = async () => ((await death.count()) === 1 ? ((await death.getAttribute("data-by")) ?? "") : "");
    const deadline4 = Date.now() + 30_000;
    while (Date.now() < deadline4 && !(await seenBy()).includes(a!.id)) await Bun.sleep(250);
    expect(await death.count()).toBe(1);
    expect(((await death.getAttribute("data-by")) ?? "").split(" ").sort()).toEqual([a!.id, b!.id].sort());
    expect(await page.locator('[data-testid="events-from"]').innerText()).toContain("From 2 nodes");
    // Throughput and storage over time, summed over the live nodes (issue 15: charts): the uploads above show.
    const throughputChart = page.locator('[data-testid="chart-throughput"] svg');
    await page.locator('[data-testid="chart-throughput"] polyline.write').waitFor({ timeout: 30_000 });
    expect((await throughputChart.getAttribute("aria-label")) ?? "").toMatch(/^Over the last 60 minutes: writes averaged .+ \(peak .+\), reads/);
    expect((await page.locator('[data-testid="chart-storage"] svg').getAttribute("aria-label")) ?? "").toMatch(/stored \(every copy\) of .+ offered by 2 nodes$/);
    await shot("health");
  });

  test("a dead member is forgotten from its card on the cluster page (an admin action): it is left on every live node", async () => {
    const [a, b, c] = cluster.nodes;
    await page.goto(`${b!.url}/cluster`);
    const card = page.locator(`[data-member-card="${c!.id}"]`);
    await card.waitFor();
    expect(await card.getAttribute("data-state")).toBe("dead");
    // Only a dead member's card offers it.
    expect(await page.locator(`[data-member-card="${a!.id}"] [data-testid="forget-member"]`).count()).toBe(0);
    await card.locator('[data-testid="forget-member"]').click();
    const dialog = page.locator('[data-testid="dialog"]');
    expect(await dialog.innerText()).toContain(`Do this only if ${c!.id} will not come back`);
    await shot("cluster-forget");
    await dialog.locator('[data-testid="confirm"]').click();
    await dialog.waitFor({ state: "detached" });
    const stateOn = async (n: TestCluster["nodes"][number]) => (await n.members()).find((m) => m.id === c!.id)?.state;
    await waitFor(async () => (await stateOn(a!)) === "left" && (await stateOn(b!)) === "left", 20_000, `${c!.id} to be left on both live nodes`);
    await page.locator(`[data-member-card="${c!.id}"][data-state="left"]`).waitFor({ timeout: 20_000 });
  });

  // Last, so it covers everything above: uploads, downloads, the ring with a dead member.
  test("no Content-Security-Policy violation in the whole run", () => {
    expect(violations).toEqual([]);
  });
});
