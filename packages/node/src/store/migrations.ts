// Versioned schema migrations for the node's SQLite database. Append only: never edit a
// migration that has shipped; add a new one. PRAGMA user_version records the last applied.
import type { Database } from "bun:sqlite";
import { folderPartitionKey, storedPosition } from "../metadata/partition.ts";
import { xxhash64 } from "../ring/hash.ts";

/** SQL, or a function for a step SQL cannot do alone; each runs in the transaction that records its number. */
export type Migration = string | ((db: Database) => void);

/**
 * partition position: each manifest row's ring position (metadata/partition.ts), stored as SQLite sorts it, and
 * the (position, path, kind) index over it: an arc of the ring is a range of that index (range anti-entropy).
 * SQLite cannot hash, so the rows already held are filled here, one UPDATE per folder (a folder's rows share
 * their partition). The column comes after `inline` (ALTER TABLE appends), which is why no query reads it from
 * the table: the index holds it.
 */
function addPartitionPosition(db: Database): void {
  db.exec("ALTER TABLE files ADD COLUMN position INTEGER");
  const fill = db.prepare("UPDATE files SET position = ? WHERE parent = ?");
  for (const { parent } of db.query("SELECT DISTINCT parent FROM files").all() as Array<{ parent: string }>) {
    fill.run(storedPosition(xxhash64(folderPartitionKey(parent))), parent);
  }
  db.exec("CREATE INDEX files_position ON files (position, path, kind)");
}

