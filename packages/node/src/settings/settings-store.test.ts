import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../store/db.ts";
import { runSettingsStoreTests } from "./settings-store.case.ts";
import { MemorySettingsStore, SqliteSettingsStore } from "./settings-store.ts";

runSettingsStoreTests("memory", () => ({ store: new MemorySettingsStore() }), false);
runSettingsStoreTests("sqlite", () => {
  const path = join(mkdtempSync(join(tmpdir(), "orrery-settings-")), "node.db");
  return { store: new SqliteSettingsStore(openDatabase(path)), reopen: () => new SqliteSettingsStore(openDatabase(path)) };
}, true);
