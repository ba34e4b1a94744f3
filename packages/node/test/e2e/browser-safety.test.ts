// Browser safety in a real browser against a real node: the cross-site page of the report (no-cors
// POSTs, and a text/plain form whose body is JSON) changes nothing; a DNS-rebound name gets no answer;
// a user's HTML file opened from the store runs no script; the UI itself runs under its CSP without
// a single violation.
import { getAnswer } from "../harness/api.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { put, TestCluster } from "../harness/cluster.ts";
import { freePort } from "../harness/ports.ts";
import { ARTIFACTS, launchBrowser, recordErrors } from "./browser.ts";

let cluster: TestCluster;
let browser: Browser;
let attacker: ReturnType<typeof Bun.serve>;
let url: string;
let port: number;

/** The attacker's page: localhost is another site than 127.0.0.1, as any web site would be. */
const attackPage = (target: string) => `<!doctype html><title>cat pictures</title>
<iframe name="sink" style="display:none"></iframe>
<form id="f" method="POST" action="${target}/api/mkdir" enctype="text/plain" target="sink">
  <input name='{"path":"/pwned-form","x":"' value='"}'>
</form>
<script>
  (async () => {
    const send = (path, body) => fetch("${target}" + path, { method: "POST", mode: "no-cors", body: JSON.stringify(body) }).catch(() => {});
    await send("/api/move", { from: "/keep/report.txt", to: "/stolen.txt" });
    await send("/api/mkdir", { path: "/pwned" });
    await send("/api/cluster/leave", {});
    document.querySelector("iframe").onload = () => (document.title = "sent");
    document.getElementById("f").submit();
  })();
</script>`;

beforeAll(async () => {
  cluster = await TestCluster.start(1, { replicationFactor: 1 });
  url = cluster.nodes[0]!.url;
  port = cluster.nodes[0]!.httpPort;
  expect((await put(url, "keep/report.txt", "precious")).status).toBe(201);
  attacker = Bun.serve({
    hostname: "127.0.0.1",
    port: await freePort(),
    fetch: () => new Response(attackPage(url), { headers: { "content-type": "text/html" } }),
  });
  // rebind.test resolves to the node's address, as a rebound attacker's name would.
  browser = await launchBrowser(["--host-resolver-rules=MAP rebind.test 127.0.0.1"]);
});

afterAll(async () => {
  await browser?.close();
  attacker?.stop(true);
  await cluster?.stop();
});

const names = async (dir: string) =>
  (await getAnswer(`${url}/api/files/${dir}`, "getFile")).entries.map((e) => e.name).sort();

/** POSTs the node refused with 403, from its metrics: proof the browser's requests did arrive. */
async function refusedPosts(): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split("\n")
    .filter((l) => l.startsWith("orrery_http_requests_total{") && l.includes('method="POST"') && l.includes('status="403"'))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
}

describe("in Chromium", () => {
  test("the web UI runs under its CSP without a violation", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems = await recordErrors(page);
    await page.goto(url);
    await page.locator('[data-testid="entry"][data-name="keep"]').waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(ARTIFACTS, "browser-safety-files.png") });
    for (const path of ["/files/keep", "/cluster", "/health"]) {
      await page.goto(`${url}${path}`);
      await page.waitForLoadState("networkidle").catch(() => {}); // the event stream never idles
      await Bun.sleep(500);
    }
    await page.screenshot({ path: join(ARTIFACTS, "browser-safety-health.png") });
    expect(problems).toEqual([]);
    await page.close();
  });

  test("a page on another site sends the no-cors POSTs and the JSON-in-a-form POST: nothing changes, the node stays up", async () => {
    const before = await refusedPosts();
    const page = await browser.newPage();
    await page.goto(`http://localhost:${attacker.port}/`);
    await page.waitForFunction(() => document.title === "sent", undefined, { timeout: 15_000 });
    await page.close();
    expect(await refusedPosts()).toBeGreaterThanOrEqual(before + 4);
    await Bun.sleep(3000); // a leave would have stopped the node by now
    expect(cluster.nodes[0]!.running).toBe(true);
    expect(await names("")).toEqual(["keep"]);
    expect(await (await fetch(`${url}/api/files/keep/report.txt`)).text()).toBe("precious");
  });

  test("a DNS-rebound name reaches the node's address but gets 421, not the UI or the files", async () => {
    const page = await browser.newPage();
    for (const path of ["/", "/api/files/keep/report.txt", "/dav/keep/report.txt"]) {
      const res = await page.goto(`http://rebind.test:${port}${path}`);
      expect({ path, status: res?.status() }).toEqual({ path, status: 421 });
      expect(await page.content()).not.toContain("precious");
    }
    await page.close();
  });

  test("a user's HTML file opened through WebDAV (served as text/html) runs no script", async () => {
    const evil = `<!doctype html><title>evil</title><h1>static</h1><script>
      document.title = "script ran";
      fetch("/api/mkdir", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ path: "/evil-ran" }) });
    </script>`;
    expect((await put(url, "web/evil.html", evil)).status).toBe(201);
    const page = await browser.newPage();
    const res = await page.goto(`${url}/dav/web/evil.html`);
    expect(res?.headers()["content-type"]).toContain("text/html");
    expect(await page.textContent("h1")).toBe("static");
    await Bun.sleep(1000);
    expect(await page.title()).toBe("evil");
    await page.close();
    expect(await names("")).toEqual(["keep", "web"]);
  });
});
