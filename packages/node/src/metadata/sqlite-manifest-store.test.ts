import { expect, test } from "bun:test";
import { migrate, openDatabase } from "../store/db.ts";
import { runManifestStoreTests } from "./manifest-store.case.ts";
import { SqliteManifestStore } from "./sqlite-manifest-store.ts";
import { runVersionRowsTests } from "./version-rows.case.ts";
import { deleteChange, dirChange, fileChange, hexId } from "./test-fixtures.ts";

runManifestStoreTests("SqliteManifestStore", (nodeId, now) => new SqliteManifestStore(openDatabase(":memory:"), nodeId, now));
runVersionRowsTests("SqliteManifestStore", (nodeId, now) => new SqliteManifestStore(openDatabase(":memory:"), nodeId, now));

test("migration 10 fills the chunk references from the rows a database already holds", () => {
  const db = openDatabase(":memory:");
  const before = new SqliteManifestStore(db, "a");
  const shared = hexId("shared");
  before.commitLocalBatch([dirChange("p"), { ...fileChange("p/x", 8, "px"), chunks: [hexId("px:0"), shared] }, { ...fileChange("root", 8, "r"), chunks: [shared, shared] }]);
  before.commitLocalBatch([fileChange("gone", 4, "gone"), deleteChange("gone")]);
  // The database as an earlier version left it: no chunk_refs table (nor the tables of later migrations), schema 9.
  db.exec("DROP TABLE chunk_refs");
  db.exec("DROP TABLE accounts");
  db.exec("PRAGMA user_version = 9");
  migrate(db);
  const after = new SqliteManifestStore(db, "a");
  expect(after.chunkFolders(shared).sort()).toEqual(["", "p"]);
  expect(after.chunkFolders(hexId("px:0"))).toEqual(["p"]);
  expect(after.chunkFolders(hexId("gone:0"))).toEqual([]);
  expect((db.query("SELECT count(*) AS n FROM chunk_refs").get() as { n: number }).n).toBe(3);
});
