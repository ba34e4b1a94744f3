import { describe, expect, test } from "bun:test";
import { MAX_DEPTH, refuseDotSegments } from "./raw-path-guard.ts";

describe("refuseDotSegments", () => {
  test("targets without dot-segments pass", () => {
    for (const t of ["/", "/api/files/a/b", "/api/files/a/b/", "/api/files/..a/b.", "/api/files/.hidden", "/x?p=../y", "/a//b", "/api/files/%2e%2ex", "/a/%zz"]) {
      expect({ t, refused: refuseDotSegments(t) }).toEqual({ t, refused: undefined });
    }
  });

  test("'.' and '..' segments, raw or percent-encoded in any case, are refused with invalid_path", async () => {
    for (const t of ["/api/files/a/../b", "/api/files/a/%2e%2e/b", "/api/files/./b", "/api/files/.%2E/b", "/api/files/x/..", "/api/files/x/./", "/%2E?q", "http://h:1/api/../x"]) {
      const res = refuseDotSegments(t);
      expect({ t, status: res?.status }).toEqual({ t, status: 400 });
      expect(res!.headers.get("x-content-type-options")).toBe("nosniff");
      expect(await res!.json()).toEqual({ error: "the URL has a '.' or '..' segment; such paths are refused, not resolved", code: "invalid_path" });
    }
  });

  test("under /dav the refusal is plain text", async () => {
    const res = refuseDotSegments("/dav/a/../b")!;
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await res.text()).toBe("the URL has a '.' or '..' segment; such paths are refused, not resolved\n");
  });

  test(`targets deeper than ${MAX_DEPTH} segments are refused`, async () => {
    expect(refuseDotSegments("/a".repeat(MAX_DEPTH))).toBeUndefined();
    const res = refuseDotSegments("/a".repeat(MAX_DEPTH + 1))!;
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe(`the URL has more than ${MAX_DEPTH} segments`);
  });
});
