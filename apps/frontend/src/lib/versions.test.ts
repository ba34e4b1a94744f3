import { describe, expect, test } from "bun:test";
import { restorable, topFolder, versionDownloadUrl, versionLabel } from "./versions.ts";

describe("versions helpers", () => {
  test("topFolder: the first segment, none for the root", () => {
    expect([topFolder("/docs/a/b.txt"), topFolder("/docs"), topFolder("/")]).toEqual(["/docs", "/docs", undefined]);
  });
  test("a version's download URL carries its id, encoded", () => {
    expect(versionDownloadUrl("/docs/a b.txt", "0190@n-1")).toBe("/api/files/docs/a%20b.txt?versionId=0190%40n-1");
  });
  test("labels and what can be restored", () => {
    const v = (isLatest: boolean, deleteMarker: boolean) => ({ versionId: "x", isLatest, deleteMarker, writtenAt: 0 });
    expect([versionLabel(v(true, false)), versionLabel(v(false, false)), versionLabel(v(true, true))]).toEqual(["Current", "Previous", "Deleted (now)"]);
    expect([restorable(v(true, false)), restorable(v(false, false)), restorable(v(false, true))]).toEqual([false, true, false]);
  });
});
