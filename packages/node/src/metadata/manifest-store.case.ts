// The conformance suite every ManifestStore passes (after Hono's router tests): each implementation's
// test file calls runManifestStoreTests; the delta sync (manifest-sync.case.ts) and garbage collection
// (manifest-gc.case.ts) have suites of their own.
import { describe, expect, test } from "bun:test";
import { compareVersions, formatVersion, parseVersion } from "./hlc.ts";
import { type Manifest, sameManifest } from "./manifest.ts";
import { exchange, expectConverged, type NewManifestStore, syncAll, thrown, trioOf } from "./manifest-store.kit.ts";
import { deleteChange, dirChange, FakeTime, fileChange, hexId } from "./test-fixtures.ts";
import { runManifestRangeTests } from "./manifest-ranges.case.ts";

export type { NewManifestStore };

export function runManifestStoreTests(name: string, newStore: NewManifestStore): void {
  describe(`ManifestStore conformance: ${name}`, () => {
    const trio = (time = new FakeTime()) => trioOf(newStore, time);

    describe("local writes", () => {
      test("commitLocal stamps version, origin and consecutive seqs; get returns the row", () => {
        const time = new FakeTime();
        const s = newStore("a", time.now);
        const m1 = s.commitLocal(fileChange("x", 10));
        time.advance(5);
        const m2 = s.commitLocal(dirChange("d"));
        expect(m1).toMatchObject({ path: "x", kind: "file", origin: "a", seq: 1, deleted: false, size: 10 });
        expect(m2).toMatchObject({ path: "d", kind: "dir", origin: "a", seq: 2 });
        expect(parseVersion(m1.version)).toEqual({ wall: time.ms - 5, counter: 0, nodeId: "a" });
        expect(compareVersions(m2.version, m1.version)).toBe(1);
        expect(s.get("x")).toEqual(m1);
        expect(s.get("missing")).toBeUndefined();
        expect(s.marks()).toEqual({ a: 2 });
      });

      test("versionOf is the version get() shows, for files, directories and tombstones alike", () => {
        const s = newStore("a", new FakeTime().now);
        const [dir, file] = s.commitLocalBatch([dirChange("v"), fileChange("v", 5)]);
        expect(s.versionOf("v", "dir")).toBe(dir!.version);
        expect(s.versionOf("v", "file")).toBe(file!.version);
        const gone = s.commitLocal(deleteChange("v", "file"));
        expect(s.versionOf("v", "file")).toBe(gone.version);
        expect(s.get("v", "file")?.version).toBe(gone.version);
        expect(s.versionOf("w", "file")).toBeUndefined();
        expect(s.versionOf("v/x", "dir")).toBeUndefined();
      });

      test("childVersions is the page children(rows) gives, keys and versions only, tombstones and same-name pairs too", () => {
        const s = newStore("a", new FakeTime().now);
        s.commitLocalBatch([dirChange("p"), fileChange("p/a", 1), dirChange("p/b"), fileChange("p/b", 2), fileChange("p/c", 3), fileChange("q/x", 4)]);
        s.commitLocal(deleteChange("p/c", "file"));
        const keys = (rows: Manifest[]) => rows.map(({ path, kind, version }) => ({ path, kind, version }));
        expect(s.childVersions("p", { limit: 10 })).toEqual(keys(s.children("p", { rows: true, limit: 10 })));
        expect(s.childVersions("p", { limit: 10 }).map((r) => `${r.kind}:${r.path}`)).toEqual(["file:p/a", "dir:p/b", "file:p/b", "file:p/c"]);
        // A page never ends between a directory and a file of one name, as children() does not.
        for (const [after, limit] of [[undefined, 2], ["a", 1], ["b", 5]] as const) {
          expect(s.childVersions("p", { after, limit })).toEqual(keys(s.children("p", { after, limit, rows: true })));
        }
        expect(s.childVersions("p", { limit: 2 })).toHaveLength(3);
        expect(s.childVersions("none", { limit: 5 })).toEqual([]);
      });

      test("a batch is one transaction: consecutive seqs, and one bad change writes nothing", () => {
        const s = newStore("a", new FakeTime().now);
        const written = s.commitLocalBatch([dirChange("p"), dirChange("p/q"), fileChange("p/q/f", 5)]);
        expect(written.map((m) => m.seq)).toEqual([1, 2, 3]);
        expect(compareVersions(written[2]!.version, written[1]!.version)).toBe(1);
        const err = thrown(() => s.commitLocalBatch([fileChange("ok", 3), fileChange("bad//path", 3)]));
        expect(err.code).toBe("invalid_manifest");
        expect(s.get("ok")).toBeUndefined();
        expect(s.marks()).toEqual({ a: 3 });
        expect(thrown(() => s.commitLocal({ ...fileChange("f", 10), chunks: [hexId(1)] })).message).toMatch(/3 chunks/);
      });

      test("a pinned change is stamped with its decided version, with the next seq; the store refuses a pin it has moved past", () => {
        const time = new FakeTime();
        const s = newStore("a", time.now);
        const decided = formatVersion({ wall: time.ms - 100, counter: 3, nodeId: "a" });
        const [dir, file] = s.commitLocalBatch([dirChange("k"), fileChange("k/0", 3)], undefined, new Map([["k/0", decided]]));
        expect(file!.version).toBe(decided);
        expect(file!.seq).toBe(dir!.seq + 1);
        expect(s.get("k/0")!.version).toBe(decided);
        expect(compareVersions(s.commitLocal(fileChange("later", 3)).version, decided)).toBe(1); // the clock moved past it
        const newer = s.commitLocal(fileChange("k/0", 3, "newer"));
        expect(() => s.commitLocalBatch([fileChange("k/0", 3, "late")], undefined, new Map([["k/0", decided]]))).toThrow(/at or above the decided/);
        expect(s.get("k/0")).toEqual(newer);
      });

      test("a delete is a tombstone without content, newer than what it deletes", () => {
        const s = newStore("a", new FakeTime().now);
        const live = s.commitLocal(fileChange("f", 9));
        const tomb = s.commitLocal({ ...fileChange("f", 9), deleted: true }); // content is dropped
        expect(tomb).toMatchObject({ deleted: true, size: 0, chunks: [], sha256: null, seq: 2 });
        expect(compareVersions(tomb.version, live.version)).toBe(1);
        expect(s.get("f")).toEqual(tomb);
      });

      test("an MD5 and per-chunk sizes round-trip; a tombstone drops them; rows without them stay without", () => {
        const s = newStore("a", new FakeTime().now);
        const sized = { ...fileChange("f", 10), md5: `${"c".repeat(32)}-2`, chunkSizes: [4, 2, 4] };
        const written = s.commitLocal(sized);
        expect(s.get("f")).toEqual(written);
        expect(s.get("f")).toMatchObject({ md5: sized.md5, chunkSizes: [4, 2, 4] });
        const plain = s.commitLocal(fileChange("g", 10));
        expect(Object.keys(s.get("g")!).sort()).toEqual(Object.keys(plain).sort());
        expect("md5" in s.get("g")!).toBe(false);
        const other = newStore("b", new FakeTime().now);
        other.apply([written]);
        expect(other.get("f")).toEqual(written);
        const tomb = s.commitLocal({ ...sized, deleted: true });
        expect(tomb.md5).toBeUndefined();
        expect(tomb.chunkSizes).toBeUndefined();
        expect(s.get("f")).toEqual(tomb);
      });

      test("metadata round-trips, replicates and drops with a tombstone; it is part of a row's identity", () => {
        const s = newStore("a", new FakeTime().now);
        const meta = { contentType: "image/png", cacheControl: "max-age=60", user: { mtime: "1700000000.5", "x-y": "ünï" } };
        const written = s.commitLocal({ ...fileChange("f", 10), meta });
        expect(s.get("f")).toEqual(written);
        expect(s.get("f")!.meta).toEqual(meta);
        const other = newStore("b", new FakeTime().now);
        other.apply([written]);
        expect(other.get("f")).toEqual(written);
        expect(sameManifest(written, { ...written, meta: { ...meta, contentType: "text/plain" } })).toBe(false);
        expect(() => s.commitLocal({ ...fileChange("h", 1), meta: { contentType: "a\r\nSet-Cookie: x" } })).toThrow(/control/);
        expect(() => s.commitLocal({ ...fileChange("h", 1), meta: { user: { big: "x".repeat(2100) } } })).toThrow();
        expect(() => s.commitLocal({ ...dirChange("d"), meta: { contentType: "text/plain" } })).toThrow(/no metadata/);
        const tomb = s.commitLocal({ ...fileChange("f", 10), meta, deleted: true });
        expect(tomb.meta).toBeUndefined();
        expect(s.get("f")).toEqual(tomb);
      });

      test("a multipart object's parts and upload id round-trip and replicate; a tombstone drops them; they are part of a row's identity", () => {
        const s = newStore("a", new FakeTime().now);
        const multipart = { uploadId: "0m1abcdef-0123456789abcdef", partSizes: [6, 4] };
        const written = s.commitLocal({ ...fileChange("f", 10), md5: `${"c".repeat(32)}-2`, chunkSizes: [4, 2, 4], multipart });
        expect(s.get("f")).toEqual(written);
        expect(s.get("f")!.multipart).toEqual(multipart);
        // A copy keeps the parts without the id.
        const copy = s.commitLocal({ ...fileChange("g", 10), md5: `${"c".repeat(32)}-2`, multipart: { partSizes: [6, 4] } });
        expect(s.get("g")).toEqual(copy);
        expect("uploadId" in s.get("g")!.multipart!).toBe(false);
        expect("multipart" in s.commitLocal(fileChange("h", 10))).toBe(false);
        const other = newStore("b", new FakeTime().now);
        other.apply([written, copy]);
        expect(other.get("f")).toEqual(written);
        expect(other.get("g")).toEqual(copy);
        expect(sameManifest(written, { ...written, multipart: { ...multipart, partSizes: [5, 5] } })).toBe(false);
        expect(sameManifest(written, { ...written, multipart: { partSizes: [6, 4] } })).toBe(false);
        expect(sameManifest(written, { ...written, multipart: { partSizes: [6, 4], uploadId: multipart.uploadId } })).toBe(true);
        expect(thrown(() => s.commitLocal({ ...fileChange("x", 10), md5: `${"c".repeat(32)}-3`, multipart })).message).toMatch(/multipart md5/);
        expect(thrown(() => s.commitLocal({ ...fileChange("x", 10), md5: `${"c".repeat(32)}-2`, multipart: { partSizes: [1, 2] } })).message).toMatch(/add up to 3/);
        const tomb = s.commitLocal({ ...fileChange("f", 10), md5: `${"c".repeat(32)}-2`, multipart, deleted: true });
        expect(tomb.multipart).toBeUndefined();
        expect(s.get("f")).toEqual(tomb);
      });

      test("a local write beats the row it replaces even if that row came from a faster clock", () => {
        const time = new FakeTime();
        const fast = newStore("fast", () => time.ms + 30 * 60_000); // 30 min ahead: within the drift bound
        const slow = newStore("slow", time.now);
        slow.apply([fast.commitLocal(fileChange("f", 4, "fast"))]);
        const mine = slow.commitLocal(deleteChange("f"));
        expect(compareVersions(mine.version, fast.get("f")!.version)).toBe(1);
        fast.apply([mine]);
        expect(fast.get("f")!.deleted).toBe(true);
      });
    });

    describe("watch", () => {
      test("reports the rows each committed transaction stored, local and merged, and nothing after it stops", () => {
        const [a, b] = trio();
        const seen: string[][] = [];
        const stop = a.watch((rows) => seen.push(rows.map((r) => `${r.path}:${r.deleted ? "x" : r.kind}`)));
        a.commitLocalBatch([dirChange("d"), fileChange("d/f", 3)]);
        b.commitLocal(fileChange("g", 1));
        exchange(a, b);
        exchange(a, b); // nothing new: nothing reported
        const older = a.get("d/f")!;
        a.apply([{ ...older, version: formatVersion({ wall: 1, counter: 0, nodeId: "z" }), origin: "z", seq: 1 }]); // loses: not reported
        a.commitLocal(deleteChange("g"));
        expect(() => a.commitLocalBatch([fileChange("h", 1), fileChange("", 1)])).toThrow(); // rolled back: not reported
        stop();
        a.commitLocal(fileChange("after", 1));
        expect(seen).toEqual([["d:dir", "d/f:file"], ["g:file"], ["g:x"]]);
      });
    });

    describe("last writer wins", () => {
      test("apply keeps the newer row, returns only the winners, and is idempotent", () => {
        const [a, b] = trio();
        const v1 = a.commitLocal(fileChange("f", 4, "v1"));
        const v2 = a.commitLocal(fileChange("f", 8, "v2"));
        expect(b.apply([v2])).toEqual([v2]);
        expect(b.apply([v1])).toEqual([]); // older: loses
        expect(b.apply([v2])).toEqual([]); // same write again: nothing changes
        expect(b.get("f")).toEqual(v2);
        // Within one batch the newest row for a path wins, whatever the order.
        const c = newStore("c", new FakeTime().now);
        expect(c.apply([v2, v1])).toEqual([v2]);
        expect(c.get("f")).toEqual(v2);
      });

      test("a node that was offline never resurrects a delete with its older row", () => {
        const time = new FakeTime();
        const [a, b, c] = trio(time);
        a.commitLocal(fileChange("doc", 12));
        syncAll([a, b, c]);
        expect(c.get("doc")!.deleted).toBe(false);
        // c goes offline; the file is deleted on b and the delete reaches a.
        time.advance(1000);
        const tomb = b.commitLocal(deleteChange("doc"));
        exchange(a, b);
        // c comes back holding the old live row and offers it to everyone.
        expect(a.apply([c.get("doc")!])).toEqual([]);
        syncAll([a, b, c]);
        syncAll([a, b, c]);
        for (const s of [a, b, c]) expect(s.get("doc")).toEqual(tomb);
        expect(c.children("")).toEqual([]);
        expectConverged([a, b, c]);
      });

      test("versions too far in the future are refused, and the whole batch with them", () => {
        const time = new FakeTime();
        const s = newStore("a", time.now);
        const ok = newStore("b", time.now).commitLocal(fileChange("ok", 3));
        const evilVersion = formatVersion({ wall: time.ms + 2 * 3_600_000, counter: 0, nodeId: "evil" });
        const evil: Manifest = { ...ok, path: "evil", version: evilVersion, origin: "evil", seq: 1 };
        expect(thrown(() => s.apply([ok, evil])).code).toBe("clock_skew");
        expect(s.get("ok")).toBeUndefined();
        expect(s.get("evil")).toBeUndefined();
        expect(s.marks()).toEqual({});
      });

      test("stored rows are not aliased to the caller's objects", () => {
        const s = newStore("b", new FakeTime().now);
        const m = newStore("a", new FakeTime().now).commitLocal(fileChange("f", 8));
        const copy = structuredClone(m);
        s.apply([m]);
        m.chunks.push(hexId("x"));
        m.size = 99;
        expect(s.get("f")).toEqual(copy);
      });
    });

    describe("children", () => {
      test("lists live direct children only, ordered by name, with paging", () => {
        const s = newStore("a", new FakeTime().now);
        s.commitLocalBatch([dirChange("d"), dirChange("d/sub"), fileChange("d/sub/deep"), fileChange("top")]);
        for (const n of ["b", "a", "😀", "\ue000", "c", "gone"]) s.commitLocal(fileChange(`d/${n}`));
        s.commitLocal(deleteChange("d/gone"));
        const names = (ms: Manifest[]) => ms.map((m) => m.path);
        expect(names(s.children("d"))).toEqual(["d/a", "d/b", "d/c", "d/sub", "d/\ue000", "d/😀"]);
        expect(names(s.children(""))).toEqual(["d", "top"]);
        expect(names(s.children("d", { limit: 2 }))).toEqual(["d/a", "d/b"]);
        expect(names(s.children("d", { limit: 2, after: "b" }))).toEqual(["d/c", "d/sub"]);
        expect(names(s.children("d", { after: "sub" }))).toEqual(["d/\ue000", "d/😀"]);
        expect(s.children("d/sub/deep")).toEqual([]);
        expect(s.children("nothing")).toEqual([]);
        expect(thrown(() => s.children("d/")).code).toBe("invalid_path");
        expect(thrown(() => s.children("d", { limit: 0 })).code).toBe("invalid_limit");
      });

      test("a deleted directory with something live below it is listed live; rows mode shows the stored rows", () => {
        const [s, t] = trio();
        s.commitLocalBatch([dirChange("dd1"), dirChange("dd1/sub"), fileChange("dd1/old")]);
        exchange(t, s);
        // Concurrently: t deletes the folder with what it knows; s writes a file under it.
        t.commitLocalBatch([deleteChange("dd1/old"), deleteChange("dd1/sub", "dir"), deleteChange("dd1", "dir")]);
        s.commitLocal(fileChange("dd1/sub/new"));
        exchange(t, s);
        exchange(s, t);
        for (const store of [s, t]) {
          expect(store.get("dd1")?.deleted).toBe(true);
          expect(store.hasLiveDescendant("dd1")).toBe(true);
          expect(store.hasLiveDescendant("dd1/sub/new")).toBe(false);
          const root = store.children("");
          expect(root.map((m) => [m.path, m.kind, m.deleted])).toEqual([["dd1", "dir", false]]);
          expect(store.children("dd1").map((m) => [m.path, m.deleted])).toEqual([["dd1/sub", false]]);
          expect(store.children("dd1/sub").map((m) => m.path)).toEqual(["dd1/sub/new"]);
          expect(store.children("dd1", { rows: true }).map((m) => [m.path, m.deleted])).toEqual([["dd1/old", true], ["dd1/sub", true]]);
        }
        // "dd10" is not below "dd1".
        const u = newStore("u", new FakeTime().now);
        u.commitLocalBatch([fileChange("dd10"), dirChange("dd1")]);
        u.commitLocal(deleteChange("dd1", "dir"));
        expect(u.hasLiveDescendant("dd1")).toBe(false);
        expect(u.children("").map((m) => m.path)).toEqual(["dd10"]);
      });
    });

    runManifestRangeTests(newStore);
  });
}
