// The ManifestStore conformance suite of what garbage collection relies on: chunk references, tombstone
// purges, wipes, the tree rule for deleted directories.
import { describe, expect, test } from "bun:test";
import { exchange, type NewManifestStore, syncAll, trioOf } from "./manifest-store.kit.ts";
import { deleteChange, dirChange, FakeTime, fileChange, hexId } from "./test-fixtures.ts";

export function runManifestGcTests(name: string, newStore: NewManifestStore): void {
  describe(`ManifestStore conformance, garbage collection: ${name}`, () => {
    const trio = (time = new FakeTime()) => trioOf(newStore, time);

    describe("garbage collection", () => {
      test("referencedAmong answers which of the given chunks live files reference", () => {
        const [s] = trio();
        const a = s.commitLocal(fileChange("a", 10, "a"));
        const b = s.commitLocal(fileChange("b", 10, "b"));
        s.commitLocal(deleteChange("b"));
        // A chunk shared by a live file and a deleted one stays referenced.
        const shared = s.commitLocal({ ...fileChange("c", 1, "c"), chunks: [b.chunks[1]!] });
        const unknown = "f".repeat(64);
        expect(s.referencedAmong([...a.chunks, ...b.chunks, unknown])).toEqual(new Set([...a.chunks, ...shared.chunks]));
        expect(s.referencedAmong([b.chunks[0]!, unknown]).size).toBe(0);
        expect(s.referencedAmong([]).size).toBe(0);
        // More ids than one query takes: answered across pages.
        const many = Array.from({ length: 2500 }, (_, i) => i.toString(16).padStart(64, "0"));
        expect(s.referencedAmong([...many, a.chunks[0]!])).toEqual(new Set([a.chunks[0]!]));
      });

      test("chunkFolders: the top-level folders of the live files referencing a chunk, kept through writes, merges, deletes and wipe", () => {
        const [s, t] = trio();
        const shared = hexId("shared");
        const withShared = (path: string, tag: string) => ({ ...fileChange(path, 8, tag), chunks: [hexId(`${tag}:0`), shared] });
        s.commitLocalBatch([dirChange("a"), dirChange("b"), withShared("a/x", "ax"), withShared("b/deep/y", "by"), withShared("top", "top")]);
        expect(s.chunkFolders(shared).sort()).toEqual(["", "a", "b"]);
        expect(s.chunkFolders(hexId("ax:0"))).toEqual(["a"]);
        expect(s.chunkFolders(hexId("nobody"))).toEqual([]);
        // The same chunk twice in one file, and two files of one folder: one folder.
        s.commitLocal({ ...fileChange("a/twice", 8, "tw"), chunks: [shared, shared] });
        expect(s.chunkFolders(shared).sort()).toEqual(["", "a", "b"]);
        // A rewrite with other chunks drops the old references; a delete drops them all.
        s.commitLocal(fileChange("top", 4, "other"));
        expect(s.chunkFolders(shared).sort()).toEqual(["a", "b"]);
        s.commitLocal(deleteChange("b/deep/y"));
        expect(s.chunkFolders(shared)).toEqual(["a"]);
        expect(s.chunkFolders(hexId("by:0"))).toEqual([]);
        s.commitLocalBatch([deleteChange("a/x"), deleteChange("a/twice")]);
        expect(s.chunkFolders(shared)).toEqual([]);
        // Rows merged from a peer count as local writes do, and only while they win.
        const theirs = t.commitLocal(withShared("c/z", "cz"));
        s.apply([theirs]);
        expect(s.chunkFolders(shared)).toEqual(["c"]);
        s.apply([{ ...theirs, version: "000000000000000000@a", chunks: [hexId("old")] }]);
        expect(s.chunkFolders(shared)).toEqual(["c"]);
        expect(s.chunkFolders(hexId("old"))).toEqual([]);
        s.wipe();
        expect(s.chunkFolders(shared)).toEqual([]);
      });

      test("purgeTombstones removes only what the predicate allows, keeps marks, updates stats", () => {
        const [s, t] = trio();
        s.commitLocal(fileChange("x"));
        s.commitLocal(fileChange("y"));
        s.commitLocal(fileChange("keep"));
        s.commitLocalBatch([deleteChange("x"), deleteChange("y")]);
        const marks = s.marks();
        expect(s.purgeTombstones((m) => m.path === "x", 10)).toBe(1);
        expect(s.get("x")).toBeUndefined();
        expect(s.get("y")?.deleted).toBe(true);
        expect(s.marks()).toEqual(marks);
        expect(s.stats()).toEqual({ files: 1, dirs: 0, tombstones: 1, bytes: 10 });
        expect(s.purgeTombstones(() => true, 10)).toBe(1);
        expect(s.stats().tombstones).toBe(0);
        // A store that already saw everything does not get the purged rows back, nor the old writes.
        exchange(t, s);
        expect(t.get("x")).toBeUndefined();
        expect(t.get("keep")?.deleted).toBe(false);
      });

      test("wipe forgets a stale store's rows; a full resync brings back only what peers hold; own seqs never repeat", () => {
        const [a, b] = trio();
        const kept = a.commitLocal(fileChange("kept"));
        a.commitLocal(fileChange("gone"));
        b.commitLocal(fileChange("b-file"));
        syncAll([a, b]);
        // b deletes "gone" and, with a away, collects the tombstone: a's live row is now stale.
        b.commitLocal(deleteChange("gone"));
        expect(b.purgeTombstones(() => true, 10)).toBe(1);
        const ownSeq = a.marks().a!;
        a.wipe();
        expect(a.get("kept")).toBeUndefined();
        expect(a.marks()).toEqual({});
        expect(a.stats()).toEqual({ files: 0, dirs: 0, tombstones: 0, bytes: 0 });
        exchange(a, b);
        a.raiseOwnSeq(ownSeq);
        expect(a.get("gone")).toBeUndefined();
        expect(a.get("kept")?.version).toBe(kept.version);
        expect(a.get("b-file")?.deleted).toBe(false);
        expect(a.stats().files).toBe(2);
        expect(a.commitLocal(fileChange("new")).seq).toBe(ownSeq + 1);
        a.raiseOwnSeq(1); // never lowers
        expect(a.commitLocal(fileChange("newer")).seq).toBe(ownSeq + 2);
      });

      test("a deleted directory is not purged while something below it is live", () => {
        const [s] = trio();
        s.commitLocalBatch([dirChange("d"), fileChange("d/f"), dirChange("e")]);
        s.commitLocalBatch([deleteChange("d", "dir"), deleteChange("e", "dir")]);
        expect(s.purgeTombstones(() => true, 10)).toBe(1);
        expect(s.get("d")?.deleted).toBe(true);
        expect(s.get("e")).toBeUndefined();
        s.commitLocal(deleteChange("d/f"));
        expect(s.purgeTombstones(() => true, 10)).toBe(2);
      });
    });
  });
}
