// The part of the ManifestStore conformance suite about arcs of the ring (runManifestStoreTests runs it): partition
// positions, range reads in pages, and range digests, alike for every backend.
import { describe, expect, test } from "bun:test";
import { dump, exchange, type NewManifestStore, thrown } from "./manifest-store.kit.ts";
import type { Manifest } from "./manifest.ts";
import type { ManifestStore, RangeCursor } from "./manifest-store.ts";
import { partitionPosition, type PositionRange, RING_END } from "./partition.ts";
import { deleteChange, dirChange, FakeTime, fileChange } from "./test-fixtures.ts";
import { combine } from "./range-digests.ts";
import { formatVersion } from "./hlc.ts";
import { xxhash64 } from "../ring/hash.ts";

const WHOLE: PositionRange = { from: 0n, to: RING_END };
const key = (m: Manifest) => `${m.path}|${m.kind}`;

/** Every row of a range, read in pages of `limit` with the cursor of each page's last row. */
function pagedRows(s: ManifestStore, range: PositionRange, limit: number): Manifest[] {
  const out: Manifest[] = [];
  let after: RangeCursor | undefined;
  for (;;) {
    const page = s.rangeRows(range, after, limit);
    out.push(...page);
    if (page.length < limit) return out;
    const last = page[page.length - 1]!;
    after = { position: s.positionOf(last.path), path: last.path, kind: last.kind };
  }
}

/** A tree of folders, a file and a directory sharing a path, and a tombstone. */
function populate(s: ManifestStore): void {
  s.commitLocalBatch([dirChange("a"), dirChange("a/b"), fileChange("a/b", 3), fileChange("a/x"), fileChange("top")]);
  s.commitLocalBatch(Array.from({ length: 30 }, (_, i) => fileChange(`a/b/f${String(i).padStart(2, "0")}`, 1)));
  s.commitLocal(deleteChange("a/x"));
}

