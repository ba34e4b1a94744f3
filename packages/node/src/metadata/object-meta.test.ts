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
  });
});
