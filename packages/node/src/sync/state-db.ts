// The sync's memory, `.orrery-sync.db` in the local folder (bun:sqlite): for every path in step, the local
// size, mtime and SHA-256 and the cluster's version as they were, so a restart transfers nothing already done
// and a change on one side is told apart from changes on both. It doubles as the folder's marker: a folder
// without it (removed, recreated, an unmounted mount point) is never taken for one whose files were deleted.
import { Database } from "bun:sqlite";
import { join } from "node:path";
import type { BaseEntry } from "./reconcile.ts";

export const STATE_DB_NAME = ".orrery-sync.db";
/** Every name the sync keeps for itself starts so (the db, its -wal and -shm files, temporary downloads). */
export const RESERVED_PREFIX = ".orrery-sync";

/** Downloads in progress; one left by a killed sync is removed at the next start. */
export const TEMP_PREFIX = `${RESERVED_PREFIX}-tmp-`;

export const isReserved = (name: string) => name.startsWith(RESERVED_PREFIX);

export class StateMismatchError extends Error {}

interface BaseRow {
  path: string;
  kind: "file" | "dir";
  size: number;
  mtime_ms: number;
  sha256: string | null;
  version: string;
}

export class SyncState {
  private readonly db: Database;

  /** Opens (or creates) the state of `localRoot`, which must be paired with `remotePath` (the cluster folder). */
  constructor(localRoot: string, remotePath: string) {
    this.db = new Database(join(localRoot, STATE_DB_NAME), { create: true, strict: true });
    // WAL with NORMAL: a base entry lost to a power cut is harmless (both sides then agree and are recorded
    // again, or are deleted on both), and a commit per transferred file must not cost an fsync each.
    this.db.run("PRAGMA journal_mode = WAL");
    this.db.run("PRAGMA synchronous = NORMAL");
    this.db.run("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    this.db.run(
      "CREATE TABLE IF NOT EXISTS base (path TEXT PRIMARY KEY, kind TEXT NOT NULL, size INTEGER NOT NULL, mtime_ms REAL NOT NULL, sha256 TEXT, version TEXT NOT NULL)",
    );
    const paired = this.db.query<{ value: string }, [string]>("SELECT value FROM meta WHERE key = ?").get("remote");
    if (paired && paired.value !== remotePath) {
      this.db.close();
      // The base describes another cluster folder: applied to this one it would read as deletions.
      throw new StateMismatchError(`${localRoot} is synced with ${paired.value}, not ${remotePath} (its state is ${STATE_DB_NAME})`);
    }
    if (!paired) this.db.query("INSERT INTO meta (key, value) VALUES ('remote', ?)").run(remotePath);
  }

  all(): Map<string, BaseEntry> {
    const rows = this.db.query<BaseRow, []>("SELECT path, kind, size, mtime_ms, sha256, version FROM base").all();
    return new Map(rows.map((r) => [r.path, { kind: r.kind, size: r.size, mtimeMs: r.mtime_ms, sha256: r.sha256, version: r.version }]));
  }

  put(path: string, b: BaseEntry): void {
    this.db
      .query("INSERT OR REPLACE INTO base (path, kind, size, mtime_ms, sha256, version) VALUES (?, ?, ?, ?, ?, ?)")
      .run(path, b.kind, b.size, b.mtimeMs, b.sha256, b.version);
  }

  delete(path: string): void {
    this.db.query("DELETE FROM base WHERE path = ?").run(path);
  }

  close(): void {
    this.db.close();
  }
}
