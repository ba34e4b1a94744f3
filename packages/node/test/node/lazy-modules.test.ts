// What a node loads at start and what waits for its first request (docs/architecture.md, Lazy loading): the S3 API
// and WebDAV are not in the module graph of a started node until a request needs them, and then they answer.
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { Hono } from "hono";
import { startS3Api } from "../../src/s3/index.ts";
import { lazyWebdavRoutes } from "../../src/webdav/lazy-routes.ts";
import type { WebdavHandlers } from "../../src/webdav/routes.ts";
import { lazy } from "../../src/util/lazy.ts";
import { loadConfig } from "../../src/config/index.ts";
import { logger } from "../../src/log.ts";
import type { S3Listener } from "../../src/s3/listener.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { freePort } from "../harness/ports.ts";

const src = join(import.meta.dir, "..", "..", "src");

describe("a node's module graph at start", () => {
  test("holds neither the S3 API nor WebDAV (nor the XML and form parsers only they use)", () => {
    // A fresh process: this test's own imports would otherwise be in the registry.
    const script = `await import(${JSON.stringify(join(src, "node.ts"))}); console.log(JSON.stringify(Object.keys(require.cache)));`;
    const proc = Bun.spawnSync([process.execPath, "-e", script], { stdout: "pipe", stderr: "pipe" });
    expect(proc.exitCode).toBe(0);
    const loaded: string[] = JSON.parse(proc.stdout.toString());
    expect(loaded.some((k) => k.endsWith("/src/node-gateway.ts"))).toBe(true); // the graph was read at all
    const eager = loaded.filter((k) => /\/src\/s3\/(server|objects|multipart|sigv4)\.ts$|\/src\/webdav\/(routes|propfind|locking)\.ts$|@xmldom|busboy/.test(k));
    expect(eager).toEqual([]);
  });
});

describe("lazy", () => {
  test("loads once for concurrent first calls, and again after a failed load", async () => {
    let calls = 0;
    let fail = true;
    const value = lazy(async () => {
      calls++;
      await Bun.sleep(5);
      if (fail) throw new Error("load failed");
      return calls;
    });
    expect(value.loaded).toBe(false);
    const first = await Promise.allSettled([value.get(), value.get()]);
    expect(first.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(calls).toBe(1);
    fail = false;
    expect(await Promise.all([value.get(), value.get()])).toEqual([2, 2]);
    expect(value.loaded).toBe(true);
    expect(await value.get()).toBe(2);
    expect(calls).toBe(2);
  });
});

describe("WebDAV's routes", () => {
  test("load their module on the first /dav/ request and answer it with the context the gateway's middleware set", async () => {
    let loads = 0;
    const handlers: WebdavHandlers = {
      dav: async (c) => new Response(`${c.req.method} ${c.req.path} as ${c.get("who" as never)}`, { status: 207 }),
      rootOptions: () => new Response(null, { status: 200, headers: { dav: "1, 2" } }),
    };
    const { app: dav, handlers: loaded } = lazyWebdavRoutes({} as never, async () => {
      loads++;
      return handlers;
    });
    const app = new Hono();
    app.use(async (c, next) => {
      c.set("who" as never, "alice" as never);
      await next();
    });
    app.route("/", dav);
    app.get("*", (c) => c.text("ui"));
    expect((await app.request("/index.html")).status).toBe(200);
    expect(loaded.loaded).toBe(false);
    const [a, b] = await Promise.all([app.request("/dav/x", { method: "PROPFIND" }), app.request("/dav", { method: "PROPFIND" })]);
    expect([a.status, await a.text()]).toEqual([207, "PROPFIND /dav/x as alice"]);
    expect([b.status, await b.text()]).toEqual([207, "PROPFIND /dav as alice"]);
    expect((await app.request("/", { method: "OPTIONS" })).headers.get("dav")).toBe("1, 2");
    expect(loads).toBe(1);
    expect(loaded.loaded).toBe(true);
  });
});

describe("the S3 port", () => {
  const dir = mkdtempSync(join(tmpdir(), "orrery-lazy-s3-"));
  let s3: S3Listener | undefined;
  afterAll(async () => {
    await s3?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("is bound at start and loads the S3 API with its first request, which it answers in S3's format", async () => {
    const config = loadConfig({ DATA_DIR: dir, S3_PORT: String(await freePort()), S3_ACCESS_KEY: "lazy-key", S3_SECRET_KEY: "lazy-secret-0123456789" });
    // No file system and no accounts: an unsigned request is refused before the API would look at them. (Only the
    // upload buffers are met at construction: S3's parts ahead of their turn register their relief there.)
    const fs = { chunkBuffers: { addRelief: () => {} } };
    s3 = await startS3Api(config, { log: logger("s3"), fs } as never, undefined, () => {});
    expect(s3?.port).toBeGreaterThan(0);
    expect(s3!.handler.loaded).toBe(false);
    const res = await fetch(`http://127.0.0.1:${s3!.port}/`);
    // Unsigned: refused by the S3 API itself, in its XML.
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toBe("application/xml");
    expect(await res.text()).toContain("<Code>AccessDenied</Code>");
    expect(s3!.handler.loaded).toBe(true);
  });
});
