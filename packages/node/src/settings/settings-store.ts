// Where a node keeps the cluster's settings record: in the SQLite `meta` table (it survives restarts, so a
// node that comes back applies the cluster's settings before it serves), or in memory (simulator, tests).
// Both keep only a record newer than the one held (cluster-settings.ts) and pass one conformance suite.
import type { Database } from "bun:sqlite";
import { type SettingsRecord, settingsRecordSchema, supersedes } from "./cluster-settings.ts";

export interface SettingsStore {
  get(): SettingsRecord | undefined;
  /** Keeps `record` if it supersedes the one held; says whether it did. */
  offer(record: SettingsRecord): boolean;
}

export class MemorySettingsStore implements SettingsStore {
  private record: SettingsRecord | undefined;

  get(): SettingsRecord | undefined {
    return this.record;
  }

  offer(record: SettingsRecord): boolean {
    if (!supersedes(record, this.record)) return false;
    this.record = structuredClone(record);
    return true;
  }
}

const KEY = "cluster_settings";

export class SqliteSettingsStore implements SettingsStore {
  constructor(private readonly db: Database) {}

  get(): SettingsRecord | undefined {
    const row = this.db.query<{ value: string }, [string]>("SELECT value FROM meta WHERE key = ?").get(KEY);
    if (!row) return undefined;
    // Written by this node from a validated record; a row that no longer parses (a downgrade) is ignored
    // rather than trusted, and the cluster's current record replaces it at the next sync.
    const parsed = settingsRecordSchema.safeParse(JSON.parse(row.value));
    return parsed.success ? parsed.data : undefined;
  }

  offer(record: SettingsRecord): boolean {
    return this.db.transaction(() => {
      if (!supersedes(record, this.get())) return false;
      this.db.query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(KEY, JSON.stringify(record));
      return true;
    })();
  }
}
