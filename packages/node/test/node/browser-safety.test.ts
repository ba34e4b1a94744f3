// Browser safety on a real node's HTTP port: what a page on another site (CSRF) or on a rebound DNS
// name can make a browser send is refused and changes nothing; the UI, curl-like clients, WebDAV tools
// and the CLI still work; every response is nosniff, and a user's own files never run script.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { join } from "node:path";
import { errorSchema } from "@orrery/api";
import { getAnswer } from "../harness/api.ts";
import { put, TestCluster } from "../harness/cluster.ts";

let cluster: TestCluster;
let url: string;
let port: number;

beforeAll(async () => {
  cluster = await TestCluster.start(1, { replicationFactor: 1 });
  url = cluster.nodes[0]!.url;
  port = cluster.nodes[0]!.httpPort;
  expect((await put(url, "keep/report.txt", "precious")).status).toBe(201);
});
afterAll(async () => {
  await cluster?.stop();
});

/** What `fetch(url, {method: "POST", mode: "no-cors", body: JSON})` on https://attacker.example sends. */
const crossSite = { origin: "https://attacker.example", "sec-fetch-site": "cross-site", "sec-fetch-mode": "no-cors" };
const sameOrigin = () => ({ origin: url, "sec-fetch-site": "same-origin", "sec-fetch-mode": "cors" });
const json = { "content-type": "application/json" };
const body = async (res: Response) => errorSchema.parse(await res.json());
const list = async (dir: string) => (await getAnswer(`${url}/api/files/${dir}`, "getFile")).entries.map((e) => e.name).sort();

describe("cross-site requests change nothing", () => {
  test("simple cross-site POSTs to /api/move, /api/mkdir and /api/cluster/leave are refused; the file stays and the node stays up", async () => {
    const attempts: Array<[string, unknown]> = [
      ["/api/move", { from: "/keep/report.txt", to: "/stolen.txt" }],
      ["/api/mkdir", { path: "/pwned" }],
      ["/api/cluster/leave", {}],
    ];
    for (const [path, payload] of attempts) {
      // A string body: the runtime sends text/plain;charset=UTF-8, as the browser does for no-cors.
      const res = await fetch(`${url}${path}`, { method: "POST", body: JSON.stringify(payload), headers: crossSite });
      expect({ path, status: res.status, code: (await body(res)).code }).toEqual({ path, status: 403, code: "cross_origin_refused" });
      // The same from a browser that sends no Origin: the text/plain body alone gives it away.
      const bare = await fetch(`${url}${path}`, { method: "POST", body: JSON.stringify(payload) });
      expect({ path, status: bare.status, code: (await body(bare)).code }).toEqual({ path, status: 403, code: "csrf_content_type" });
    }
    // A leave would have stopped the node about 2 s later.
    await Bun.sleep(3000);
    expect(cluster.nodes[0]!.running).toBe(true);
    expect((await fetch(`${url}/status`)).status).toBe(200);
    expect(await list("")).toEqual(["keep"]);
    expect(await list("keep")).toEqual(["report.txt"]);
    expect(await (await fetch(`${url}/api/files/keep/report.txt`)).text()).toBe("precious");
  });

  test("PUT, DELETE and WebDAV methods from another origin are refused too", async () => {
    const tries: Array<[string, string]> = [
      ["PUT", "/api/files/keep/report.txt"],
      ["DELETE", "/api/files/keep/report.txt"],
      ["DELETE", "/dav/keep/report.txt"],
      ["MOVE", "/dav/keep/report.txt"],
      ["MKCOL", "/dav/pwned"],
    ];
    for (const [method, path] of tries) {
      const res = await fetch(`${url}${path}`, {
        method,
        body: method === "PUT" ? "overwritten" : undefined,
        headers: { origin: "http://localhost:1234", destination: `${url}/dav/stolen.txt` },
      });
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 403 });
    }
    expect(await list("")).toEqual(["keep"]);
    expect(await (await fetch(`${url}/api/files/keep/report.txt`)).text()).toBe("precious");
  });

  test("a CORS preflight is never granted", async () => {
    for (const path of ["/api/mkdir", "/api/files/x", "/dav/x"]) {
      const res = await fetch(`${url}${path}`, {
        method: "OPTIONS",
        headers: { origin: "https://attacker.example", "access-control-request-method": "PUT", "access-control-request-headers": "content-type" },
      });
      const granted = [...res.headers.keys()].filter((k) => k.startsWith("access-control-"));
      expect({ path, granted }).toEqual({ path, granted: [] });
    }
  });
});

