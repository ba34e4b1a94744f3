import { describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { HostAllowList, hostCheck, hostNameOf } from "./host-check.ts";

describe("hostNameOf", () => {
  test("drops the port and a final dot, lower-cases, keeps IPv6 brackets", () => {
    expect(hostNameOf("Example.COM:3000")).toBe("example.com");
    expect(hostNameOf("localhost.")).toBe("localhost");
    expect(hostNameOf("[::1]:3000")).toBe("[::1]");
    expect(hostNameOf("[fe80::1]")).toBe("[fe80::1]");
  });

  test("malformed headers have no name", () => {
    for (const h of ["", ":3000", "a:b", "a:3000:1", "[::1", "[::1]x", "host:99999999"]) expect({ h, name: hostNameOf(h) }).toEqual({ h, name: undefined });
  });
});

describe("HostAllowList", () => {
  const list = new HostAllowList(["0.0.0.0", "n1", "nas.home.arpa", "*.example.com"], "Box");

  test("IP literals with any port, localhost and its subdomains are always allowed", () => {
    for (const h of ["127.0.0.1", "127.0.0.1:3000", "192.168.1.20:8080", "[::1]:3000", "[fd00::12]", "localhost", "localhost:3000", "app.localhost:5173"]) {
      expect({ h, ok: list.allows(h) }).toEqual({ h, ok: true });
    }
  });

  test("this machine's hostname, <hostname>.local, the configured names and wildcards are allowed", () => {
    for (const h of ["box", "BOX:3000", "box.local", "n1:3000", "nas.home.arpa", "a.example.com", "a.b.example.com:443"]) {
      expect({ h, ok: list.allows(h) }).toEqual({ h, ok: true });
    }
  });

  test("any other name is refused: that is what a DNS-rebinding page sends", () => {
    for (const h of ["attacker.example", "attacker.example:3000", "example.com", "evilexample.com", "n1.attacker.example", "box.attacker.example", "localhost.attacker.example", "[not-an-ip]", "127.0.0.1.nip.io", "x"]) {
      expect({ h, ok: list.allows(h) }).toEqual({ h, ok: false });
    }
  });

  test("a request without Host (HTTP/1.0) is served; '*' allows every name", () => {
    expect(list.allows(undefined)).toBe(true);
    expect(new HostAllowList(["*"], "box").allows("anything.example")).toBe(true);
  });
});

describe("hostCheck middleware", () => {
  const app = new Hono();
  app.use(hostCheck(new HostAllowList(["nas.home.arpa"], "box")));
  app.get("/status", (c) => c.json({ ok: true }));
  app.all("/dav/*", (c) => c.text("dav"));

  test("answers 421 host_not_allowed naming the host and the ALLOWED_HOSTS fix", async () => {
    const res = await app.request("http://attacker.example:3000/status", { headers: { host: "attacker.example:3000" } });
    expect(res.status).toBe(421);
    const body = (await res.json()) as { error: string; code: string };
    expect(body.code).toBe("host_not_allowed");
    expect(body.error).toContain('"attacker.example"');
    expect(body.error).toContain("ALLOWED_HOSTS");
  });

  test("WebDAV paths get a plain-text refusal, not the files API's JSON", async () => {
    const res = await app.request("http://attacker.example/dav/a", { method: "PROPFIND", headers: { host: "attacker.example" } });
    expect(res.status).toBe(421);
    expect(res.headers.get("content-type")).toContain("text/plain");
    expect(await res.text()).toContain("ALLOWED_HOSTS");
  });

  test("allowed names pass through", async () => {
    for (const host of ["127.0.0.1:3000", "nas.home.arpa:3000", "localhost"]) {
      const res = await app.request(`http://${host}/status`, { headers: { host } });
      expect({ host, status: res.status }).toEqual({ host, status: 200 });
    }
  });
});
