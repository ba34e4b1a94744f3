import { join } from "node:path";
import { openDatabase } from "../store/db.ts";
import { runAuditStoreTests } from "./audit-store.case.ts";
import { MemoryAuditStore, SqliteAuditStore } from "./audit-store.ts";
import { tempDirs } from "../util/test-dirs.ts";

const tempDir = tempDirs();

runAuditStoreTests("memory", (keep) => ({ store: new MemoryAuditStore(keep) }));
runAuditStoreTests("sqlite", (keep) => {
  const path = join(tempDir("orrery-audit-"), "node.db");
  const db = openDatabase(path);
  return {
    store: new SqliteAuditStore(db, keep),
    reopen: (k) => {
      db.close();
      return new SqliteAuditStore(openDatabase(path), k);
    },
  };
});
