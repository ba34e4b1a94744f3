import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../store/db.ts";
import { runAccountStoreTests } from "./account-store.case.ts";
import { MemoryAccountStore, SqliteAccountStore } from "./account-store.ts";

runAccountStoreTests("memory", () => ({ store: new MemoryAccountStore() }), false);
runAccountStoreTests("sqlite", () => {
  const path = join(mkdtempSync(join(tmpdir(), "orrery-accounts-")), "node.db");
  return { store: new SqliteAccountStore(openDatabase(path)), reopen: () => new SqliteAccountStore(openDatabase(path)) };
}, true);
