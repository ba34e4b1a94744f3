// The conformance suite every ManifestStore passes (after Hono's router tests): each implementation's
// test file is three lines calling runManifestStoreTests.
import { describe, expect, test } from "bun:test";
import { OrreryError } from "../errors.ts";
import { compareVersions, formatVersion, parseVersion } from "./hlc.ts";
import { type Manifest, sameManifest } from "./manifest.ts";
import type { ManifestStore } from "./manifest-store.ts";
import { answerSyncRequest, runSyncRound } from "./sync.ts";
import { deleteChange, dirChange, FakeTime, fileChange, hexId, pick, seededRandom } from "./test-fixtures.ts";

export type NewManifestStore = (nodeId: string, now: () => number) => ManifestStore;

/** Every row, tombstones included, in (origin, seq) order: the whole observable content of a store. */
const dump = (s: ManifestStore) => s.changesSince({}, 1_000_000).entries;

/** One single-page exchange: `to` asks `from` for what it lacks, applies it, absorbs the marks. */
function exchange(to: ManifestStore, from: ManifestStore): Manifest[] {
  const page = from.changesSince(to.marks(), 1_000_000);
  expect(page.more).toBe(false);
  to.apply(page.entries);
  to.absorbMarks(page.marks);
  return page.entries;
}

function syncAll(stores: ManifestStore[]): void {
  for (const to of stores) for (const from of stores) if (to !== from) exchange(to, from);
}

function expectConverged(stores: ManifestStore[]): void {
  const [first, ...rest] = stores;
  for (const s of rest) {
    expect(dump(s)).toEqual(dump(first!));
    expect(s.marks()).toEqual(first!.marks());
  }
}

function thrown(fn: () => unknown): OrreryError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OrreryError);
    return err as OrreryError;
  }
  throw new Error("expected an OrreryError");
}

