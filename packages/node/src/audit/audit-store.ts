// Where a node keeps the audit records: the SQLite `audit` table (kept across restarts) or memory (tests).
// Both keep the newest `keep` records by id, refuse one older than all of them once full (so two nodes do
// not hand an old record back and forth), page newest first with filters, and pass one conformance suite.
import type { Database } from "bun:sqlite";
import { createHash } from "node:crypto";
import { type AuditRecord, auditRecordSchema } from "./records.ts";

export interface AuditQuery {
  /** Records with an id below this one (the next page). */
  before?: string;
  limit: number;
  actor?: string;
  action?: string;
}

export interface AuditStore {
  /** Keeps the records it lacks (within the bound); answers how many it took. */
  add(records: readonly AuditRecord[]): number;
  /** Newest first. */
  page(q: AuditQuery): AuditRecord[];
  /** The ids held, newest first. */
  ids(): string[];
  /** The records of these ids that are held. */
  get(ids: readonly string[]): AuditRecord[];
  /** A digest of every id held: equal digests, equal sets. */
  digest(): string;
  readonly count: number;
  readonly keep: number;
}

export const digestOfIds = (ids: readonly string[]) => createHash("sha256").update(ids.join("\n")).digest("hex");

const matches = (q: AuditQuery) => (r: AuditRecord) =>
  (q.before === undefined || r.id < q.before) && (q.actor === undefined || r.actor === q.actor) && (q.action === undefined || r.action === q.action);

export class MemoryAuditStore implements AuditStore {
  private readonly byId = new Map<string, AuditRecord>();
  private sorted: AuditRecord[] | undefined;

  constructor(readonly keep: number) {}

  get count(): number {
    return this.byId.size;
  }

  add(records: readonly AuditRecord[]): number {
    let taken = 0;
    for (const r of records) {
      if (this.byId.has(r.id) || (this.byId.size >= this.keep && r.id < this.newestFirst().at(-1)!.id)) continue;
      this.byId.set(r.id, structuredClone(r));
      this.sorted = undefined;
      taken++;
      if (this.byId.size > this.keep) {
        this.byId.delete(this.newestFirst().at(-1)!.id);
        this.sorted = undefined;
      }
    }
    return taken;
  }

  page(q: AuditQuery): AuditRecord[] {
    return this.newestFirst().filter(matches(q)).slice(0, q.limit).map((r) => structuredClone(r));
  }

  ids(): string[] {
    return this.newestFirst().map((r) => r.id);
  }

  get(ids: readonly string[]): AuditRecord[] {
    return ids.flatMap((id) => (this.byId.has(id) ? [structuredClone(this.byId.get(id)!)] : []));
  }

  digest(): string {
    return digestOfIds(this.ids());
  }

  private newestFirst(): AuditRecord[] {
    this.sorted ??= [...this.byId.values()].sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    return this.sorted;
  }
}

export class SqliteAuditStore implements AuditStore {
  /** The digest until the next change: a sync round asks for it every interval. */
  private cachedDigest: string | undefined;
  count: number;

  constructor(
    private readonly db: Database,
    readonly keep: number,
  ) {
    this.count = db.query<{ n: number }, []>("SELECT count(*) AS n FROM audit").get()!.n;
    if (this.count > keep) this.prune(); // AUDIT_KEEP was lowered
  }

  add(records: readonly AuditRecord[]): number {
    const insert = this.db.query("INSERT OR IGNORE INTO audit (id, actor, action, record) VALUES (?, ?, ?, ?)");
    const taken = this.db.transaction(() => {
      let n = 0;
      for (const r of records) {
        if (this.count >= this.keep && r.id < this.oldest()) continue;
        if (insert.run(r.id, r.actor, r.action, JSON.stringify(r)).changes === 0) continue;
        n++;
        this.count++;
        if (this.count > this.keep) this.prune();
      }
      return n;
    })();
    if (taken > 0) this.cachedDigest = undefined;
    return taken;
  }

  page(q: AuditQuery): AuditRecord[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.before !== undefined) (where.push("id < ?"), args.push(q.before));
    if (q.actor !== undefined) (where.push("actor = ?"), args.push(q.actor));
    if (q.action !== undefined) (where.push("action = ?"), args.push(q.action));
    const sql = `SELECT record FROM audit ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ?`;
    return this.db.query<{ record: string }, (string | number)[]>(sql).all(...args, q.limit).flatMap((r) => parse(r.record));
  }

  ids(): string[] {
    return this.db.query<{ id: string }, []>("SELECT id FROM audit ORDER BY id DESC").all().map((r) => r.id);
  }

  get(ids: readonly string[]): AuditRecord[] {
    const one = this.db.query<{ record: string }, [string]>("SELECT record FROM audit WHERE id = ?");
    return ids.flatMap((id) => {
      const row = one.get(id);
      return row ? parse(row.record) : [];
    });
  }

  digest(): string {
    this.cachedDigest ??= digestOfIds(this.ids());
    return this.cachedDigest;
  }

  private oldest(): string {
    return this.db.query<{ id: string }, []>("SELECT min(id) AS id FROM audit").get()?.id ?? "";
  }

  /** Collects everything older than the newest `keep`. */
  private prune(): void {
    this.db.query("DELETE FROM audit WHERE id < (SELECT id FROM audit ORDER BY id DESC LIMIT 1 OFFSET ?)").run(this.keep - 1);
    this.count = this.db.query<{ n: number }, []>("SELECT count(*) AS n FROM audit").get()!.n;
    this.cachedDigest = undefined;
  }
}

/** A row this node wrote from a validated record; one that no longer parses (a downgrade) is left out. */
function parse(text: string): AuditRecord[] {
  const parsed = auditRecordSchema.safeParse(JSON.parse(text));
  return parsed.success ? [parsed.data] : [];
}
