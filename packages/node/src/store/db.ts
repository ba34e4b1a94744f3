// Opens the node's SQLite database (WAL, full fsync on commit) and applies migrations.
import { Database, type Statement } from "bun:sqlite";
import { type Migration, migrations } from "./migrations.ts";

export function openDatabase(path: string): Database {
  const db = new Database(path, { create: true, strict: true });
  db.exec("PRAGMA journal_mode = WAL");
  // FULL: a commit is durable once it returns (acknowledged manifests and queue rows survive power loss).
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA busy_timeout = 5000");
  db.exec("PRAGMA foreign_keys = ON");
  migrate(db);
  return db;
}

export function migrate(db: Database): void {
  const current = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
  for (let v = current; v < migrations.length; v++) {
    db.transaction(() => {
      applyMigration(db, migrations[v]!);
      db.exec(`PRAGMA user_version = ${v + 1}`);
    })();
  }
}

/** Runs one migration: SQL, or a function for a step SQL cannot do alone (a column filled by a hash). */
export function applyMigration(db: Database, migration: Migration): void {
  if (typeof migration === "string") db.exec(migration);
  else migration(db);
}

export function getMeta(db: Database, key: string): string | undefined {
  const row = db.query("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | null;
  return row?.value;
}

export function setMeta(db: Database, key: string, value: string): void {
  db.query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(
    key,
    value,
  );
}

/** The connection's own synchronous level (2 = FULL), to restore after an `unsynced` commit. */
export function synchronousLevel(db: Database): number {
  return (db.query("PRAGMA synchronous").get() as { synchronous: number }).synchronous;
}

/**
 * Runs `write` without an fsync of its own: synchronous=NORMAL for its commit only, restored to `level` after.
 * The commit is in the WAL (a crashed process keeps it) and on disk with the node's next durable commit. Inside
 * a caller's transaction the level cannot change, and that transaction's commit decides.
 */
export function unsynced<T>(db: Database, level: number, write: () => T): T {
  if (level <= 1 || db.inTransaction) return write();
  const pragmas = synchronousPragmas(db, level);
  pragmas.normal.run();
  try {
    return write();
  } finally {
    pragmas.restore.run();
  }
}

/** The two PRAGMAs of unsynced(), prepared once per connection: parsed at every commit they were ~2 statements in 7. */
const prepared = new WeakMap<Database, { level: number; normal: Statement; restore: Statement }>();

function synchronousPragmas(db: Database, level: number): { normal: Statement; restore: Statement } {
  let p = prepared.get(db);
  if (!p || p.level !== level) {
    p = { level, normal: db.prepare("PRAGMA synchronous = NORMAL"), restore: db.prepare(`PRAGMA synchronous = ${Math.trunc(level)}`) };
    prepared.set(db, p);
  }
  return p;
}