export function runManifestStoreTests(name: string, newStore: NewManifestStore): void {
  describe(`ManifestStore conformance: ${name}`, () => {
    const trio = (time = new FakeTime()) => ["a", "b", "c"].map((id) => newStore(id, time.now)) as [ManifestStore, ManifestStore, ManifestStore];

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

    describe("marks and changesSince", () => {
      test("rows come in (origin, seq) order, from the marks given (unknown origins from 0)", () => {
        const [a, b, c] = trio();
        b.commitLocalBatch([fileChange("b1"), fileChange("b2")]);
        a.commitLocalBatch([fileChange("a1"), fileChange("a2"), fileChange("a3")]);
        c.apply([...dump(b), ...dump(a)]);
        c.commitLocal(fileChange("c1"));
        const page = c.changesSince({ a: 1, zzz: 5, constructor: 3 }, 100);
        expect(page.entries.map((m) => `${m.origin}:${m.seq}`)).toEqual(["a:2", "a:3", "b:1", "b:2", "c:1"]);
        expect(page.marks).toEqual({ a: 3, b: 2, c: 1 });
        expect(page.more).toBe(false);
        const first = c.changesSince({}, 4);
        expect(first.entries.map((m) => `${m.origin}:${m.seq}`)).toEqual(["a:1", "a:2", "a:3", "b:1"]);
        expect(first.more).toBe(true);
        expect(c.changesSince({ a: 3, b: 1 }, 2)).toMatchObject({ more: false, entries: [{ path: "b2" }, { path: "c1" }] });
        expect(c.changesSince({ a: 3, b: 2, c: 1 }, 10)).toEqual({ entries: [], marks: c.marks(), more: false });
      });

      test("apply advances a mark only over contiguous seqs; absorbMarks raises marks", () => {
        const a = newStore("a", new FakeTime().now);
        const rows = a.commitLocalBatch([1, 2, 3, 4, 5].map((i) => fileChange(`f${i}`)));
        const b = newStore("b", new FakeTime().now);
        b.apply([rows[3]!, rows[0]!, rows[1]!]); // seqs 4, 1, 2: sorted, 1-2 are contiguous
        expect(b.marks()).toEqual({ a: 2 });
        b.apply([rows[2]!]);
        expect(b.marks()).toEqual({ a: 3 }); // 4 was seen, but not contiguously; a complete sync fixes that
        b.absorbMarks({ a: 2, x: 7 });
        expect(b.marks()).toEqual({ a: 3, x: 7 });
        expect(thrown(() => b.absorbMarks({ a: -1 })).code).toBe("invalid_marks");
      });

      test("a node that lost its state never reuses a seq its peers have seen", () => {
        const time = new FakeTime();
        const a = newStore("a", time.now);
        const b = newStore("b", time.now);
        b.apply(a.commitLocalBatch([fileChange("f1"), fileChange("f2")]));
        const reborn = newStore("a", time.now); // same node id, empty store
        exchange(reborn, b);
        expect(reborn.commitLocal(fileChange("f3")).seq).toBe(3);
        const reborn2 = newStore("a", time.now);
        reborn2.absorbMarks(b.marks());
        expect(reborn2.commitLocal(fileChange("f4")).seq).toBe(3);
        const reborn3 = newStore("a", time.now);
        reborn3.apply([b.get("f2")!]); // its own old row pushed back to it
        expect(reborn3.commitLocal(fileChange("f5")).seq).toBe(3);
      });
    });

    describe("delta sync between three stores", () => {
      test("exchanging changesSince → apply → absorbMarks converges all stores", () => {
        const time = new FakeTime();
        const stores = trio(time);
        const rand = seededRandom(11);
        const paths = ["a", "b", "c", "d/e", "d/f", "g"];
        for (let i = 0; i < 60; i++) {
          time.advance(Math.floor(rand() * 3));
          const s = pick(rand, stores);
          const path = pick(rand, paths);
          s.commitLocal(rand() < 0.3 ? deleteChange(path) : fileChange(path, Math.floor(rand() * 20), `${i}`));
          if (rand() < 0.3) exchange(pick(rand, stores), pick(rand, stores));
        }
        syncAll(stores);
        syncAll(stores);
        expectConverged(stores);
        // Every path holds its newest write.
        for (const path of paths) {
          const versions = stores.map((s) => s.get(path)?.version ?? "");
          expect(new Set(versions).size).toBe(1);
        }
        expect(stores[0]!.marks()).toEqual({
          a: stores[0]!.marks().a!,
          b: stores[1]!.marks().b!,
          c: stores[2]!.marks().c!,
        });
      });

      test("a store that was offline catches up with only the rows it lacks", () => {
        const time = new FakeTime();
        const [a, b, c] = trio(time);
        for (let i = 0; i < 20; i++) (i % 2 ? a : b).commitLocal(fileChange(`old/${i}`));
        syncAll([a, b, c]);
        // c is offline while a and b write 5 new rows and overwrite one old row.
        const fresh = [
          ...a.commitLocalBatch([fileChange("new/1"), fileChange("new/2"), fileChange("old/1", 3, "v2")]),
          ...b.commitLocalBatch([fileChange("new/3"), fileChange("new/4")]),
        ];
        exchange(a, b);
        exchange(b, a);
        const received = exchange(c, a);
        expect(received.map((m) => m.path).sort()).toEqual(fresh.map((m) => m.path).sort());
        expect(received.length).toBe(5); // not the 20 rows c already had
        expect(exchange(c, b)).toEqual([]);
        expectConverged([a, b, c]);
      });

      test("paging with limit/more delivers everything exactly once per round", async () => {
        const [a, b] = trio();
        a.commitLocalBatch(Array.from({ length: 23 }, (_, i) => fileChange(`f${i}`)));
        b.commitLocalBatch(Array.from({ length: 4 }, (_, i) => fileChange(`g${i}`)));
        const page = a.changesSince({}, 10);
        expect(page.entries).toHaveLength(10);
        expect(page.more).toBe(true);
        const c = newStore("c", new FakeTime().now);
        let served = 0;
        const result = await runSyncRound(c, (req) => {
          const res = answerSyncRequest(a, req, { maxEntries: 10 });
          served += res.entries.length;
          return res;
        });
        expect(result).toMatchObject({ pages: 3, received: 23, applied: 23, complete: true });
        expect(served).toBe(23);
        await runSyncRound(c, (req) => answerSyncRequest(b, req, { maxEntries: 3 }));
        expect(dump(c).length).toBe(27);
        expect(c.marks()).toEqual({ a: 23, b: 4 });
      });

      test("rows superseded by another origin still converge", () => {
        const time = new FakeTime();
        const [o, p, q] = trio(time);
        o.commitLocalBatch([fileChange("shared", 4, "o"), fileChange("only-o")]); // o:1, o:2
        exchange(p, o);
        time.advance(10);
        const newer = p.commitLocal(fileChange("shared", 8, "p")); // supersedes o:1 at p
        // q syncs from p alone: it never receives o:1, yet ends up covering it.
        const got = exchange(q, p);
        expect(got.map((m) => `${m.origin}:${m.seq}`)).toEqual(["a:2", "b:1"]);
        expect(q.marks()).toEqual({ a: 2, b: 1 });
        expect(q.get("shared")).toEqual(newer);
        // o, which still has the old row, learns the new one; nobody brings o:1 back.
        expect(exchange(q, o)).toEqual([]);
        exchange(o, q);
        expect(o.get("shared")).toEqual(newer);
        syncAll([o, p, q]);
        expectConverged([o, p, q]);
      });
    });

    test("stats count live files, directories, tombstones and bytes", () => {
      const time = new FakeTime();
      const s = newStore("a", time.now);
      expect(s.stats()).toEqual({ files: 0, dirs: 0, tombstones: 0, bytes: 0 });
      s.commitLocalBatch([dirChange("d"), fileChange("d/x", 10), fileChange("y", 7)]);
      expect(s.stats()).toEqual({ files: 2, dirs: 1, tombstones: 0, bytes: 17 });
      s.commitLocal(fileChange("y", 3, "smaller"));
      s.commitLocal(deleteChange("d/x"));
      expect(s.stats()).toEqual({ files: 1, dirs: 1, tombstones: 1, bytes: 3 });
      const other = newStore("b", time.now);
      time.advance(5);
      s.apply([other.commitLocal(fileChange("d/x", 5, "back")), other.commitLocal(deleteChange("d", "dir"))]);
      expect(s.stats()).toEqual({ files: 2, dirs: 0, tombstones: 1, bytes: 8 });
      thrown(() => s.commitLocalBatch([fileChange("z", 4), fileChange("//", 1)]));
      expect(s.stats()).toEqual({ files: 2, dirs: 0, tombstones: 1, bytes: 8 });
    });

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