describe("DNS rebinding: a foreign Host is refused", () => {
  test("Host: attacker.example gets 421 host_not_allowed on the files API, /status, /metrics and the UI", async () => {
    for (const path of ["/api/files/", "/api/files/keep/report.txt", "/status", "/metrics", "/api/cluster", "/"]) {
      const res = await fetch(`${url}${path}`, { headers: { host: `attacker.example:${port}` } });
      const b = await body(res);
      expect({ path, status: res.status, code: b.code }).toEqual({ path, status: 421, code: "host_not_allowed" });
      expect(b.error).toContain("ALLOWED_HOSTS");
    }
  });

  test("and on WebDAV, in WebDAV's plain style", async () => {
    for (const method of ["GET", "PROPFIND"]) {
      const res = await fetch(`${url}/dav/`, { method, headers: { host: "attacker.example", depth: "1" } });
      expect({ method, status: res.status }).toEqual({ method, status: 421 });
      expect(res.headers.get("content-type")).toContain("text/plain");
      expect(await res.text()).not.toContain("report.txt");
    }
  });

  test("the node's own names are served: its IP, localhost, a request without Host (HTTP/1.0)", async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      expect({ host, status: (await fetch(`${url}/status`, { headers: { host } })).status }).toEqual({ host, status: 200 });
    }
    const raw = await new Promise<string>((resolve, reject) => {
      const sock = connect(port, "127.0.0.1");
      let data = "";
      sock.on("data", (d) => (data += d.toString("latin1")));
      sock.on("error", reject);
      sock.on("close", () => resolve(data));
      sock.write("GET /status HTTP/1.0\r\n\r\n");
    });
    expect(raw).not.toContain("host_not_allowed");
  });
});

describe("the UI and non-browser clients still work", () => {
  test("same-origin requests, as the web UI sends them", async () => {
    const mk = await fetch(`${url}/api/mkdir`, { method: "POST", body: JSON.stringify({ path: "/ui" }), headers: { ...sameOrigin(), ...json } });
    expect(mk.status).toBe(201);
    const up = await fetch(`${url}/api/files/ui/a.txt`, { method: "PUT", body: "a", headers: { ...sameOrigin(), "content-type": "application/octet-stream" } });
    expect(up.status).toBe(201);
    const mv = await fetch(`${url}/api/move`, { method: "POST", body: JSON.stringify({ from: "/ui/a.txt", to: "/ui/b.txt" }), headers: { ...sameOrigin(), ...json } });
    expect(mv.status).toBe(200);
    expect((await fetch(`${url}/api/files/ui/b.txt`, { method: "DELETE", headers: sameOrigin() })).status).toBe(200);
    // Reached as localhost: the Origin is that name, and it matches the Host.
    const viaName = await fetch(`${url}/api/mkdir`, {
      method: "POST",
      body: JSON.stringify({ path: "/ui/x" }),
      headers: { host: `localhost:${port}`, origin: `http://localhost:${port}`, "sec-fetch-site": "same-origin", ...json },
    });
    expect(viaName.status).toBe(201);
  });

  test("curl-like requests without Origin: JSON POSTs, PUT, DELETE, WebDAV", async () => {
    expect((await fetch(`${url}/api/mkdir`, { method: "POST", body: JSON.stringify({ path: "/curl" }), headers: json })).status).toBe(201);
    // X-Orrery-Request: 1 is the other way to say "not a form".
    expect((await fetch(`${url}/api/mkdir`, { method: "POST", body: JSON.stringify({ path: "/curl2" }), headers: { "x-orrery-request": "1" } })).status).toBe(201);
    expect((await put(url, "curl/c.txt", "c")).status).toBe(201);
    expect((await fetch(`${url}/dav/curl/d`, { method: "MKCOL" })).status).toBe(201);
    expect((await fetch(`${url}/dav/curl/`, { method: "PROPFIND", headers: { depth: "1" } })).status).toBe(207);
    expect((await fetch(`${url}/api/files/curl?recursive=true`, { method: "DELETE" })).status).toBe(200);
  });
});

