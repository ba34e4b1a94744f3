import { describe, expect, test } from "bun:test";
import { OrreryError } from "../errors.ts";
import { compareNames, isCanonicalPath, isWithin, joinPath, nameOf, normalizePath, parentOf } from "./path.ts";

function rejects(raw: string, reason: RegExp) {
  let caught: unknown;
  try {
    normalizePath(raw);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(OrreryError);
  const e = caught as OrreryError;
  expect(e.status).toBe(400);
  expect(e.code).toBe("invalid_path");
  expect(e.message).toMatch(reason);
}

describe("normalizePath", () => {
  test("accepts canonical paths unchanged", () => {
    for (const p of ["a", "a/b/c", "photos/2024/IMG 001.jpg", "ünïcødé/日本語/🎉", ".hidden/..x/x..", "a b/ c "]) {
      expect(normalizePath(p)).toBe(p);
      expect(isCanonicalPath(p)).toBe(true);
    }
  });

  test("the root is the empty string; one trailing slash is dropped", () => {
    expect(normalizePath("")).toBe("");
    expect(normalizePath("a/b/")).toBe("a/b");
    expect(isCanonicalPath("a/b/")).toBe(false);
  });

  test("rejects dot segments", () => {
    rejects("..", /'\.\.'/);
    rejects("a/../b", /'\.\.'/);
    rejects("a/.", /'\.'/);
    rejects("./a", /'\.'/);
  });

  test("rejects empty segments and absolute paths", () => {
    rejects("a//b", /empty segment/);
    rejects("a//", /empty segment/);
    rejects("/a", /absolute/);
    rejects("/", /absolute/);
  });

  test("rejects control characters and backslashes", () => {
    rejects("a\0b", /control/);
    rejects("a\nb", /control/);
    rejects("tab\there", /control/);
    rejects("del\x7f", /control/);
    rejects("c1\u0085", /control/);
    rejects("a\\b", /backslash/);
  });

  test("rejects lone surrogates", () => {
    rejects("a\ud800b", /surrogate/);
    rejects("x/\udc00", /surrogate/);
  });

  test("limits segments to 255 and paths to 1024 UTF-8 bytes", () => {
    expect(normalizePath("x".repeat(255))).toHaveLength(255);
    rejects("x".repeat(256), /segment.*255/);
    // 'é' is 2 bytes in UTF-8: 128 of them is 256 bytes in 128 UTF-16 units.
    rejects("é".repeat(128), /segment.*255/);
    const longest = Array.from({ length: 8 }, () => "y".repeat(127)).join("/"); // 8*127 + 7 = 1023
    expect(normalizePath(`${longest}z`)).toHaveLength(1024);
    rejects(`${longest}zz`, /1024/);
    rejects(Array.from({ length: 5 }, () => "日".repeat(80)).join("/"), /1024/); // 5*240 + 4 bytes
    rejects("a/".repeat(100_000), /1024/);
  });
});

describe("path helpers", () => {
  test("parentOf and nameOf", () => {
    expect(parentOf("a/b/c")).toBe("a/b");
    expect(parentOf("a")).toBe("");
    expect(nameOf("a/b/c")).toBe("c");
    expect(nameOf("a")).toBe("a");
    expect(nameOf("")).toBe("");
    expect(() => parentOf("")).toThrow(/root has no parent/);
  });

  test("joinPath joins and validates", () => {
    expect(joinPath("a", "b/c")).toBe("a/b/c");
    expect(joinPath("", "x")).toBe("x");
    expect(joinPath("a/", "b")).toBe("a/b");
    expect(joinPath()).toBe("");
    expect(() => joinPath("a", "..")).toThrow(/'\.\.'/);
    const half = Array.from({ length: 3 }, () => "x".repeat(200)).join("/"); // 602 bytes
    expect(() => joinPath(half, half)).toThrow(/1024/);
  });

  test("isWithin", () => {
    expect(isWithin("a/b", "a")).toBe(true);
    expect(isWithin("a", "a")).toBe(true);
    expect(isWithin("ab", "a")).toBe(false);
    expect(isWithin("anything", "")).toBe(true);
  });

  test("compareNames orders by code point, like SQLite's BINARY collation", () => {
    const names = ["b", "a", "\uffff", "😀", "\ue000", "ab", "B", "é"];
    const sorted = [...names].sort(compareNames);
    expect(sorted).toEqual(["B", "a", "ab", "b", "é", "\ue000", "\uffff", "😀"]);
    // Plain JS order puts the astral emoji (a surrogate pair) before U+E000: the case this exists for.
    expect([...names].sort()).not.toEqual(sorted);
    const bytes = (s: string) => Buffer.from(s, "utf8");
    const byBytes = [...names].sort((x, y) => Buffer.compare(bytes(x), bytes(y)));
    expect(byBytes).toEqual(sorted);
  });
});
