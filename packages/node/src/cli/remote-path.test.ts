import { describe, expect, test } from "bun:test";
import { UsageError } from "./errors.ts";
import { baseName, childPath, displayPath, filesApiPath, isRoot, parseRemotePath } from "./remote-path.ts";

describe("remote paths", () => {
  test("with or without a leading slash, repeated slashes collapsed", () => {
    for (const raw of ["/docs/a.txt", "docs/a.txt", "//docs//a.txt"]) {
      const p = parseRemotePath(raw);
      expect(displayPath(p)).toBe("/docs/a.txt");
      expect(p.dir).toBe(false);
      expect(baseName(p)).toBe("a.txt");
    }
  });
  test("the root and directories", () => {
    expect(isRoot(parseRemotePath("/"))).toBe(true);
    expect(isRoot(parseRemotePath(""))).toBe(true);
    expect(parseRemotePath("docs/").dir).toBe(true);
    expect(displayPath(childPath(parseRemotePath("docs/"), "a.txt"))).toBe("/docs/a.txt");
  });
  test("each segment is percent-encoded, slashes between them are not", () => {
    const p = parseRemotePath("/my docs/a?b#c%d/日本.txt");
    expect(filesApiPath(p)).toBe("/api/files/my%20docs/a%3Fb%23c%25d/%E6%97%A5%E6%9C%AC.txt");
  });
  test("listings ask with a trailing slash; the root is /api/files/", () => {
    expect(filesApiPath(parseRemotePath("docs"), { listing: true })).toBe("/api/files/docs/");
    expect(filesApiPath(parseRemotePath("/"), { listing: true })).toBe("/api/files/");
    expect(filesApiPath(parseRemotePath("a/b"), { prefix: "/api/stat" })).toBe("/api/stat/a/b");
  });
  test(". and .. are refused: the URL parser would resolve them to another path", () => {
    expect(() => parseRemotePath("/docs/../etc")).toThrow(UsageError);
    expect(() => parseRemotePath("./a")).toThrow("'.' segments are not allowed");
  });
});
