// Share links on a real two-node cluster that requires logins: made by someone who may read the file or
// folder, opened by anyone without an account (a page, a listing, the bytes as an attachment, the UI's
// safety headers), never a way out of what it shares or a way to write, and dead at once on every node
// once revoked or expired.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { request } from "node:http";
import { TestCluster } from "../harness/cluster.ts";

const ADMIN = "admin password 1";
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const alice = basic("alice", "alice password");

let cluster: TestCluster;
const url = (node: number) => cluster.nodes[node]!.url;

async function call(method: string, path: string, auth: string | undefined, body?: unknown, node = 0) {
  return fetch(`${url(node)}${path}`, {
    method,
    headers: { ...(auth ? { authorization: auth } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function put(path: string, content: string) {
  const res = await call("PUT", `/api/files${path}`, alice, content);
  if (res.status !== 201) throw new Error(`PUT ${path}: ${res.status}`);
}

async function makeLink(path: string, extra: Record<string, unknown> = {}, auth = alice): Promise<{ id: string; url: string; expiresAt: number }> {
  const res = await call("POST", "/api/links", auth, { path, ...extra });
  if (res.status !== 201) throw new Error(`POST /api/links ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; url: string; expiresAt: number };
}

/** A GET sent with the target exactly as written (fetch would resolve dot-segments before sending). */
function rawGet(node: number, target: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url(node));
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path: target, method: "GET" }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

const pathOf = (link: { url: string }) => new URL(link.url).pathname;

beforeAll(async () => {
  cluster = await TestCluster.start(2, {
    replicationFactor: 2, env: { AUTH: "required", ADMIN_PASSWORD: ADMIN, SHARE_LINK_MAX_DAYS: "10" }, headers: { authorization: basic("admin", ADMIN) },
  });
  for (const name of ["alice", "bob"]) {
    const res = await call("POST", "/api/users", basic("admin", ADMIN), { name, password: `${name} password` });
    if (res.status !== 201) throw new Error(`adding ${name}: ${res.status}`);
  }
  await put("/home/alice/report <draft>.txt", "the report");
  await put("/home/alice/album/a.jpg", "jpeg bytes");
  await put("/home/alice/album/sub/b.txt", "b in sub");
  await put("/home/alice/private.txt", "PRIVATE");
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
});

describe("share links", () => {
  test("a file's link opens without a login on every node: a page with name and size, then the bytes as an attachment", async () => {
    const link = await makeLink("/home/alice/report <draft>.txt");
    expect(link.url).toStartWith(`${url(0)}/s/`);
    expect(link.expiresAt - Date.now()).toBeGreaterThan(7 * 86_400_000 - 60_000); // 7 days by default
    for (const node of [0, 1]) {
      const page = await fetch(`${url(node)}${pathOf(link)}`);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
      expect(page.headers.get("x-content-type-options")).toBe("nosniff");
      expect(page.headers.get("referrer-policy")).toBe("no-referrer");
      const html = await page.text();
      expect(html).toContain("report &#60;draft&#62;.txt"); // the name, escaped
      expect(html).toContain("10 B");
      expect(html).not.toContain("<script");
    }
    const file = await fetch(`${url(1)}${pathOf(link)}?download=1`);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-disposition")).toStartWith("attachment;");
    expect(file.headers.get("content-security-policy")).toStartWith("sandbox");
    expect(await file.text()).toBe("the report");
    const head = await fetch(`${url(0)}${pathOf(link)}?download=1`, { method: "HEAD" });
    expect([head.status, head.headers.get("content-length")]).toEqual([200, "10"]);
    // Nothing below a file's link.
    expect((await fetch(`${url(0)}${pathOf(link)}/x`)).status).toBe(404);
  });

  test("a folder's link lists it and its subfolders, each file downloadable; nothing outside it, however spelled", async () => {
    const link = await makeLink("/home/alice/album");
    const base = pathOf(link);
    const top = await (await fetch(`${url(1)}${base}`)).text();
    expect(top).toContain(`href="${base}/a.jpg?download=1"`);
    expect(top).toContain(`href="${base}/sub/"`);
    const sub = await fetch(`${url(0)}${base}/sub/`);
    expect(await sub.text()).toContain(`href="${base}/sub/b.txt?download=1"`);
    expect(await (await fetch(`${url(0)}${base}/sub/b.txt?download=1`)).text()).toBe("b in sub");
    for (const tail of ["/../private.txt", "/%2e%2e/private.txt", "/%2E%2E/private.txt", "/..%2fprivate.txt", "/%2e%2e%2fprivate.txt", "/sub%2f..%2f..%2fprivate.txt", "/sub/..%5c..%5cprivate.txt", "/%2fhome%2falice%2fprivate.txt"]) {
      for (const q of ["", "?download=1"]) {
        const res = await rawGet(0, `${base}${tail}${q}`);
        expect([400, 404], `${tail}${q}: ${res.status}`).toContain(res.status);
        expect(res.body).not.toContain("PRIVATE");
      }
    }
  });

  test("a link writes nothing: PUT, POST and DELETE through it change no file", async () => {
    const link = await makeLink("/home/alice/album");
    const base = pathOf(link);
    for (const method of ["PUT", "POST", "DELETE", "PATCH"]) {
      const res = await fetch(`${url(0)}${base}/a.jpg`, { method, body: method === "DELETE" ? undefined : "overwritten" });
      expect(res.status, method).toBeGreaterThanOrEqual(400);
      const planted = await fetch(`${url(0)}${base}/new.txt`, { method, body: method === "DELETE" ? undefined : "planted" });
      expect(planted.status, method).toBeGreaterThanOrEqual(400);
    }
    expect(await (await call("GET", "/api/files/home/alice/album/a.jpg", alice)).text()).toBe("jpeg bytes");
    expect((await call("GET", "/api/files/home/alice/album/new.txt", alice)).status).toBe(404);
  });

  test("revoked on one node, a link is 410 on the other at once; an altered token is 404; a browser gets a page", async () => {
    const link = await makeLink("/home/alice/album");
    expect((await fetch(`${url(1)}${pathOf(link)}`)).status).toBe(200);
    const token = pathOf(link).slice(3);
    const altered = `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`;
    expect((await fetch(`${url(1)}/s/${altered}`)).status).toBe(404);
    expect((await fetch(`${url(1)}/s/0123`)).status).toBe(404);
    const bobs = await call("DELETE", `/api/links/${link.id}`, basic("bob", "bob password"));
    expect(bobs.status).toBe(404); // not his
    expect((await call("DELETE", `/api/links/${link.id}`, alice)).status).toBe(200);
    const gone = await fetch(`${url(1)}${pathOf(link)}/sub/b.txt?download=1`);
    expect(gone.status).toBe(410);
    expect(((await gone.json()) as { code: string }).code).toBe("link_revoked");
    const page = await fetch(`${url(1)}${pathOf(link)}`, { headers: { accept: "text/html" } });
    expect(page.status).toBe(410);
    expect(await page.text()).toContain("This link no longer works");
    const listed = (await (await call("GET", "/api/links", alice)).json()) as { links: Array<{ id: string }> };
    expect(listed.links.map((l) => l.id)).not.toContain(link.id);
  });

  test("a link stops when it expires, on every node; longer than SHARE_LINK_MAX_DAYS is refused", async () => {
    const link = await makeLink("/home/alice/private.txt", { expiresInSeconds: 2 });
    expect((await fetch(`${url(1)}${pathOf(link)}?download=1`)).status).toBe(200);
    await Bun.sleep(Math.max(0, link.expiresAt - Date.now()) + 100);
    for (const node of [0, 1]) {
      const res = await fetch(`${url(node)}${pathOf(link)}?download=1`);
      expect(res.status).toBe(410);
      expect(((await res.json()) as { code: string }).code).toBe("link_expired");
    }
    expect((await call("POST", "/api/links", alice, { path: "/home/alice/private.txt", expiresInSeconds: 11 * 86_400 })).status).toBe(400);
    expect((await call("POST", "/api/links", alice, { path: "/home/alice/private.txt", expiresInSeconds: 10 * 86_400 })).status).toBe(201);
  });

  test("only someone who may read it makes a link; a link ends when its maker may no longer read", async () => {
    expect((await call("POST", "/api/links", basic("bob", "bob password"), { path: "/home/alice/private.txt" })).status).toBe(403);
    expect((await call("POST", "/api/links", undefined, { path: "/home/alice/private.txt" })).status).toBe(401);
    expect((await call("POST", "/api/links", alice, { path: "/home/alice/nothing-here.txt" })).status).toBe(404);
    expect((await call("POST", "/api/links", alice, { path: "/home" })).status).toBe(403); // a folder on the way is not hers
    // Bob links to what alice shared with him; when she ends the share, his link ends too.
    const shared = await call("POST", "/api/shares", alice, { path: "/home/alice/album", user: "bob" });
    const share = (await shared.json()) as { id: string };
    const link = await makeLink("/home/alice/album/a.jpg", {}, basic("bob", "bob password"));
    expect(await (await fetch(`${url(0)}${pathOf(link)}?download=1`)).text()).toBe("jpeg bytes");
    expect((await call("DELETE", `/api/shares/${share.id}`, alice)).status).toBe(200);
    expect((await fetch(`${url(1)}${pathOf(link)}?download=1`)).status).toBe(410);
  });
});
