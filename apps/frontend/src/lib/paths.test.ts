import { describe, expect, test } from "bun:test";
import {
  newFolderProblem,
  uploadConflicts,
  apiFileUrl,
  apiZipUrl,
  apiListUrl,
  apiStatUrl,
  basename,
  breadcrumbs,
  browseHref,
  dirname,
  encodePath,
  invalidName,
  join,
  normalize,
  resolveDestination,
  ringHref,
} from "./paths.ts";

test("normalize, join, basename, dirname", () => {
  expect(normalize("")).toBe("/");
  expect(normalize("a//b/")).toBe("/a/b");
  expect(join("/a", "b/c.txt")).toBe("/a/b/c.txt");
  expect(join("/", "x")).toBe("/x");
  expect(basename("/a/b/c.txt")).toBe("c.txt");
  expect(basename("/")).toBe("");
  expect(dirname("/a/b/c.txt")).toBe("/a/b");
  expect(dirname("/a")).toBe("/");
  expect(dirname("/")).toBe("/");
});

describe("encoding", () => {
  test("each segment on its own, so reserved characters are data", () => {
    expect(encodePath("/my docs/a#1?.txt")).toBe("my%20docs/a%231%3F.txt");
    expect(encodePath("/100%/ü")).toBe("100%25/%C3%BC");
  });
  test("API URLs", () => {
    expect(apiFileUrl("/a b/c")).toBe("/api/files/a%20b/c");
    expect(apiFileUrl("/", { dir: true })).toBe("/api/files/");
    expect(apiFileUrl("/docs", { dir: true })).toBe("/api/files/docs/");
    expect(apiListUrl("/docs", { limit: 200, after: "b&c" })).toBe("/api/files/docs/?limit=200&after=b%26c");
    expect(apiListUrl("/")).toBe("/api/files/");
    expect(apiListUrl("/docs", { limit: 10, totals: true })).toBe("/api/files/docs/?limit=10&totals=1");
    expect(apiStatUrl("/x/y z")).toBe("/api/stat/x/y%20z");
  });
  test("UI routes", () => {
    expect(browseHref("/")).toBe("/");
    expect(browseHref("/a/b c")).toBe("/files/a/b%20c");
    expect(ringHref("a/b.txt")).toBe("/cluster?file=%2Fa%2Fb.txt");
  });
});

test("breadcrumbs", () => {
  expect(breadcrumbs("/")).toEqual([{ name: "Files", path: "/", href: "/" }]);
  expect(breadcrumbs("/photos/2024")).toEqual([
    { name: "Files", path: "/", href: "/" },
    { name: "photos", path: "/photos", href: "/files/photos" },
    { name: "2024", path: "/photos/2024", href: "/files/photos/2024" },
  ]);
});

test("invalidName", () => {
  expect(invalidName("report.pdf")).toBeUndefined();
  expect(invalidName("  ")).toBe("Enter a name.");
  expect(invalidName("..")).toContain("not a valid name");
  expect(invalidName("a/b")).toContain("'/'");
  expect(invalidName("a\\b")).toContain("backslash");
  expect(invalidName("a\nb")).toContain("control");
  expect(invalidName("é".repeat(128))).toContain("too long");
});

test("resolveDestination: relative to the current directory, '..' goes up, '/' is absolute", () => {
  expect(resolveDestination("/docs", "new.txt")).toBe("/docs/new.txt");
  expect(resolveDestination("/docs", "../new.txt")).toBe("/new.txt");
  expect(resolveDestination("/docs", "/archive/2024/old.txt")).toBe("/archive/2024/old.txt");
  expect(resolveDestination("/", "../../x")).toBe("/x");
});

test("a new folder cannot take a name the folder already has; a picked file that exists is named before it is replaced", () => {
  const here = [
    { name: "archive", kind: "dir" },
    { name: "report.bin", kind: "file" },
  ];
  expect(newFolderProblem("archive", here)).toBe("“archive” already exists here (a folder).");
  expect(newFolderProblem(" report.bin ", here)).toBe("“report.bin” already exists here (a file).");
  expect(newFolderProblem("new", here)).toBeUndefined();
  expect(newFolderProblem("a/b", here)).toBe("A name cannot contain '/'.");
  expect(uploadConflicts(["report.bin", "fresh.txt", "archive", "archive/report.bin"], here)).toEqual({
    replaced: ["report.bin"],
    onFolder: ["archive"],
  });
});

test("a zip of several paths names each once, encoded as query values", () => {
  expect(apiZipUrl(["/photos/a b.jpg", "photos/été/"])).toBe("/api/zip?path=%2Fphotos%2Fa%20b.jpg&path=%2Fphotos%2F%C3%A9t%C3%A9");
  expect(apiZipUrl(["/"])).toBe("/api/zip?path=%2F");
});
