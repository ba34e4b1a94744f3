// The If header: parsing (RFC 4918 §10.4 grammar) and evaluation against resource state.
import { describe, expect, test } from "bun:test";
import { evaluateIf, IfHeaderSyntaxError, parseIfHeader, type ResourceState } from "../../src/webdav/if-header.ts";

const T = "opaquelocktoken:1111";
const state = (etag: string | undefined, ...tokens: string[]): ResourceState => ({ etag, lockTokens: new Set(tokens) });

describe("parseIfHeader", () => {
  test("untagged lists with tokens, etags and Not", () => {
    expect(parseIfHeader(`(<${T}> ["abc"]) (Not <DAV:no-lock>)`)).toEqual([
      { resource: undefined, conditions: [{ not: false, kind: "token", value: T }, { not: false, kind: "etag", value: '"abc"' }] },
      { resource: undefined, conditions: [{ not: true, kind: "token", value: "DAV:no-lock" }] },
    ]);
  });

  test("tagged lists keep their resource", () => {
    const lists = parseIfHeader(`<http://h/dav/a> (<${T}>) <http://h/dav/b> (["x"]) (not ["y"])`);
    expect(lists.map((l) => l.resource)).toEqual(["http://h/dav/a", "http://h/dav/b", "http://h/dav/b"]);
    expect(lists[2]!.conditions[0]).toEqual({ not: true, kind: "etag", value: '"y"' });
  });

  test.each([
    ["", "no list"],
    ["()", "empty list"],
    [`(<${T}>`, "unterminated list"],
    [`(<${T}`, "unterminated token"],
    [`(<${T}> [ "x"`, "unterminated etag"],
    [`(<${T}>) <http://h/dav/a> (<${T}>)`, "tag after untagged"],
    [`<http://h/dav/a>`, "tag without list"],
    [`(foo)`, "garbage in a list"],
  ])("rejects %p (%s)", (header) => {
    expect(() => parseIfHeader(header)).toThrow(IfHeaderSyntaxError);
  });
});

describe("evaluateIf", () => {
  const locked = () => state('"e1"', T);

  test("a list naming the covering lock's token passes and submits it", () => {
    const r = evaluateIf(parseIfHeader(`(<${T}>)`), locked);
    expect(r.passed).toBe(true);
    expect([...r.submittedTokens]).toEqual([T]);
  });

  test("a wrong etag fails the list (412), even with the right token", () => {
    expect(evaluateIf(parseIfHeader(`(<${T}> ["e2"])`), locked).passed).toBe(false);
  });

  test("a corrupt token next to (Not <DAV:no-lock>) passes but submits nothing (423 follows)", () => {
    const r = evaluateIf(parseIfHeader(`(<${T}x>) (Not <DAV:no-lock>)`), locked);
    expect(r.passed).toBe(true);
    expect(r.submittedTokens.size).toBe(0);
  });

  test("litmus complex_cond_put and fail_complex_cond_put", () => {
    expect(evaluateIf(parseIfHeader(`(<${T}> ["e1"]) (Not <DAV:no-lock> ["e1"])`), locked).passed).toBe(true);
    expect(evaluateIf(parseIfHeader(`(<${T}> ["e9"]) (Not <DAV:no-lock> ["e9"])`), locked).passed).toBe(false);
  });

  test("a token never matches an unlocked resource; an etag never matches a missing one", () => {
    expect(evaluateIf(parseIfHeader(`(<${T}>)`), () => state('"e1"')).passed).toBe(false);
    expect(evaluateIf(parseIfHeader(`(["e1"])`), () => state(undefined)).passed).toBe(false);
    expect(evaluateIf(parseIfHeader(`(Not ["e1"])`), () => state(undefined)).passed).toBe(true);
  });

  test("W/ on either side is tolerated in the etag comparison", () => {
    expect(evaluateIf(parseIfHeader(`([W/"e1"])`), locked).passed).toBe(true);
  });

  test("tagged lists are evaluated against their own resource", () => {
    const seen: Array<string | undefined> = [];
    const r = evaluateIf(parseIfHeader(`<http://h/dav/coll/> (<${T}>)`), (res) => {
      seen.push(res);
      return res === "http://h/dav/coll/" ? locked() : state(undefined);
    });
    expect(seen).toEqual(["http://h/dav/coll/"]);
    expect(r.passed).toBe(true);
  });
});
