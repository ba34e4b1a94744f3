import { join } from "node:path";
import { openDatabase } from "../store/db.ts";
import { runAccountStoreTests } from "./account-store.case.ts";
import { MemoryAccountStore, SqliteAccountStore } from "./account-store.ts";
import { tempDirs } from "../util/test-dirs.ts";

const tempDir = tempDirs();

runAccountStoreTests("memory", () => ({ store: new MemoryAccountStore() }), false);
runAccountStoreTests("sqlite", () => {
  const path = join(tempDir("orrery-accounts-"), "node.db");
  return { store: new SqliteAccountStore(openDatabase(path)), reopen: () => new SqliteAccountStore(openDatabase(path)) };
}, true);