export const migrations: Migration[] = [
  // 1: the initial schema
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

  -- Chunk files held in this node's chunk store.
  CREATE TABLE chunks (
    id TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    stored_at INTEGER NOT NULL,
    verified_at INTEGER
  );

  -- File and directory manifests: a last-writer-wins CRDT keyed by path.
  CREATE TABLE files (
    path TEXT PRIMARY KEY,
    parent TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('file', 'dir')),
    version TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    size INTEGER NOT NULL DEFAULT 0,
    sha256 TEXT,
    chunk_size INTEGER NOT NULL DEFAULT 0,
    chunks TEXT NOT NULL DEFAULT '[]',
    mtime INTEGER NOT NULL,
    origin TEXT NOT NULL,
    seq INTEGER NOT NULL
  );
  CREATE INDEX files_parent ON files (parent, name);
  CREATE INDEX files_origin ON files (origin, seq);

  -- Per-origin contiguous sequence numbers seen (the version vector for delta sync).
  CREATE TABLE sync_state (origin TEXT PRIMARY KEY, seq INTEGER NOT NULL);

  -- Last known membership, so a restarted node knows whom to contact.
  CREATE TABLE peers (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    gossip_port INTEGER NOT NULL,
    http_port INTEGER NOT NULL,
    transfer_port INTEGER NOT NULL,
    state TEXT NOT NULL,
    incarnation INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );

  -- Copies not yet acknowledged by their target. A row leaves only after a durable ack.
  CREATE TABLE replication_queue (
    chunk_id TEXT NOT NULL,
    target TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (chunk_id, target)
  );
  CREATE INDEX replication_queue_due ON replication_queue (next_attempt_at);
  `,
  // 2: tombstone garbage collection walks tombstones without scanning live rows.
  `
  CREATE INDEX files_tombstones ON files (path) WHERE deleted = 1;
  `,
  // 3: WebDAV dead properties (PROPPATCH), per node and keyed by canonical path; not replicated.
  `
  CREATE TABLE dav_properties (
    path TEXT NOT NULL,
    ns TEXT NOT NULL,
    name TEXT NOT NULL,
    xml TEXT NOT NULL,
    PRIMARY KEY (path, ns, name)
  );
  `,
  // 4: S3 needs each file's MD5 (its ETag), and a file assembled from multipart parts has chunks of
  // varying size (a JSON array of sizes; NULL when all but the last are chunk_size bytes).
  `
  ALTER TABLE files ADD COLUMN md5 TEXT;
  ALTER TABLE files ADD COLUMN chunk_sizes TEXT;
  `,
  // 5: Paxos acceptor state per path, for conditional writes (replication/conditional-writes.ts): the
  // highest ballot promised, and the last value accepted with its ballot.
  `
  CREATE TABLE paxos (
    path TEXT PRIMARY KEY,
    promised TEXT NOT NULL,
    accepted_ballot TEXT,
    accepted TEXT
  );
  `,
  // 6: a remembered peer's capacity (ring weight; 0 for a storage-less gateway) and whether its store was
  // full, so a restarted node places chunks as before until gossip confirms them.
  `
  ALTER TABLE peers ADD COLUMN weight REAL NOT NULL DEFAULT 1;
  ALTER TABLE peers ADD COLUMN full INTEGER NOT NULL DEFAULT 0;
  `,
  // 7: a file's content type, standard headers and user metadata (metadata/object-meta.ts), as JSON.
  `
  ALTER TABLE files ADD COLUMN meta TEXT;
  `,
  // 8: an S3 multipart object's part sizes and upload id (metadata/manifest.ts MultipartLayout), as JSON:
  // reads by part number, and a retried CompleteMultipartUpload recognised.
  `
  ALTER TABLE files ADD COLUMN multipart TEXT;
  `,
  // 9: the node's event log (events/sqlite-event-log.ts): what it saw happen to the cluster, the newest
  // EVENT_LOG_CAPACITY rows kept (older ones deleted by id on insert), so a restart keeps the timeline.
  `
  CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    type TEXT NOT NULL,
    node TEXT NOT NULL,
    member TEXT,
    message TEXT NOT NULL
  );
  `,
  // 10: which live files reference each chunk (metadata/chunk-refs.ts), by their top-level folder: a chunk's
  // replication factor is the largest its files' folders ask for, looked up per chunk without a scan. Filled
  // from the rows already held (a path's folder is what precedes its first '/', '' for the root's files).
  `
  CREATE TABLE chunk_refs (
    chunk_id TEXT NOT NULL,
    folder TEXT NOT NULL,
    path TEXT NOT NULL,
    PRIMARY KEY (chunk_id, folder, path)
  ) WITHOUT ROWID;
  INSERT OR IGNORE INTO chunk_refs (chunk_id, folder, path)
    SELECT j.value, CASE WHEN instr(f.path, '/') > 0 THEN substr(f.path, 1, instr(f.path, '/') - 1) ELSE '' END, f.path
    FROM files f, json_each(f.chunks) j
    WHERE f.deleted = 0 AND f.kind = 'file';
  `,
  // 11: accounts (accounts/account-store.ts): users, API tokens and folder shares, one JSON record per (kind, key), replicated to
  // every node, the newest version of each kept (tombstones too: a deleted user stays deleted).
  `
  CREATE TABLE accounts (
    kind TEXT NOT NULL CHECK (kind IN ('user', 'token', 'share')),
    key TEXT NOT NULL,
    version TEXT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (kind, key)
  ) WITHOUT ROWID;
  `,
  // 12 (s3keys): S3 access keys of users and share links are account records too. SQLite cannot change a CHECK,
  // so the table is made again with the two kinds added and its rows copied (self-contained: any number).
  `
  CREATE TABLE accounts_new (
    kind TEXT NOT NULL CHECK (kind IN ('user', 'token', 'share', 's3key', 'link')),
    key TEXT NOT NULL,
    version TEXT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (kind, key)
  ) WITHOUT ROWID;
  INSERT INTO accounts_new (kind, key, version, record) SELECT kind, key, version, record FROM accounts;
  DROP TABLE accounts;
  ALTER TABLE accounts_new RENAME TO accounts;
  `,
  // 13: the audit log (audit/audit-store.ts): who did what, one JSON record per id (time-ordered), replicated to
  // every node, the newest AUDIT_KEEP kept; actor and action beside the record for the admin page's filters.
  `
  CREATE TABLE audit (
    id TEXT PRIMARY KEY,
    actor TEXT,
    action TEXT NOT NULL,
    record TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX audit_by_actor ON audit (actor, id);
  CREATE INDEX audit_by_action ON audit (action, id);
  `,
  // 14 (keytree): a file and a directory may share a path (S3's `a/b` beside `a/b/…`, metadata/manifest.ts
  // rowKey), so the manifests' key is (path, kind). SQLite cannot change a primary key in place: the table is
  // rebuilt and every row copied as it is; chunk_refs keep their path column, now the row's key, which for
  // every row that referenced chunks so far (live files) is its path unchanged.
  `
  CREATE TABLE files_by_kind (
    path TEXT NOT NULL,
    parent TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('file', 'dir')),
    version TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    size INTEGER NOT NULL DEFAULT 0,
    sha256 TEXT,
    chunk_size INTEGER NOT NULL DEFAULT 0,
    chunks TEXT NOT NULL DEFAULT '[]',
    mtime INTEGER NOT NULL,
    origin TEXT NOT NULL,
    seq INTEGER NOT NULL,
    md5 TEXT,
    chunk_sizes TEXT,
    meta TEXT,
    multipart TEXT,
    PRIMARY KEY (path, kind)
  );
  INSERT INTO files_by_kind (path, parent, name, kind, version, deleted, size, sha256, chunk_size, chunks, mtime, origin, seq, md5, chunk_sizes, meta, multipart)
    SELECT path, parent, name, kind, version, deleted, size, sha256, chunk_size, chunks, mtime, origin, seq, md5, chunk_sizes, meta, multipart FROM files;
  DROP TABLE files;
  ALTER TABLE files_by_kind RENAME TO files;
  CREATE INDEX files_parent ON files (parent, name, kind);
  CREATE INDEX files_origin ON files (origin, seq);
  CREATE INDEX files_tombstones ON files (path, kind) WHERE deleted = 1;
  `,
  // groups: groups, memberships and folder shares with a group are account records too (accounts/records.ts).
  // SQLite cannot change a CHECK, so the table is made again with the kinds added and its rows copied
  // (self-contained: it runs whatever number it is given).
  `
  CREATE TABLE accounts_groups (
    kind TEXT NOT NULL CHECK (kind IN ('user', 'token', 'share', 's3key', 'link', 'group', 'member', 'groupshare')),
    key TEXT NOT NULL,
    version TEXT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (kind, key)
  ) WITHOUT ROWID;
  INSERT INTO accounts_groups (kind, key, version, record) SELECT kind, key, version, record FROM accounts;
  DROP TABLE accounts;
  ALTER TABLE accounts_groups RENAME TO accounts;
  `,
  // joining: a remembered peer had not yet reached its cluster (membership/join-gate.ts), so a node that
  // remembers only such peers is not taken to have joined before.
  `
  ALTER TABLE peers ADD COLUMN joining TEXT;
  `,
  // inline: the base64 content of a small file kept in its row, no chunk (metadata/inline-content.ts). The last
  // column: a listing that does not select it never reads the overflow pages it spills into.
  `
  ALTER TABLE files ADD COLUMN inline TEXT;
  `,
  // folder_usage: per folder, its live files (directly in it) and their bytes, kept with the rows, so a user's
  // usage (a quota check on every write into a home) sums one row per folder instead of reading every file.
  `
  CREATE TABLE folder_usage (parent TEXT PRIMARY KEY, files INTEGER NOT NULL, bytes INTEGER NOT NULL) WITHOUT ROWID;
  INSERT INTO folder_usage SELECT parent, count(*), total(size) FROM files WHERE kind = 'file' AND deleted = 0 GROUP BY parent;
  `,
  addPartitionPosition,
];
