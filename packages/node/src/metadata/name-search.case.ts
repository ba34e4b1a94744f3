// Conformance for searching names below a folder (the web UI's search): every ManifestStore finds the same
// rows, in the same order, with the same pages.
import { describe, expect, test } from "bun:test";
import type { NewManifestStore } from "./manifest-store.case.ts";
import { deleteChange, dirChange, FakeTime, fileChange } from "./test-fixtures.ts";
import { VERSIONS_DIR } from "./version-paths.ts";

export function runNameSearchTests(name: string, newStore: NewManifestStore): void {
  describe(`${name}: name search`, () => {
    const store = () => {
      const s = newStore("a", new FakeTime().now);
      s.commitLocalBatch([
        dirChange("photos"),
        fileChange("photos/Beach.JPG", 10),
        dirChange("photos/2024"),
        fileChange("photos/2024/beach-day.jpg", 7),
        dirChange("photos/2024/beaches"),
        fileChange("photos/2024/beaches/x.png", 3),
        fileChange("photos/gone-beach.jpg", 5),
        dirChange("photos-beach"),
        fileChange("photos-beach/a", 1),
        fileChange("beach.txt", 1),
        fileChange(`${VERSIONS_DIR}/photos/beach.jpg/000000000001000000@a`, 4),
      ]);
      s.commitLocal(deleteChange("photos/gone-beach.jpg"));
      return s;
    };
    const paths = (r: { rows: { path: string; kind: string }[] }) => r.rows.map((m) => `${m.path}${m.kind === "dir" ? "/" : ""}`);

    test("files and folders at any depth below the folder, by a part of their name, ASCII letters of either case alike", () => {
      const s = store();
      const found = s.searchNames("photos", "BEACH", { limit: 10 });
      expect(paths(found)).toEqual(["photos/2024/beach-day.jpg", "photos/2024/beaches/", "photos/Beach.JPG"]);
      expect(found.more).toBe(false);
      // Only below the folder: not the folder whose name starts like it, not a deleted file, not a name of a folder above.
      expect(paths(s.searchNames("photos/2024", "2024", { limit: 10 }))).toEqual([]);
      expect(paths(s.searchNames("photos", "nothing", { limit: 10 }))).toEqual([]);
    });

    test("at the root: everything, the versions' namespace never", () => {
      expect(paths(store().searchNames("", "beach", { limit: 10 }))).toEqual([
        "beach.txt",
        "photos-beach/",
        "photos/2024/beach-day.jpg",
        "photos/2024/beaches/",
        "photos/Beach.JPG",
      ]);
    });

    test("pages follow on from the last path; a file and a folder of one path stay on one page", () => {
      const s = store();
      const first = s.searchNames("", "beach", { limit: 2 });
      expect([paths(first), first.more]).toEqual([["beach.txt", "photos-beach/"], true]);
      const second = s.searchNames("", "beach", { limit: 2, after: first.rows.at(-1)!.path });
      expect([paths(second), second.more]).toEqual([["photos/2024/beach-day.jpg", "photos/2024/beaches/"], true]);
      const third = s.searchNames("", "beach", { limit: 2, after: second.rows.at(-1)!.path });
      expect([paths(third), third.more]).toEqual([["photos/Beach.JPG"], false]);

      const pair = newStore("a", new FakeTime().now);
      pair.commitLocalBatch([fileChange("a-site", 1), dirChange("site"), fileChange("site", 2), fileChange("site/index.html", 3), fileChange("z-site", 4)]);
      const page = pair.searchNames("", "site", { limit: 2 });
      expect([paths(page), page.more]).toEqual([["a-site", "site/", "site"], true]);
      expect(paths(pair.searchNames("", "site", { limit: 2, after: "site" }))).toEqual(["z-site"]);
    });

    test("with tombstones: deleted rows whose name matches too, in the same order (a peer's answer to a search across the cluster)", () => {
      const s = store();
      const found = s.searchNames("photos", "beach", { limit: 10, tombstones: true });
      expect(found.rows.map((m) => [m.path, m.deleted])).toEqual([
        ["photos/2024/beach-day.jpg", false],
        ["photos/2024/beaches", false],
        ["photos/Beach.JPG", false],
        ["photos/gone-beach.jpg", true],
      ]);
      const page = s.searchNames("photos", "beach", { limit: 3, after: "photos/2024/beach-day.jpg", tombstones: true });
      expect([paths(page), page.more]).toEqual([["photos/2024/beaches/", "photos/Beach.JPG", "photos/gone-beach.jpg"], false]);
      expect(paths(s.searchNames("", "beach", { limit: 10, tombstones: true }))).not.toContain(`${VERSIONS_DIR}/photos/beach.jpg/000000000001000000@a`);
    });

    test("letters beyond ASCII match as written", () => {
      const s = newStore("a", new FakeTime().now);
      s.commitLocalBatch([dirChange("ünï"), fileChange("ünï/Été.txt", 3), fileChange("ünï/été.txt", 3)]);
      expect(paths(s.searchNames("ünï", "été", { limit: 10 }))).toEqual(["ünï/été.txt"]);
      expect(paths(s.searchNames("", "ÜN", { limit: 10 }))).toEqual([]);
      expect(paths(s.searchNames("", "ün", { limit: 10 }))).toEqual(["ünï/"]);
    });
  });
}
