// Conformance for folder totals (the web UI's folder sizes and item counts): what is live below each folder of a
// listing's page, counted the same by every ManifestStore.
import { describe, expect, test } from "bun:test";
import type { NewManifestStore } from "./manifest-store.case.ts";
import { deleteChange, dirChange, FakeTime, fileChange } from "./test-fixtures.ts";

export function runFolderTotalsTests(name: string, newStore: NewManifestStore): void {
  describe(`${name}: folder totals`, () => {
    const store = () => newStore("a", new FakeTime().now);
    const totals = (s: ReturnType<typeof store>, dirs: string[]) => Object.fromEntries(s.folderTotals(dirs));

    test("live bytes below a folder (a user's usage) stay equal to the live files' sizes through writes, merges, deletions and purges", () => {
      const a = newStore("a", new FakeTime().now);
      const b = newStore("b", new FakeTime().now);
      const dirs = ["home/al", "home/al/x", "home", "home/bo", ""];
      // What the rows say: every live file below the folder, its size once.
      const counted = (s: ReturnType<typeof store>, dir: string) =>
        s.rowsBelow(dir, "", 1_000_000).filter((r) => r.kind === "file" && !r.deleted).reduce((n, r) => n + r.size, 0);
      let seed = 7;
      const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
      const paths = ["home/al/f", "home/al/x/f", "home/al/x/y/f", "home/alf", "home/bo/f", "home/al/x", "top"];
      for (let i = 0; i < 300; i++) {
        const s = rand(2) === 0 ? a : b;
        const path = paths[rand(paths.length)]!;
        if (rand(4) === 0) s.commitLocal(deleteChange(path));
        else s.commitLocal(fileChange(path, 1 + rand(1000), `${i}`));
        if (rand(5) === 0) {
          const [to, from] = rand(2) === 0 ? [a, b] : [b, a];
          to.apply(from.changesSince(to.marks(), 1_000_000).entries);
        }
        if (rand(20) === 0) s.purgeTombstones(() => true, 100);
        for (const st of [a, b]) for (const d of dirs.slice(0, 4)) expect([i, d, st.liveBytesBelow(d)]).toEqual([i, d, counted(st, d)]);
      }
    });

    test("files at any depth and their bytes; items are the entries a listing of the folder shows", () => {
      const s = store();
      s.commitLocalBatch([
        dirChange("photos"),
        fileChange("photos/a.jpg", 10),
        fileChange("photos/b.jpg", 5),
        dirChange("photos/2024"),
        fileChange("photos/2024/c.jpg", 7),
        dirChange("photos/2024/deep"),
        fileChange("photos/2024/deep/d.jpg", 3),
        dirChange("photos/empty"),
        dirChange("docs"),
        fileChange("docs/x.txt", 100),
        fileChange("top.txt", 1000),
      ]);
      expect(totals(s, ["photos", "docs", "photos/2024", "photos/empty"])).toEqual({
        photos: { items: 4, files: 4, bytes: 25 },
        docs: { items: 1, files: 1, bytes: 100 },
        "photos/2024": { items: 2, files: 2, bytes: 10 },
        "photos/empty": { items: 0, files: 0, bytes: 0 },
      });
      // Items match the listing, whatever its shape.
      expect(s.children("photos")).toHaveLength(4);
    });

    test("a folder with nothing below, or no folder at all, is all zeros; no folders, an empty map", () => {
      const s = store();
      s.commitLocalBatch([dirChange("e")]);
      expect(totals(s, ["e", "missing"])).toEqual({ e: { items: 0, files: 0, bytes: 0 }, missing: { items: 0, files: 0, bytes: 0 } });
      expect(s.folderTotals([]).size).toBe(0);
    });

    test("deleted files and folders count for nothing; a deleted folder with something live below still is an item", () => {
      const s = store();
      s.commitLocalBatch([dirChange("p"), fileChange("p/gone", 50), fileChange("p/kept", 4), dirChange("p/old"), fileChange("p/old/x", 6)]);
      s.commitLocal(deleteChange("p/gone"));
      // The folder's tombstone arrives while a file below it is live (the tree rule keeps it listed).
      s.commitLocal(deleteChange("p/old", "dir"));
      expect(s.children("p").map((m) => m.path)).toEqual(["p/kept", "p/old"]);
      expect(totals(s, ["p"])).toEqual({ p: { items: 2, files: 2, bytes: 10 } });
    });

    test("a file and a folder of one name are two items; a folder's name that is a prefix of another's counts apart", () => {
      const s = store();
      s.commitLocalBatch([
        dirChange("s3"),
        fileChange("s3/site", 2),
        dirChange("s3/site"),
        fileChange("s3/site/index.html", 8),
        dirChange("s3-other"),
        fileChange("s3-other/y", 16),
        fileChange("s3.txt", 32),
      ]);
      expect(totals(s, ["s3", "s3/site", "s3-other"])).toEqual({
        s3: { items: 2, files: 2, bytes: 10 },
        "s3/site": { items: 1, files: 1, bytes: 8 },
        "s3-other": { items: 1, files: 1, bytes: 16 },
      });
    });

    test("a folder with more entries than its share: that many items, marked partial; files and bytes whole", () => {
      const s = store();
      s.commitLocalBatch([dirChange("big"), dirChange("big/a"), fileChange("big/a/1", 1), fileChange("big/a/2", 2), fileChange("big/b", 4), fileChange("big/c", 8), dirChange("small"), fileChange("small/x", 16)]);
      // big holds three entries (a/, b, c), small one; files and bytes are the sums below, never cut.
      expect(Object.fromEntries(s.folderTotals(["big", "small"], 2))).toEqual({
        big: { items: 2, files: 4, bytes: 15, partial: true },
        small: { items: 1, files: 1, bytes: 16 },
      });
      // Exactly its share: whole, not partial.
      expect(s.folderTotals(["small"], 1).get("small")).toEqual({ items: 1, files: 1, bytes: 16 });
      expect(s.folderTotals(["big"], 3).get("big")).toEqual({ items: 3, files: 4, bytes: 15 });
    });


    test("names beyond ASCII count by their characters", () => {
      const s = store();
      s.commitLocalBatch([dirChange("ünï"), dirChange("ünï/çà"), fileChange("ünï/çà/é.txt", 3), fileChange("ünï/ø", 4)]);
      expect(totals(s, ["ünï"])).toEqual({ "ünï": { items: 2, files: 2, bytes: 7 } });
    });
  });
}
