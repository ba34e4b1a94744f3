// Conformance for what versioning asks of every ManifestStore: rows derived in the commit of the row they
// follow (stamped after it, all or nothing), a scan of one subtree in path order, and version rows counting
// their chunks for the folder of the file they keep.
import { describe, expect, test } from "bun:test";
import type { NewManifestStore } from "./manifest-store.case.ts";
import { deleteChange, dirChange, FakeTime, fileChange, hexId } from "./test-fixtures.ts";
import { VERSIONS_DIR } from "./version-paths.ts";

export function runVersionRowsTests(name: string, newStore: NewManifestStore): void {
  describe(`${name}: version rows`, () => {
    const store = () => newStore("a", new FakeTime().now);

    test("derived rows are committed with the row they follow, stamped after it, and returned after the batch", () => {
      const s = store();
      const seen: string[] = [];
      const rows = s.commitLocalBatch([dirChange("p"), fileChange("p/f", 8, "one")], (next, previous) => {
        seen.push(`${next.path}:${previous ? "had" : "new"}`);
        return next.kind === "file" ? [{ ...fileChange(`${VERSIONS_DIR}/p/f/${next.version}`, 8, "one") }] : [];
      });
      expect(seen).toEqual(["p:new", "p/f:new"]);
      expect(rows.map((r) => r.path)).toEqual(["p", "p/f", `${VERSIONS_DIR}/p/f/${rows[1]!.version}`]);
      expect(rows[2]!.version > rows[1]!.version).toBe(true);
      expect(rows.map((r) => r.seq)).toEqual([1, 2, 3]);
      expect(s.marks()).toEqual({ a: 3 });
    });

    test("an invalid derived row takes the whole batch back", () => {
      const s = store();
      expect(() => s.commitLocalBatch([fileChange("x")], () => [{ ...fileChange("bad//path") }])).toThrow();
      expect(s.get("x")).toBeUndefined();
      expect(s.marks()).toEqual({});
    });

    test("rowsBelow scans one subtree in path order, tombstones included, after a cursor", () => {
      const s = store();
      s.commitLocalBatch([fileChange("d/b"), fileChange("d/a/z"), fileChange("d-x"), fileChange("d0"), fileChange("e/f"), fileChange("d/c")]);
      s.commitLocal(deleteChange("d/c"));
      expect(s.rowsBelow("d", "", 10).map((r) => r.path)).toEqual(["d/a/z", "d/b", "d/c"]);
      expect(s.rowsBelow("d", "d/a/z", 10).map((r) => r.path)).toEqual(["d/b", "d/c"]);
      expect(s.rowsBelow("d", "", 1).map((r) => r.path)).toEqual(["d/a/z"]);
      expect(s.rowsBelow("nothing", "", 10)).toEqual([]);
    });

    test("parentsBelow: the distinct parents below a directory, from a start, in path order", () => {
      const s = store();
      s.commitLocalBatch([fileChange("d/a/1"), fileChange("d/a/2"), fileChange("d/a-b/1"), fileChange("d/a/x/1"), fileChange("d/b/1"), fileChange("d-x/1"), fileChange("e/f/1")]);
      s.commitLocal(deleteChange("d/b/1"));
      // Tombstones count (a key whose versions all went is for the caller to skip); "d/a-b" < "d/a" + "/…" by code points.
      expect(s.parentsBelow("d", "", 10)).toEqual(["d/a", "d/a-b", "d/a/x", "d/b"]);
      expect(s.parentsBelow("d", "d/a-b", 10)).toEqual(["d/a-b", "d/a/x", "d/b"]);
      expect(s.parentsBelow("d", "d/a0", 10)).toEqual(["d/b"]);
      expect(s.parentsBelow("d", "", 2)).toEqual(["d/a", "d/a-b"]);
      expect(s.parentsBelow("nothing", "", 10)).toEqual([]);
    });

    test("a version row's chunks count for the folder of the file it keeps", () => {
      const s = store();
      s.commitLocal({ ...fileChange(`${VERSIONS_DIR}/photos/a.jpg/000000000001000000@a`, 4, "v") });
      expect(s.chunkFolders(hexId("v:0"))).toEqual(["photos"]);
      expect(s.referencedAmong([hexId("v:0")])).toEqual(new Set([hexId("v:0")]));
    });
  });
}
