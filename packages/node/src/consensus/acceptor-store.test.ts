import { join } from "node:path";
import { openDatabase } from "../store/db.ts";
import { runAcceptorStoreTests } from "./acceptor-store.case.ts";
import { MemoryAcceptorStore, SqliteAcceptorStore } from "./acceptor-store.ts";
import { tempDirs } from "../util/test-dirs.ts";

const tempDir = tempDirs();

runAcceptorStoreTests("in memory", () => ({ store: new MemoryAcceptorStore() }));
runAcceptorStoreTests("SQLite", () => {
  const path = join(tempDir("orrery-paxos-"), "db");
  const db = openDatabase(path);
  return {
    store: new SqliteAcceptorStore(db),
    reopen: () => {
      db.close();
      return new SqliteAcceptorStore(openDatabase(path));
    },
  };
});
