import { expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { migrations } from "../store/migrations.ts";
import { MemoryManifestStore } from "./memory-manifest-store.ts";
import { nameOf, parentOf } from "./path.ts";
import { applyMigration, migrate, openDatabase } from "../store/db.ts";
import { runManifestStoreTests } from "./manifest-store.case.ts";
import { runManifestSyncTests } from "./manifest-sync.case.ts";
import { runManifestGcTests } from "./manifest-gc.case.ts";
import { FOLDER_ITEMS_SQL, FOLDER_SUMS_SQL, INLINE_AFTER_SQL, PARENTS_BELOW, RANGE_KEYS_SQL, RANGE_ROWS_SQL, SEARCH_BELOW_SQL, SqliteManifestStore } from "./sqlite-manifest-store.ts";
import { RING_END, storedPosition } from "./partition.ts";
import { xxhash64 } from "../ring/hash.ts";
import { runVersionRowsTests } from "./version-rows.case.ts";
import { runPathKindTests } from "./path-kinds.case.ts";
import { runFolderTotalsTests } from "./folder-totals.case.ts";
import { runNameSearchTests } from "./name-search.case.ts";
import { inlineChange, runInlineRowTests } from "./inline-rows.case.ts";
import { deleteChange, dirChange, fileChange, hexId } from "./test-fixtures.ts";

runManifestStoreTests("SqliteManifestStore", (nodeId, now) => new SqliteManifestStore(openDatabase(":memory:"), nodeId, now));
runManifestSyncTests("SqliteManifestStore", (nodeId, now) => new SqliteManifestStore(openDatabase(":memory:"), nodeId, now));
runManifestGcTests("SqliteManifestStore", (nodeId, now) => new SqliteManifestStore(openDatabase(":memory:"), nodeId, now));
runVersionRowsTests("SqliteManifestStore", (nodeId, now) => new SqliteManifestStore(openDatabase(":memory:"), nodeId, now));
runPathKindTests("SqliteManifestStore", (nodeId, now) => new SqliteManifestStore(openDatabase(":memory:"), nodeId, now));
runFolderTotalsTests("SqliteManifestStore", (nodeId, now) => new SqliteManifestStore(openDatabase(":memory:"), nodeId, now));
runNameSearchTests("SqliteManifestStore", (nodeId, now) => new SqliteManifestStore(openDatabase(":memory:"), nodeId, now));
const databases = new WeakMap<object, Database>();
runInlineRowTests(
  "SqliteManifestStore",
  (nodeId, now) => {
    const db = openDatabase(":memory:");
    const store = new SqliteManifestStore(db, nodeId, now);
    databases.set(store, db);
    return store;
  },
  (store, path, inline) => databases.get(store)!.run("UPDATE files SET inline = ? WHERE path = ? AND kind = 'file'", [inline, path]),
);

test("migration 10 fills the chunk references from the rows a database already holds", () => {
  const db = openDatabase(":memory:");
  const before = new SqliteManifestStore(db, "a");
  const shared = hexId("shared");
  before.commitLocalBatch([dirChange("p"), { ...fileChange("p/x", 8, "px"), chunks: [hexId("px:0"), shared] }, { ...fileChange("root", 8, "r"), chunks: [shared, shared] }]);
  before.commitLocalBatch([fileChange("gone", 4, "gone"), deleteChange("gone")]);
  // The database as an earlier version left it: no chunk_refs table (nor the tables of later migrations), schema 9.
  db.exec("DROP TABLE chunk_refs");
  db.exec("DROP TABLE accounts");
  db.exec("DROP TABLE audit");
  db.exec("DROP TABLE folder_usage");
  db.exec("ALTER TABLE peers DROP COLUMN joining");
  db.exec("PRAGMA user_version = 9");
  migrate(db);
  const after = new SqliteManifestStore(db, "a");
  expect(after.chunkFolders(shared).sort()).toEqual(["", "p"]);
  expect(after.chunkFolders(hexId("px:0"))).toEqual(["p"]);
  expect(after.chunkFolders(hexId("gone:0"))).toEqual([]);
  expect((db.query("SELECT count(*) AS n FROM chunk_refs").get() as { n: number }).n).toBe(3);
});

test("migration 18 fills the per-folder usage from the rows a database already holds", () => {
  const db = openDatabase(":memory:");
  const before = new SqliteManifestStore(db, "a");
  before.commitLocalBatch([dirChange("home"), dirChange("home/al"), fileChange("home/al/a", 5), fileChange("home/al/sub/b", 7), fileChange("home/alx", 100)]);
  before.commitLocalBatch([fileChange("home/al/gone", 50), deleteChange("home/al/gone")]);
  const expected = before.liveBytesBelow("home/al");
  expect(expected).toBe(12);
  // The database as migration 17 left it: no folder_usage, nor the partition position of migration 19.
  db.exec("DROP TABLE folder_usage");
  db.exec("DROP INDEX files_position");
  db.exec("ALTER TABLE files DROP COLUMN position");
  db.exec("PRAGMA user_version = 17");
  migrate(db);
  const after = new SqliteManifestStore(db, "a");
  expect([after.liveBytesBelow("home/al"), after.liveBytesBelow("home"), after.liveBytesBelow("nothing")]).toEqual([12, 112, 0]);
});

test("migration 14 (a file and a directory at one path) carries every row of a database made by the schema before it over unchanged", () => {
  // The database as the previous version made it: migrations 1-11, rows written the way its store wrote them.
  const db = new Database(":memory:", { strict: true });
  for (const m of migrations.slice(0, 13)) applyMigration(db, m);
  db.exec("PRAGMA user_version = 13");
  const source = new MemoryManifestStore("old");
  const rows = source.commitLocalBatch([
    dirChange("p"),
    { ...fileChange("p/x", 8, "px"), md5: "0".repeat(32), meta: { contentType: "text/plain", user: { k: "v" } } },
    { ...fileChange("p/mp", 6, "mp"), chunkSizes: [4, 2], md5: `${"a".repeat(32)}-2`, multipart: { uploadId: "up1", partSizes: [4, 2] } },
    fileChange("gone", 4, "gone"),
  ]);
  rows.push(source.commitLocal(deleteChange("gone")));
  const insert = db.prepare(
    `INSERT INTO files (path, parent, name, kind, version, deleted, size, sha256, chunk_size, chunks, mtime, origin, seq, md5, chunk_sizes, meta, multipart)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  // One row per path, the last written, as the previous table kept them.
  for (const m of new Map(rows.map((r) => [r.path, r])).values()) {
    insert.run(m.path, parentOf(m.path), nameOf(m.path), m.kind, m.version, m.deleted ? 1 : 0, m.size, m.sha256, m.chunkSize, JSON.stringify(m.chunks),
      m.mtime, m.origin, m.seq, m.md5 ?? null, m.chunkSizes ? JSON.stringify(m.chunkSizes) : null, m.meta ? JSON.stringify(m.meta) : null,
      m.multipart ? JSON.stringify(m.multipart) : null);
  }
  for (const m of rows.slice(0, 3)) for (const id of m.chunks) db.prepare("INSERT OR IGNORE INTO chunk_refs VALUES (?, ?, ?)").run(id, "p", m.path);
  db.exec("INSERT INTO sync_state (origin, seq) VALUES ('old', 5)");
  const table = (sql: string) => db.query(sql).all();
  const before = [table("SELECT * FROM files ORDER BY path"), table("SELECT * FROM chunk_refs ORDER BY chunk_id"), table("SELECT * FROM sync_state")];

  migrate(db);
  // Later migrations add the inline column, empty on every row carried over, and the partition position.
  const files = table("SELECT * FROM files ORDER BY path") as Array<Record<string, unknown>>;
  expect(files.map((r) => r.inline)).toEqual(files.map(() => null));
  const carried = files.map(({ inline: _i, position: _p, ...rest }) => rest);
  expect([carried, table("SELECT * FROM chunk_refs ORDER BY chunk_id"), table("SELECT * FROM sync_state")]).toEqual(before);
  const store = new SqliteManifestStore(db, "new");
  for (const m of [rows[0]!, rows[1]!, rows[2]!, rows[4]!]) expect(store.get(m.path, m.kind)).toEqual(m);
  expect(store.marks()).toEqual({ old: 5 });
  expect(store.stats()).toEqual({ files: 2, dirs: 1, tombstones: 1, bytes: 14 });
  // The new key: a file beside the directory p, and a directory beside the file p/x.
  store.commitLocalBatch([fileChange("p", 4, "beside"), dirChange("p/x")]);
  expect([store.get("p", "file")?.kind, store.get("p", "dir")?.kind, store.get("p/x", "file")?.md5]).toEqual(["file", "dir", "0".repeat(32)]);
  const indexes = table("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'files' ORDER BY name") as Array<{ name: string }>;
  expect(indexes.map((i) => i.name)).toEqual(["files_origin", "files_parent", "files_position", "files_tombstones", "sqlite_autoindex_files_1"]);
});

test("parentsBelow reads one range of the parent index: no scan of the table, no sort, no temporary table", () => {
  const db = openDatabase(":memory:");
  const plan = db.query(`EXPLAIN QUERY PLAN ${PARENTS_BELOW}`).all(".orrery-versions/b/k", ".orrery-versions/b0", 1000) as Array<{ detail: string }>;
  expect(plan.map((p) => p.detail)).toEqual(["SEARCH files USING COVERING INDEX files_parent (parent>? AND parent<?)"]);
});

test("folder totals read a range of the (parent, name) index and of folder_usage's key, never a scan of every row", () => {
  const db = openDatabase(":memory:");
  const s = new SqliteManifestStore(db, "a");
  s.commitLocalBatch([dirChange("p"), fileChange("p/x", 4), dirChange("q"), fileChange("q/y", 8)]);
  // Enough rows that the planner's statistics (after ANALYZE) make a scan the dearer way.
  for (let i = 0; i < 20; i++) s.commitLocalBatch(Array.from({ length: 100 }, (_, j) => fileChange(`many/d${i}/f${j}`, 1)));
  const plan = (sql: string, ...args: (string | number)[]) => (db.query(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as Array<{ detail: string }>).map((r) => r.detail);
  // With and without the planner's statistics (a node runs no ANALYZE, but a copied database may carry them).
  for (const analyze of [false, true]) {
    if (analyze) db.exec("ANALYZE");
    const items = plan(FOLDER_ITEMS_SQL, "p", 1001);
    expect(items.some((d) => /^SEARCH f USING (COVERING )?INDEX files_parent \(parent=\?\)/.test(d))).toBe(true);
    const sums = plan(FOLDER_SUMS_SQL, "p", "p/", "p0");
    expect(sums.every((d) => /^(SEARCH folder_usage USING PRIMARY KEY|MULTI-INDEX OR|INDEX \d)/.test(d))).toBe(true);
    expect([...items, ...sums].filter((d) => /^SCAN (f|files|folder_usage)\b/.test(d))).toEqual([]);
  }
  expect(s.folderTotals(["p", "q"])).toEqual(new Map([["p", { items: 1, files: 1, bytes: 4 }], ["q", { items: 1, files: 1, bytes: 8 }]]));
});

test("a name search below a folder reads a range of the primary key, never every row", () => {
  const db = openDatabase(":memory:");
  new SqliteManifestStore(db, "a").commitLocalBatch([dirChange("p"), fileChange("p/x", 4), fileChange("q", 8)]);
  const plan = (db.query(`EXPLAIN QUERY PLAN ${SEARCH_BELOW_SQL}`).all("p/", "p0", "x", 10) as Array<{ detail: string }>).map((r) => r.detail);
  expect(plan.some((d) => /^SEARCH files USING (INDEX sqlite_autoindex_files_1|PRIMARY KEY) \(path>\? AND path<\?\)/.test(d))).toBe(true);
  expect(plan.filter((d) => /^SCAN files\b/.test(d))).toEqual([]);
});

test("a listing reads no inline bytes until they are asked for, and then only of the version it listed", () => {
  const s = new SqliteManifestStore(openDatabase(":memory:"), "a");
  const row = s.commitLocal(inlineChange("f", "listed"));
  const [listed] = s.children("");
  expect(typeof Object.getOwnPropertyDescriptor(listed!, "inline")!.get).toBe("function"); // not read yet
  expect(listed!.inline).toBe(row.inline!);
  expect(Object.getOwnPropertyDescriptor(listed!, "inline")!.value).toBe(row.inline!); // read once, kept
  const [stale] = s.children("");
  s.commitLocal(inlineChange("f", "replaced"));
  expect(() => stale!.inline).toThrow(/changed while it was being read/);
});

test("the scrubber's pages of inline rows start where the last one ended (a search of the primary key, not a scan from the first row)", () => {
  const db = openDatabase(":memory:");
  new SqliteManifestStore(db, "a");
  const plan = (db.query(`EXPLAIN QUERY PLAN ${INLINE_AFTER_SQL}`).all("p", "file", 500) as Array<{ detail: string }>).map((r) => r.detail);
  expect(plan).toEqual(["SEARCH files USING INDEX sqlite_autoindex_files_1 ((path,kind)>(?,?))"]);
});

test("migration 19 gives every row of a database made by the schema before it its partition position, and the range index", () => {
  // The database as the previous version made it (migrations 1-18), rows inserted the way its store wrote them.
  const db = new Database(":memory:", { strict: true });
  for (const m of migrations.slice(0, 18)) applyMigration(db, m);
  db.exec("PRAGMA user_version = 18");
  const source = new MemoryManifestStore("old");
  source.commitLocalBatch([dirChange("p"), dirChange("p/q"), fileChange("p/x", 8), fileChange("p/q/y", 4), fileChange("top", 2), dirChange("p/x")]);
  source.commitLocal(deleteChange("top"));
  const rows = source.rangeRows({ from: 0n, to: RING_END }, undefined, 100);
  const insert = db.prepare(
    `INSERT INTO files (path, parent, name, kind, version, deleted, size, sha256, chunk_size, chunks, mtime, origin, seq, md5, chunk_sizes, meta, multipart, inline)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, NULL)`,
  );
  for (const m of rows) {
    insert.run(m.path, parentOf(m.path), nameOf(m.path), m.kind, m.version, m.deleted ? 1 : 0, m.size, m.sha256, m.chunkSize, JSON.stringify(m.chunks), m.mtime, m.origin, m.seq);
  }
  migrate(db);
  const store = new SqliteManifestStore(db, "new");
  // Read back as SQLite stores them (the column as a 64-bit integer).
  const stored = db.query("SELECT path, kind, position FROM files ORDER BY path, kind").safeIntegers(true).all() as Array<{ path: string; position: bigint }>;
  expect(stored.length).toBe(6);
  for (const r of stored) expect(r.position).toBe(storedPosition(xxhash64(`dir:${parentOf(r.path)}`)));
  // Range reads and digests see the migrated rows exactly as a store that wrote them.
  expect(store.rangeRows({ from: 0n, to: RING_END }, undefined, 100)).toEqual(rows);
  expect(store.rangeDigest({ from: 0n, to: RING_END })).toEqual(source.rangeDigest({ from: 0n, to: RING_END }));
  const p = store.positionOf("p/q/y");
  expect(store.rangeRows({ from: p, to: p + 1n }, undefined, 100).map((m) => m.path)).toEqual(["p/q/y"]);
  const indexes = db.query("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'files' AND name = 'files_position'").all();
  expect(indexes.length).toBe(1);
});

test("a range read walks the (position, path, kind) index from its start or its cursor: no scan, no sort", () => {
  const db = openDatabase(":memory:");
  const s = new SqliteManifestStore(db, "a");
  for (let i = 0; i < 20; i++) s.commitLocalBatch(Array.from({ length: 100 }, (_, j) => fileChange(`many/d${i}/f${j}`, 1)));
  for (const analyze of [false, true]) {
    if (analyze) db.exec("ANALYZE");
    for (const sql of [RANGE_ROWS_SQL, RANGE_KEYS_SQL]) {
      const plan = (db.query(`EXPLAIN QUERY PLAN ${sql}`).all(-5n, 5n, -5n, "", "", 100) as Array<{ detail: string }>).map((r) => r.detail);
      expect(plan).toEqual([expect.stringMatching(/^SEARCH files USING (COVERING )?INDEX files_position \(/)]);
    }
  }
});
