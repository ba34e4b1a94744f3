import { describe, expect, test } from "bun:test";
import { canonicalMeta, contentTypeFor, metaFromHeaders, metaProblem, metaToHeaders, withInferredType } from "./object-meta.ts";

describe("object metadata", () => {
  test("headers in, the same headers out: standard ones by name, user metadata under its prefix", () => {
    const meta = metaFromHeaders(
      [["Content-Type", " text/plain "], ["X-Amz-Meta-Colour", "blue"], ["x-amz-meta-", "no name"], ["authorization", "secret"]],
      "x-amz-meta-",
    );
    expect(meta).toEqual({ contentType: "text/plain", user: { colour: "blue" } });
    expect(metaToHeaders(meta, "x-orrery-meta-")).toEqual([["content-type", "text/plain"], ["x-orrery-meta-colour", "blue"]]);
    expect(metaFromHeaders([["accept", "*/*"]], "x-amz-meta-")).toBeUndefined();
  });

  test("refused: control characters, reserved or non-token names, more than 2 KB of user metadata in UTF-8 bytes", () => {
    expect(metaProblem({ contentType: "text/html\r\nset-cookie: a=b" })).toContain("control");
    expect(metaProblem({ user: JSON.parse('{"__proto__": "x"}') })).toContain("reserved");
    expect(metaProblem({ user: { "a b": "x" } })).toBeDefined();
    expect(metaProblem({ user: { a: "é".repeat(1023) } })).toBeUndefined(); // 1 + 2046 bytes
    expect(metaProblem({ user: { a: "é".repeat(1024) } })).toContain("2048 bytes");
    expect(metaProblem({ cacheControl: "x".repeat(1025) })).toBeDefined();
  });

  test("tags: at most 10, unique keys of 1-128 and values of 0-256 characters of S3's set; a `__proto__` key is a key", () => {
    expect(metaProblem({ tags: [["__proto__", ""], ["Ünï code:/=+-@_.", "v a l"]] })).toBeUndefined();
    expect(metaProblem({ tags: Array.from({ length: 10 }, (_, i): [string, string] => [`k${i}`, "v".repeat(256)]) })).toBeUndefined();
    expect(metaProblem({ tags: Array.from({ length: 11 }, (_, i): [string, string] => [`k${i}`, "v"]) })).toStartWith("tags");
    expect(metaProblem({ tags: [["k".repeat(129), "v"]] })).toBeDefined();
    expect(metaProblem({ tags: [["k", "v".repeat(257)]] })).toBeDefined();
    expect(metaProblem({ tags: [["", "v"]] })).toBeDefined();
    expect(metaProblem({ tags: [["k", "a\nb"]] })).toBeDefined();
    expect(metaProblem({ tags: [["k", "1"], ["k", "2"]] })).toContain("unique");
    expect(metaProblem({ tags: [] })).toBeDefined();
  });

  test("a content type is inferred from the extension only when none was given", () => {
    expect(contentTypeFor("a/b/photo.PNG")).toBe("image/png");
    expect(contentTypeFor("a/b.d/noext")).toBeUndefined();
    expect(contentTypeFor("a/file.unknownext")).toBeUndefined();
    expect(withInferredType(undefined, "x.json")?.contentType).toStartWith("application/json");
    expect(withInferredType({ contentType: "text/plain" }, "x.json")).toEqual({ contentType: "text/plain" });
  });

  test("the canonical form does not depend on the order user metadata arrived in", () => {
    expect(canonicalMeta({ user: { a: "1", b: "2" } })).toBe(canonicalMeta({ user: { b: "2", a: "1" } }));
    expect(canonicalMeta({ user: { a: "1" } })).not.toBe(canonicalMeta({ user: { a: "2" } }));
    expect(canonicalMeta(undefined)).toBeNull();
    // Tags count: two manifests that differ only in them are not the same.
    expect(canonicalMeta({ user: { a: "1" }, tags: [["t", "1"]] })).not.toBe(canonicalMeta({ user: { a: "1" } }));
    expect(canonicalMeta({ tags: [["t", "1"]] })).not.toBe(canonicalMeta({ tags: [["t", "2"]] }));
  });
});
