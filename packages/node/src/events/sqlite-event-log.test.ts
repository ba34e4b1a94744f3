import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../store/db.ts";
import { runEventLogTests } from "./event-log.case.ts";
import { SqliteEventLog } from "./sqlite-event-log.ts";

runEventLogTests("SqliteEventLog", (capacity) => new SqliteEventLog(openDatabase(":memory:"), capacity));

test("the events outlive the database connection, and numbering goes on after a reopen", () => {
  const dir = mkdtempSync(join(tmpdir(), "orrery-events-"));
  try {
    const path = join(dir, "orrery.db");
    const first = openDatabase(path);
    const a = new SqliteEventLog(first, 2).append({ at: 1, type: "suspect", node: "n1", member: "n2", message: "n2 is suspected of having failed" });
    first.close();
    const db = openDatabase(path);
    const log = new SqliteEventLog(db, 2);
    expect(log.recent(10)).toEqual([a]);
    const b = log.append({ at: 2, type: "alive", node: "n1", member: "n2", message: "n2 is back (was suspect)" });
    expect(b.seq).toBeGreaterThan(a.seq);
    // The connection's own level is back after each append (FULL for everything else on it).
    expect((db.query("PRAGMA synchronous").get() as { synchronous: number }).synchronous).toBe(2);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
