// Where a node keeps the account records: the SQLite `accounts` table (they survive restarts, so a node
// that comes back authenticates as the cluster did before it synced) or memory (tests). Both keep only a
// record newer than the one held for its key (records.ts) and pass one conformance suite.
import type { Database } from "bun:sqlite";
import { createHash } from "node:crypto";
import {
  type AccountRecord, accountRecordSchema, type GroupRecord, type GroupShareRecord, type LinkRecord, type MemberRecord, recordKey, type S3KeyRecord,
  type ShareRecord, supersedes, type TokenRecord, type UserRecord,
} from "./records.ts";

export interface AccountStore {
  /** The record of this user, tombstone included. */
  user(name: string): UserRecord | undefined;
  token(id: string): TokenRecord | undefined;
  share(id: string): ShareRecord | undefined;
  s3Key(accessKey: string): S3KeyRecord | undefined;
  link(id: string): LinkRecord | undefined;
  group(name: string): GroupRecord | undefined;
  member(id: string): MemberRecord | undefined;
  groupShare(id: string): GroupShareRecord | undefined;
  /** Every record, tombstones included, kinds in descending order of their names (user, token, share, …), each kind by key. */
  all(): AccountRecord[];
  /** Keeps `record` if it supersedes the one held for its key; says whether it did. */
  offer(record: AccountRecord): boolean;
  /** A digest of every record's key and version: two stores with equal digests hold the same records. */
  digest(): string;
  /** Counts the records this store took: what cached views of it (Accounts' share index) compare. */
  readonly changes: number;
}

/** The digest of (kind, key, version) triples given in (kind, key) order. */
export function digestOf(rows: Iterable<{ kind: string; key: string; version: string }>): string {
  const h = createHash("sha256");
  for (const r of rows) h.update(`${r.kind}\t${r.key}\t${r.version}\n`);
  return h.digest("hex");
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** Kinds by name descending, each kind by key: the SQLite store's `ORDER BY kind DESC, key`, so both digest alike. */
const order = (a: AccountRecord, b: AccountRecord) => (a.kind !== b.kind ? compare(b.kind, a.kind) : compare(recordKey(a), recordKey(b)));

/** The lookups by kind both stores answer the same way, over each one's `get`. */
abstract class RecordLookups {
  protected abstract get(kind: AccountRecord["kind"], key: string): AccountRecord | undefined;

  user(name: string): UserRecord | undefined {
    return this.get("user", name) as UserRecord | undefined;
  }

  token(id: string): TokenRecord | undefined {
    return this.get("token", id) as TokenRecord | undefined;
  }

  share(id: string): ShareRecord | undefined {
    return this.get("share", id) as ShareRecord | undefined;
  }

  s3Key(accessKey: string): S3KeyRecord | undefined {
    return this.get("s3key", accessKey) as S3KeyRecord | undefined;
  }

  link(id: string): LinkRecord | undefined {
    return this.get("link", id) as LinkRecord | undefined;
  }

  group(name: string): GroupRecord | undefined {
    return this.get("group", name) as GroupRecord | undefined;
  }

  member(id: string): MemberRecord | undefined {
    return this.get("member", id) as MemberRecord | undefined;
  }

  groupShare(id: string): GroupShareRecord | undefined {
    return this.get("groupshare", id) as GroupShareRecord | undefined;
  }
}

export class MemoryAccountStore extends RecordLookups implements AccountStore {
  private readonly records = new Map<string, AccountRecord>();
  changes = 0;

  all(): AccountRecord[] {
    return [...this.records.values()].map((r) => structuredClone(r)).sort(order);
  }

  offer(record: AccountRecord): boolean {
    const key = `${record.kind}:${recordKey(record)}`;
    if (!supersedes(record, this.records.get(key))) return false;
    this.records.set(key, structuredClone(record));
    this.changes++;
    return true;
  }

  digest(): string {
    return digestOf(this.all().map((r) => ({ kind: r.kind, key: recordKey(r), version: r.version })));
  }

  protected get(kind: AccountRecord["kind"], key: string): AccountRecord | undefined {
    const r = this.records.get(`${kind}:${key}`);
    return r && structuredClone(r);
  }
}

export class SqliteAccountStore extends RecordLookups implements AccountStore {
  changes = 0;

  constructor(private readonly db: Database) {
    super();
  }

  all(): AccountRecord[] {
    const rows = this.db.query<{ record: string }, []>("SELECT record FROM accounts ORDER BY kind DESC, key").all();
    return rows.map((r) => parse(r.record)).filter((r): r is AccountRecord => r !== undefined);
  }

  offer(record: AccountRecord): boolean {
    return this.db.transaction(() => {
      if (!supersedes(record, this.get(record.kind, recordKey(record)))) return false;
      this.db
        .query(
          "INSERT INTO accounts (kind, key, version, record) VALUES (?, ?, ?, ?) " +
            "ON CONFLICT (kind, key) DO UPDATE SET version = excluded.version, record = excluded.record",
        )
        .run(record.kind, recordKey(record), record.version, JSON.stringify(record));
      this.changes++;
      return true;
    })();
  }

  digest(): string {
    // Kinds by name descending ('user' > 'token' > 'share' > …), as all() and the memory store order them.
    return digestOf(this.db.query<{ kind: string; key: string; version: string }, []>("SELECT kind, key, version FROM accounts ORDER BY kind DESC, key").all());
  }

  protected get(kind: AccountRecord["kind"], key: string): AccountRecord | undefined {
    const row = this.db.query<{ record: string }, [string, string]>("SELECT record FROM accounts WHERE kind = ? AND key = ?").get(kind, key);
    return row ? parse(row.record) : undefined;
  }
}

/**
 * Written by this node from a validated record; a row that no longer parses (a downgrade) is ignored rather
 * than trusted, and the cluster's current record replaces it at the next sync.
 */
function parse(text: string): AccountRecord | undefined {
  const parsed = accountRecordSchema.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : undefined;
}
