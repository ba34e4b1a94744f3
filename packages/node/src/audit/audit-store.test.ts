import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../store/db.ts";
import { runAuditStoreTests } from "./audit-store.case.ts";
import { MemoryAuditStore, SqliteAuditStore } from "./audit-store.ts";

runAuditStoreTests("memory", (keep) => ({ store: new MemoryAuditStore(keep) }));
runAuditStoreTests("sqlite", (keep) => {
  const path = join(mkdtempSync(join(tmpdir(), "orrery-audit-")), "node.db");
  const db = openDatabase(path);
  return {
    store: new SqliteAuditStore(db, keep),
    reopen: (k) => {
      db.close();
      return new SqliteAuditStore(openDatabase(path), k);
    },
  };
});
