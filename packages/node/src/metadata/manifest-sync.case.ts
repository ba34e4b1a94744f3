// The ManifestStore conformance suite of the delta sync: marks, changesSince pages, and stores converging
// through exchanges in any order.
import { describe, expect, test } from "bun:test";
import { dump, exchange, expectConverged, type NewManifestStore, syncAll, thrown, trioOf } from "./manifest-store.kit.ts";
import { answerSyncRequest, runSyncRound } from "./sync.ts";
import { deleteChange, dirChange, FakeTime, fileChange, pick, seededRandom } from "./test-fixtures.ts";

export function runManifestSyncTests(name: string, newStore: NewManifestStore): void {
  describe(`ManifestStore conformance, delta sync: ${name}`, () => {
    const trio = (time = new FakeTime()) => trioOf(newStore, time);

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

  });
}