export function runManifestRangeTests(newStore: NewManifestStore): void {
  describe("arcs of the ring", () => {
    test("a row's position is its parent folder's partition position: the hash Placement walks from", () => {
      const s = newStore("a", new FakeTime().now);
      expect(s.positionOf("a/b/c")).toBe(partitionPosition(xxhash64, "a/b/c"));
      expect(s.positionOf("a/b/c")).toBe(xxhash64("dir:a/b"));
      expect(s.positionOf("top")).toBe(xxhash64("dir:"));
      expect(s.positionOf("a/b/c")).toBe(s.positionOf("a/b/d"));
    });

    test("the whole ring reads every row, tombstones too, in (position, path, kind) order; pages chain by cursor", () => {
      const s = newStore("a", new FakeTime().now);
      populate(s);
      const all = s.rangeRows(WHOLE, undefined, 1000);
      expect(all.map(key).sort()).toEqual(dump(s).map(key).sort());
      expect(all.some((m) => m.deleted)).toBe(true);
      const order = all.map((m) => [s.positionOf(m.path), m.path, m.kind] as const);
      const sorted = [...order].sort((x, y) => (x[0] !== y[0] ? (x[0] < y[0] ? -1 : 1) : x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : x[2] < y[2] ? -1 : x[2] > y[2] ? 1 : 0));
      expect(order).toEqual(sorted);
      // Both rows of a/b (a file and a directory) sit in one partition, "a"'s.
      expect(all.filter((m) => m.path === "a/b").map((m) => m.kind)).toEqual(["dir", "file"]);
      for (const limit of [1, 2, 7]) expect(pagedRows(s, WHOLE, limit)).toEqual(all);
      expect(all.find((m) => m.path === "a/b/f00")).toEqual(s.get("a/b/f00", "file")!);
    });

    test("an arc holds exactly the rows whose position lies in it: bounds are [from, to), cuts lose nothing", () => {
      const s = newStore("a", new FakeTime().now);
      populate(s);
      const p = s.positionOf("a/b/f00");
      const folder = s.rangeRows({ from: p, to: p + 1n }, undefined, 1000);
      expect(folder.map((m) => m.path)).toEqual(Array.from({ length: 30 }, (_, i) => `a/b/f${String(i).padStart(2, "0")}`));
      expect(s.rangeRows({ from: p + 1n, to: RING_END }, undefined, 1000).some((m) => m.path.startsWith("a/b/f"))).toBe(false);
      if (p > 0n) expect(s.rangeRows({ from: 0n, to: p }, undefined, 1000).some((m) => m.path.startsWith("a/b/f"))).toBe(false);
      for (const cut of [1n, p, p + 1n, RING_END / 3n, RING_END - 1n]) {
        const halves = [...s.rangeRows({ from: 0n, to: cut }, undefined, 1000), ...s.rangeRows({ from: cut, to: RING_END }, undefined, 1000)];
        expect(halves).toEqual(s.rangeRows(WHOLE, undefined, 1000));
      }
      for (const bad of [{ from: 5n, to: 5n }, { from: 6n, to: 5n }, { from: -1n, to: 5n }, { from: 0n, to: RING_END + 1n }]) {
        expect(thrown(() => s.rangeRows(bad, undefined, 10)).code).toBe("invalid_range");
        expect(thrown(() => s.rangeDigest(bad)).code).toBe("invalid_range");
      }
    });

    test("equal rows, equal digests, whatever order they arrived in; a differing version or a missing row differs", () => {
      const time = new FakeTime();
      const [a, b] = [newStore("a", time.now), newStore("b", time.now)];
      populate(a);
      b.apply([...dump(a)].reverse());
      expect(a.rangeDigest(WHOLE)).toEqual(b.rangeDigest(WHOLE));
      expect(a.rangeDigest(WHOLE).count).toBe(dump(a).length);
      const p = a.positionOf("a/b/f00");
      const arc = { from: p, to: p + 1n };
      expect(a.rangeDigest(arc)).toEqual(b.rangeDigest(arc));
      time.advance(10);
      b.commitLocal(fileChange("a/b/f03", 2, "newer"));
      expect(a.rangeDigest(arc)).not.toEqual(b.rangeDigest(arc));
      expect(a.rangeDigest(arc).count).toBe(b.rangeDigest(arc).count);
      exchange(a, b);
      expect(a.rangeDigest(arc)).toEqual(b.rangeDigest(arc));
      b.commitLocal(fileChange("a/b/g", 1));
      expect(b.rangeDigest(arc).count).toBe(a.rangeDigest(arc).count + 1);
      // Elsewhere on the ring nothing changed.
      if (p > 0n) expect(a.rangeDigest({ from: 0n, to: p })).toEqual(b.rangeDigest({ from: 0n, to: p }));
    });

    test("a range's digest combines its parts' (count added, hashes XORed), cached or not", () => {
      const s = newStore("a", new FakeTime().now);
      populate(s);
      const whole = s.rangeDigest(WHOLE);
      for (const cut of [RING_END / 7n, s.positionOf("a/b/f00"), s.positionOf("a/b/f00") + 1n]) {
        const [l, r] = [s.rangeDigest({ from: 0n, to: cut }), s.rangeDigest({ from: cut, to: RING_END })];
        expect(combine(l, r)).toEqual(whole);
        expect({ count: l.count + r.count, hash: l.hash ^ r.hash }).toEqual({ count: whole.count, hash: whole.hash });
      }
      expect(s.rangeDigest(WHOLE)).toEqual(whole);
      // The bounds: the lowest and highest position of the rows.
      const positions = s.rangeRows(WHOLE, undefined, 1000).map((m) => s.positionOf(m.path));
      expect([whole.first, whole.last]).toEqual([positions[0], positions[positions.length - 1]]);
      const folder = s.positionOf("a/b/f00");
      expect(s.rangeDigest({ from: folder, to: folder + 1n })).toMatchObject({ count: 30, first: folder, last: folder });
      const empty = { from: s.positionOf("top") + 1n, to: s.positionOf("top") + 2n };
      expect(s.rangeRows(empty, undefined, 10)).toEqual([]);
      expect(s.rangeDigest(empty)).toEqual({ count: 0, hash: 0n });
    });

    test("digests follow every change: writes, merged rows, purged tombstones and a wipe", () => {
      const time = new FakeTime();
      const s = newStore("a", time.now);
      populate(s);
      const arcs = [WHOLE, ...[0n, 1n, 2n, 3n].map((i) => ({ from: (RING_END / 4n) * i, to: (RING_END / 4n) * (i + 1n) }))];
      const folder = s.positionOf("a/b/f00");
      arcs.push({ from: folder, to: folder + 1n });
      const seen = [s.rangeDigest(WHOLE)];
      for (const arc of arcs) s.rangeDigest(arc); // cached now: what follows must keep them up to date
      const changed = () => {
        const d = s.rangeDigest(WHOLE);
        expect(seen).not.toContainEqual(d);
        seen.push(d);
        expect(d.count).toBe(dump(s).length);
        // The cached parts, kept up to date write by write, match a store that reads the same rows afresh.
        const fresh = newStore("fresh", time.now);
        fresh.apply(dump(s));
        for (const arc of arcs) {
          const [kept, read] = [s.rangeDigest(arc), fresh.rangeDigest(arc)];
          expect({ count: kept.count, hash: kept.hash }).toEqual({ count: read.count, hash: read.hash });
        }
      };
      time.advance(5);
      s.commitLocal(fileChange("a/b/f01", 4, "again"));
      changed();
      const other = newStore("b", time.now);
      other.commitLocal(fileChange("a/new", 1));
      exchange(s, other);
      changed();
      // A row older than the one held changes nothing.
      const before = s.rangeDigest(WHOLE);
      s.apply([{ ...s.get("a/b/f01")!, version: formatVersion({ wall: 1, counter: 0, nodeId: "old" }), origin: "old", seq: 1 }]);
      expect(s.rangeDigest(WHOLE)).toEqual(before);
      expect(s.purgeTombstones(() => true, 10)).toBe(1);
      changed();
      s.wipe();
      expect(s.rangeDigest(WHOLE)).toEqual({ count: 0, hash: 0n });
    });
  });
}
