import { expect, test } from "bun:test";
import { CONFLICT_MARKER, conflictPath, safeHost, versionAuthor } from "./conflict-name.ts";

const at = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));

test("Syncthing's shape: stem, marker, UTC stamp, host, extension", () => {
  expect(conflictPath("notes.txt", at, "laptop")).toBe("notes.sync-conflict-20260102-030405-laptop.txt");
  expect(conflictPath("a/b/archive.tar.gz", at, "h")).toBe("a/b/archive.tar.sync-conflict-20260102-030405-h.gz");
  expect(conflictPath("Makefile", at, "h")).toBe("Makefile.sync-conflict-20260102-030405-h");
  expect(conflictPath("d/.bashrc", at, "h")).toBe("d/.bashrc.sync-conflict-20260102-030405-h");
  expect(conflictPath("x.txt", at, "h")).toContain(CONFLICT_MARKER);
});

test("host names are made safe for a file name", () => {
  expect(safeHost("my host.local")).toBe("my-host-local");
  expect(safeHost("../..")).toBe("unknown");
  expect(safeHost("a".repeat(80))).toHaveLength(40);
});

test("the author of a version is its node id", () => {
  expect(versionAuthor("019a2b3c4d5e000001@n2")).toBe("n2");
  expect(versionAuthor("garbage")).toBe("garbage");
  expect(versionAuthor("x@")).toBe("cluster");
});
