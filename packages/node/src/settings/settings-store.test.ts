import { join } from "node:path";
import { openDatabase } from "../store/db.ts";
import { runSettingsStoreTests } from "./settings-store.case.ts";
import { MemorySettingsStore, SqliteSettingsStore } from "./settings-store.ts";
import { tempDirs } from "../util/test-dirs.ts";

const tempDir = tempDirs();

runSettingsStoreTests("memory", () => ({ store: new MemorySettingsStore() }), false);
runSettingsStoreTests("sqlite", () => {
  const path = join(tempDir("orrery-settings-"), "node.db");
  return { store: new SqliteSettingsStore(openDatabase(path)), reopen: () => new SqliteSettingsStore(openDatabase(path)) };
}, true);
