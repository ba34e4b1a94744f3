// Dead properties (set by PROPPATCH) in this node's SQLite database, keyed by canonical path. Each
// value is the property element serialized with its namespace declarations, replayed verbatim by PROPFIND.
import type { Database } from "bun:sqlite";
import type { PropName } from "./xml.ts";

export interface DeadProperty extends PropName {
  /** The whole property element as XML (namespace declarations included). */
  xml: string;
}

export type PropertyOp = { op: "set"; prop: DeadProperty } | { op: "remove"; prop: PropName };

// Rows of `path` and everything below it; the range keeps the primary-key index usable ('/' + 1 = '0').
const SUBTREE = "(path = ?1 OR (path >= ?1 || '/' AND path < ?1 || '0'))";

export class DeadPropertyStore {
  constructor(private readonly db: Database) {}

  list(path: string): DeadProperty[] {
    return this.db
      .query("SELECT ns, name, xml FROM dav_properties WHERE path = ? ORDER BY ns, name")
      .all(path) as DeadProperty[];
  }

  /** Applies every operation in order, in one transaction: all of them or none. */
  patch(path: string, ops: PropertyOp[]): void {
    const set = this.db.query(
      "INSERT INTO dav_properties (path, ns, name, xml) VALUES (?, ?, ?, ?) ON CONFLICT (path, ns, name) DO UPDATE SET xml = excluded.xml",
    );
    const remove = this.db.query("DELETE FROM dav_properties WHERE path = ? AND ns = ? AND name = ?");
    this.db.transaction(() => {
      for (const o of ops) {
        if (o.op === "set") set.run(path, o.prop.ns, o.prop.name, o.prop.xml);
        else remove.run(path, o.prop.ns, o.prop.name);
      }
    })();
  }

  /** Forgets the properties of `path` and everything below it. */
  deleteTree(path: string): void {
    if (path === "") this.db.query("DELETE FROM dav_properties").run();
    else this.db.query(`DELETE FROM dav_properties WHERE ${SUBTREE}`).run(path);
  }

  /** Replaces the properties under `to` with copies of those under `from` (paths rebased). */
  copyTree(from: string, to: string, recursive = true): void {
    this.db.transaction(() => {
      this.db.query(`DELETE FROM dav_properties WHERE ${SUBTREE}`).run(to);
      const where = recursive ? SUBTREE : "path = ?1";
      this.db
        .query(
          `INSERT INTO dav_properties (path, ns, name, xml)
           SELECT ?2 || substr(path, length(?1) + 1), ns, name, xml FROM dav_properties WHERE ${where}`,
        )
        .run(from, to);
    })();
  }

  /** Moves the properties under `from` to `to`, replacing whatever `to` had. */
  moveTree(from: string, to: string): void {
    this.db.transaction(() => {
      this.db.query(`DELETE FROM dav_properties WHERE ${SUBTREE}`).run(to);
      this.db.query(`UPDATE dav_properties SET path = ?2 || substr(path, length(?1) + 1) WHERE ${SUBTREE}`).run(from, to);
    })();
  }
}
