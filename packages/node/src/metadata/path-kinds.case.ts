// Conformance for a file and a directory at one path (S3's `a/b` beside `a/b/c`, and `a/b/` holding data):
// two last-writer-wins registers in every ManifestStore, each merged, listed, referenced and purged on its own.
import { describe, expect, test } from "bun:test";
import type { NewManifestStore } from "./manifest-store.case.ts";
import { deleteChange, dirChange, FakeTime, fileChange, hexId } from "./test-fixtures.ts";

export function runPathKindTests(name: string, newStore: NewManifestStore): void {
  describe(`${name}: a file and a directory at one path`, () => {
    const store = (id = "a") => newStore(id, new FakeTime().now);
    const names = (rows: Array<{ path: string; kind: string; deleted: boolean }>) =>
      rows.map((m) => `${m.path}${m.kind === "dir" ? "/" : ""}${m.deleted ? " (deleted)" : ""}`);

    test("are two rows: get by kind, the file first without one, both listed (the directory first)", () => {
      const s = store();
      s.commitLocalBatch([dirChange("a"), fileChange("a/b", 8, "file"), dirChange("a/b"), fileChange("a/b/c", 4, "below")]);
      expect(s.get("a/b", "file")?.sha256).toBe(hexId("file:all"));
      expect(s.get("a/b", "dir")?.kind).toBe("dir");
      expect(s.get("a/b")?.kind).toBe("file");
      expect(names(s.children("a"))).toEqual(["a/b/", "a/b"]);
      expect(names(s.children("a/b"))).toEqual(["a/b/c"]);
      expect(s.stats()).toEqual({ files: 2, dirs: 2, tombstones: 0, bytes: 12 });
    });

    test("deleting one leaves the other, whichever it is", () => {
      const s = store();
      s.commitLocalBatch([dirChange("p"), fileChange("p/q"), dirChange("p/q"), fileChange("p/q/r")]);
      s.commitLocal(deleteChange("p/q", "file"));
      expect(s.get("p/q", "dir")?.deleted).toBe(false);
      expect(names(s.children("p"))).toEqual(["p/q/"]);
      s.commitLocal(fileChange("p/q", 4, "again"));
      s.commitLocalBatch([deleteChange("p/q/r"), deleteChange("p/q", "dir")]);
      expect(s.get("p/q", "file")?.deleted).toBe(false);
      expect(names(s.children("p"))).toEqual(["p/q"]);
    });

    test("merge per key: a newer directory row never replaces the file, in any arrival order", () => {
      const a = store("a");
      const b = store("b");
      const file = a.commitLocal(fileChange("x", 4, "f"));
      const dir = b.commitLocal(dirChange("x", 5));
      for (const order of [[file, dir], [dir, file]]) {
        const c = store("c");
        c.apply(order);
        expect(c.get("x", "file")?.version).toBe(file.version);
        expect(c.get("x", "dir")?.version).toBe(dir.version);
      }
      // A push answer reads each key's own version.
      const c = store("c");
      expect(c.apply([file, dir]).map((m) => m.kind)).toEqual(["file", "dir"]);
    });

    test("a directory's own content references its chunks as a file's does, and stops when deleted", () => {
      const s = store();
      const own = { ...fileChange("b/d", 8, "own"), kind: "dir" as const };
      s.commitLocalBatch([dirChange("b"), own, fileChange("b/d", 4, "file")]);
      const ids = [hexId("own:0"), hexId("own:1"), hexId("file:0")];
      expect(s.referencedAmong(ids)).toEqual(new Set(ids));
      expect(s.chunkFolders(hexId("own:0"))).toEqual(["b"]);
      s.commitLocal(deleteChange("b/d", "dir"));
      expect(s.referencedAmong(ids)).toEqual(new Set([hexId("file:0")]));
      expect(s.chunkFolders(hexId("own:0"))).toEqual([]);
      expect(s.chunkFolders(hexId("file:0"))).toEqual(["b"]);
    });

    test("a page never separates the two, and tombstones of both are purged", () => {
      const s = store();
      s.commitLocalBatch([dirChange("l"), fileChange("l/a"), fileChange("l/m"), dirChange("l/m"), fileChange("l/z")]);
      // A page that would end between the two takes the file too: a short page means the end to every caller.
      expect(names(s.children("l", { limit: 2 }))).toEqual(["l/a", "l/m/", "l/m"]);
      expect(names(s.children("l", { limit: 2, after: "a" }))).toEqual(["l/m/", "l/m"]);
      expect(names(s.children("l", { limit: 1, after: "a" }))).toEqual(["l/m/", "l/m"]);
      expect(names(s.children("l", { limit: 1, after: "m" }))).toEqual(["l/z"]);
      // Paged one row at a time, as the listings page, every entry comes once and the walk ends only at the end.
      const seen: string[] = [];
      for (let after: string | undefined, page = s.children("l", { limit: 1 }); ; page = s.children("l", { limit: 1, after })) {
        seen.push(...names(page));
        if (page.length < 1) break;
        after = page[page.length - 1]!.path.slice("l/".length);
      }
      expect(seen).toEqual(["l/a", "l/m/", "l/m", "l/z"]);
      s.commitLocalBatch([deleteChange("l/m", "file"), deleteChange("l/m", "dir")]);
      expect(s.purgeTombstones(() => true, 10)).toBe(2);
      expect(s.get("l/m", "file")).toBeUndefined();
      expect(s.get("l/m", "dir")).toBeUndefined();
    });
  });
}
