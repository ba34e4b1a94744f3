import { describe, expect, test } from "bun:test";
import { pathOf, rawPathGuard } from "./raw-path-guard.ts";

describe("rawPathGuard", () => {
  test("the path is taken from the URL without parsing it, also when the host part is not a valid host", () => {
    expect(pathOf("http://127.0.0.1:3000/dav/a/b?x=1")).toBe("/dav/a/b");
    expect(pathOf("http://127.0.0.1:2Ã¢3765/api/cluster/keys/x")).toBe("/api/cluster/keys/x");
    expect(pathOf("http://host")).toBe("/");
  });

  test("a dot-segment is refused with 400 even when the Host header made the request URL unparseable", async () => {
    const routes = rawPathGuard(() => new Response("passed"));
    const check = routes["/:s0/:s1/:s2"]!;
    // What Bun hands over for `HEAD /api/%2E%2E/x` with `Host: 127.0.0.1:2â3765` (found by pnpm fuzz: a 500).
    const req = { url: "http://127.0.0.1:2Ã¢3765/api/%2E%2E/x", params: { s0: "api", s1: "..", s2: "x" } } as unknown as Request;
    expect(() => new URL(req.url)).toThrow();
    const res = await check(req, undefined as never);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe("invalid_path");
    const dav = { url: "http://127.0.0.1:2Ã¢3765/dav/%2E%2E/x", params: { s0: "dav", s1: "..", s2: "x" } } as unknown as Request;
    const davRes = await check(dav, undefined as never);
    expect(davRes.status).toBe(400);
    expect(davRes.headers.get("content-type")).toContain("text/plain");
  });
});