describe("headers", () => {
  test("nosniff on every response: API, errors, UI, WebDAV, metrics", async () => {
    const responses = await Promise.all([
      fetch(`${url}/status`),
      fetch(`${url}/api/files/`),
      fetch(`${url}/api/files/missing`),
      fetch(`${url}/no/such/route.js`),
      fetch(`${url}/`),
      fetch(`${url}/metrics`),
      fetch(`${url}/dav/`, { method: "PROPFIND", headers: { depth: "0" } }),
      fetch(`${url}/api/mkdir`, { method: "POST", body: "x" }),
    ]);
    for (const res of responses) expect({ url: res.url, nosniff: res.headers.get("x-content-type-options") }).toEqual({ url: res.url, nosniff: "nosniff" });
  });

  test("the UI's page carries a strict CSP without 'unsafe-inline' scripts, and may not be framed", async () => {
    for (const path of ["/", "/files/keep", "/cluster"]) {
      const res = await fetch(`${url}${path}`);
      expect(res.headers.get("content-type")).toContain("text/html");
      const csp = res.headers.get("content-security-policy") ?? "";
      const scriptSrc = csp.split("; ").find((d) => d.startsWith("script-src")) ?? "";
      expect({ path, scriptSrc: scriptSrc.startsWith("script-src 'self'") && !scriptSrc.includes("unsafe-inline") }).toEqual({ path, scriptSrc: true });
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("default-src 'self'");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("referrer-policy")).toBe("same-origin");
    }
  });
});

describe("user files never run script in the UI's origin", () => {
  const page = "<!doctype html><script>fetch('/api/cluster/leave', {method: 'POST'})</script><h1>hi</h1>";

  test("files API: GET, HEAD and ranges of an HTML file are sandboxed, though served as text/html; ?download=1 makes it an attachment", async () => {
    expect((await put(url, "web/evil.html", page)).status).toBe(201);
    const requests: Array<[string, RequestInit]> = [
      ["/api/files/web/evil.html", {}],
      ["/api/files/web/evil.html", { method: "HEAD" }],
      ["/api/files/web/evil.html", { headers: { range: "bytes=0-9" } }],
    ];
    for (const [path, init] of requests) {
      const res = await fetch(`${url}${path}`, init);
      expect([200, 206]).toContain(res.status);
      expect(res.headers.get("content-security-policy")?.split("; ")).toContain("sandbox");
      expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      // Its type follows its name (issue 12): a browser shows it, and the sandbox keeps it from running anything.
      expect(res.headers.get("content-type")).toStartWith("text/html");
      expect(res.headers.get("content-disposition")).toBeNull();
    }
    const dl = await fetch(`${url}/api/files/web/evil.html?download=1`);
    expect(dl.headers.get("content-disposition")).toStartWith('attachment; filename="evil.html"');
    expect(await dl.text()).toBe(page);
  });

  test("WebDAV serves the HTML file as text/html only under the sandbox, and its collection index too", async () => {
    for (const init of [{}, { headers: { range: "bytes=5-20" } }, { method: "HEAD" }] as RequestInit[]) {
      const res = await fetch(`${url}/dav/web/evil.html`, init);
      expect(res.headers.get("content-type")).toContain("text/html");
      expect(res.headers.get("content-security-policy")?.split("; ")).toContain("sandbox");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    }
    const index = await fetch(`${url}/dav/web/`);
    expect(index.headers.get("content-type")).toContain("text/html");
    expect(index.headers.get("content-security-policy")?.split("; ")).toContain("sandbox");
  });
});

describe("the CLI", () => {
  // Last: the node leaves. `orrery leave` once sent a POST without a body, which the node now refuses.
  test("orrery leave passes the checks and the node leaves", async () => {
    const cli = Bun.spawn([process.execPath, "src/main.ts", "leave", "--node", url], {
      cwd: join(import.meta.dir, "..", ".."),
      stdout: "pipe",
      stderr: "pipe",
    });
    const [out, err, code] = await Promise.all([new Response(cli.stdout).text(), new Response(cli.stderr).text(), cli.exited]);
    expect({ code, err }).toEqual({ code: 0, err: "" });
    expect(out).toContain("handing chunks off");
    expect(await cluster.nodes[0]!.proc!.exited).toBe(0);
  });
});
