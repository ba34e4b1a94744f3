import { describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { csrfGuard, judgeRequest, sameOrigin } from "./csrf.ts";

const HOST = "127.0.0.1:3000";
const judge = (method: string, headers: Record<string, string>) => judgeRequest(method, new Headers({ host: HOST, ...headers }));
const code = (v: ReturnType<typeof judgeRequest>) => (v.ok ? "ok" : v.code);

describe("sameOrigin", () => {
  test("the origin of the Host the request was sent to, http or https, default ports optional", () => {
    expect(sameOrigin("http://127.0.0.1:3000", "127.0.0.1:3000")).toBe(true);
    expect(sameOrigin("https://nas.example", "nas.example")).toBe(true);
    expect(sameOrigin("http://nas.example", "nas.example:80")).toBe(true);
    expect(sameOrigin("http://[::1]:3000", "[::1]:3000")).toBe(true);
    expect(sameOrigin("http://LOCALHOST:3000", "localhost:3000")).toBe(true);
  });

  test("another host, port or scheme, 'null', or a URL that is more than an origin is not", () => {
    expect(sameOrigin("http://127.0.0.1:3001", "127.0.0.1:3000")).toBe(false);
    expect(sameOrigin("http://localhost:3000", "127.0.0.1:3000")).toBe(false);
    expect(sameOrigin("https://nas.example", "nas.example:80")).toBe(false);
    expect(sameOrigin("null", "127.0.0.1:3000")).toBe(false);
    expect(sameOrigin("file://", "127.0.0.1:3000")).toBe(false);
    expect(sameOrigin("http://127.0.0.1:3000/x", "127.0.0.1:3000")).toBe(false);
    expect(sameOrigin("http://127.0.0.1:3000", undefined)).toBe(false);
  });
});

describe("judgeRequest", () => {
  test("GET, HEAD and OPTIONS are never refused, whoever sends them", () => {
    for (const m of ["GET", "HEAD", "OPTIONS"]) {
      expect(code(judge(m, { origin: "https://attacker.example", "sec-fetch-site": "cross-site" }))).toBe("ok");
    }
  });

  test("the simple cross-site POST of the report (no-cors, text/plain) is refused", () => {
    const v = judge("POST", { origin: "https://attacker.example", "sec-fetch-site": "cross-site", "content-type": "text/plain;charset=UTF-8" });
    expect(code(v)).toBe("cross_origin_refused");
  });

  test("any method that changes something is refused from another origin or site", () => {
    for (const m of ["POST", "PUT", "DELETE", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK"]) {
      expect({ m, v: code(judge(m, { origin: "http://localhost:3000", "content-type": "application/json" })) }).toEqual({ m, v: "cross_origin_refused" });
      expect({ m, v: code(judge(m, { "sec-fetch-site": "same-site", "content-type": "application/json" })) }).toEqual({ m, v: "cross_origin_refused" });
      expect({ m, v: code(judge(m, { origin: "null", "content-type": "application/json" })) }).toEqual({ m, v: "cross_origin_refused" });
    }
  });

  test("the web UI's own requests pass: same origin, Sec-Fetch-Site same-origin, JSON or octet-stream", () => {
    const ui = { origin: `http://${HOST}`, "sec-fetch-site": "same-origin" };
    expect(code(judge("POST", { ...ui, "content-type": "application/json" }))).toBe("ok");
    expect(code(judge("PUT", { ...ui, "content-type": "application/octet-stream" }))).toBe("ok");
    expect(code(judge("DELETE", ui))).toBe("ok");
  });

  test("clients without Origin (curl, the CLI, peers, WebDAV tools) pass, except a POST with a form-like body", () => {
    expect(code(judge("PUT", {}))).toBe("ok");
    expect(code(judge("PROPFIND", { "content-type": "text/xml" }))).toBe("ok");
    expect(code(judge("POST", { "content-type": "application/json; charset=utf-8" }))).toBe("ok");
    expect(code(judge("POST", {}))).toBe("csrf_content_type");
    for (const t of ["text/plain", "Text/Plain; charset=utf-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      expect({ t, v: code(judge("POST", { "content-type": t })) }).toEqual({ t, v: "csrf_content_type" });
    }
  });

  test("X-Orrery-Request: 1 lets a POST through whatever its body type (no page can send it cross-origin unpreflighted)", () => {
    expect(code(judge("POST", { "x-orrery-request": "1" }))).toBe("ok");
    expect(code(judge("POST", { "content-type": "text/plain", "x-orrery-request": "1" }))).toBe("ok");
    expect(code(judge("POST", { "content-type": "text/plain", "x-orrery-request": "yes" }))).toBe("csrf_content_type");
  });
});

describe("csrfGuard middleware", () => {
  const app = new Hono();
  app.use(csrfGuard());
  app.post("/api/mkdir", (c) => c.json({ created: true }, 201));
  app.all("/dav/*", (c) => c.body(null, 201));

  test("refuses with 403 JSON {error, code} on the API", async () => {
    const res = await app.request("http://127.0.0.1:3000/api/mkdir", {
      method: "POST",
      body: '{"path":"pwned"}',
      headers: { host: HOST, origin: "https://attacker.example", "content-type": "text/plain" },
    });
    expect(res.status).toBe(403);
    const body = (await res.json()) as { error: string; code: string };
    expect(body.code).toBe("cross_origin_refused");
    expect(body.error).toContain("https://attacker.example");
  });

  test("names the fix for a POST without a JSON type", async () => {
    const res = await app.request("http://127.0.0.1:3000/api/mkdir", { method: "POST", body: "{}", headers: { host: HOST } });
    expect(res.status).toBe(403);
    const body = (await res.json()) as { error: string; code: string };
    expect(body.code).toBe("csrf_content_type");
    expect(body.error).toContain("application/json");
  });

  test("refuses in WebDAV's plain style on /dav/", async () => {
    const res = await app.request("http://127.0.0.1:3000/dav/x", { method: "MKCOL", headers: { host: HOST, "sec-fetch-site": "cross-site" } });
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toContain("text/plain");
  });

  test("lets the UI's and curl's requests through", async () => {
    const ui = await app.request("http://127.0.0.1:3000/api/mkdir", {
      method: "POST",
      body: "{}",
      headers: { host: HOST, origin: `http://${HOST}`, "content-type": "application/json" },
    });
    expect(ui.status).toBe(201);
    expect((await app.request("http://127.0.0.1:3000/dav/x", { method: "MKCOL", headers: { host: HOST } })).status).toBe(201);
  });
});
