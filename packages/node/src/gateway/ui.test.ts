import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hono } from "hono";
import { resolveUiSource, uiRoutes } from "./ui.ts";

const dir = mkdtempSync(join(tmpdir(), "orrery-ui-"));
mkdirSync(join(dir, "_app", "immutable"), { recursive: true });
const BOOT = "<script>start()</script>";
writeFileSync(join(dir, "index.html"), `<!doctype html><title>ui</title>${BOOT}`);
writeFileSync(join(dir, "_app", "immutable", "app.abc.js"), "console.log(1)");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function app() {
  const a = new Hono();
  a.get("/api/thing", (c) => c.json({ api: true }));
  a.route("/", uiRoutes(resolveUiSource(dir, {}), () => "placeholder"));
  a.notFound((c) => c.json({ code: "no_route" }, 404));
  return a;
}

test("serves the build, falls back to index.html for app routes, leaves the API alone", async () => {
  const a = app();
  const root = await a.request("/");
  expect(root.headers.get("content-type")).toContain("text/html");
  expect(await root.text()).toContain("<title>ui</title>");
  const deep = await a.request("/files/photos/2026");
  expect(await deep.text()).toContain("<title>ui</title>");
  const asset = await a.request("/_app/immutable/app.abc.js");
  expect(asset.headers.get("content-type")).toContain("javascript");
  expect(asset.headers.get("cache-control")).toContain("immutable");
  expect((await a.request("/_app/immutable/missing.js")).status).toBe(404);
  expect(await (await a.request("/api/thing")).json()).toEqual({ api: true });
  expect((await a.request("/api/nothing")).status).toBe(404);
});

test("the UI's pages carry a CSP naming their inline scripts' hashes; assets do not need one", async () => {
  const a = app();
  const hash = `'sha256-${new Bun.CryptoHasher("sha256").update("start()").digest("base64")}'`;
  for (const path of ["/", "/index.html", "/files/deep/path"]) {
    const res = await a.request(path);
    expect({ path, csp: res.headers.get("content-security-policy") }).toEqual({ path, csp: expect.stringContaining(`script-src 'self' ${hash}`) });
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("referrer-policy")).toBe("same-origin");
    expect(await res.text()).toContain(BOOT);
  }
  expect((await a.request("/_app/immutable/app.abc.js")).headers.get("content-security-policy")).toBeNull();
  const placeholder = new Hono().route("/", uiRoutes({ kind: "none" }, () => "no ui here"));
  expect((await placeholder.request("/")).headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
});

test("without a build, a placeholder page says how to get one", async () => {
  const a = new Hono();
  a.route("/", uiRoutes({ kind: "none" }, () => "no ui here"));
  expect(await (await a.request("/")).text()).toBe("no ui here");
});
