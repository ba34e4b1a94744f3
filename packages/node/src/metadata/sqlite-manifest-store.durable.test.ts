import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../store/db.ts";
import { compareVersions } from "./hlc.ts";
import { SqliteManifestStore } from "./sqlite-manifest-store.ts";
import { deleteChange, dirChange, FakeTime, fileChange } from "./test-fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "orrery-manifests-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("rows, marks and the node's own seq survive a restart", () => {
  const file = join(dir, "node.db");
  const time = new FakeTime();
  const db1 = openDatabase(file);
  const s1 = new SqliteManifestStore(db1, "a", time.now);
  s1.commitLocalBatch([dirChange("d"), fileChange("d/f", 10)]);
  s1.apply([new SqliteManifestStore(openDatabase(":memory:"), "b", time.now).commitLocal(fileChange("g", 4))]);
  const last = s1.commitLocal(deleteChange("d/f"));
  const before = { rows: s1.changesSince({}, 100), stats: s1.stats() };
  db1.close();

  time.advance(-60_000); // the wall clock went back across the restart
  const db2 = openDatabase(file);
  const s2 = new SqliteManifestStore(db2, "a", time.now);
  expect(s2.changesSince({}, 100)).toEqual(before.rows);
  expect(s2.stats()).toEqual(before.stats);
  expect(s2.marks()).toEqual({ a: 3, b: 1 });
  const next = s2.commitLocal(fileChange("d/f", 5, "again"));
  expect(next.seq).toBe(4);
  expect(compareVersions(next.version, last.version)).toBe(1); // still beats the tombstone it replaces
  expect(s2.get("d/f")!.deleted).toBe(false);
  db2.close();
});
