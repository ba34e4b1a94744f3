import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../store/db.ts";
import { runAcceptorStoreTests } from "./acceptor-store.case.ts";
import { MemoryAcceptorStore, SqliteAcceptorStore } from "./acceptor-store.ts";

runAcceptorStoreTests("in memory", () => ({ store: new MemoryAcceptorStore() }));
runAcceptorStoreTests("SQLite", () => {
  const path = join(mkdtempSync(join(tmpdir(), "orrery-paxos-")), "db");
  const db = openDatabase(path);
  return {
    store: new SqliteAcceptorStore(db),
    reopen: () => {
      db.close();
      return new SqliteAcceptorStore(openDatabase(path));
    },
  };
});
