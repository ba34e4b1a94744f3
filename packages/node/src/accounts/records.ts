// The replicated account records: one per user (keyed by name), one per API token (keyed by its id), one per folder share,
// one per S3 access key (keyed by the access key), one per share link, one per group (by name), one per
// membership of a user in a group and one per folder share with a group,
// each with its own hybrid-logical-clock version, last writer wins per record (as manifests and the cluster
// settings do), so a node that was away takes every newer record and a delete or a new password made
// elsewhere wins by version. A deleted user or a revoked token stays as a tombstone. Pure.
import { createHash } from "node:crypto";
import { z } from "zod";
import { compareVersions, versionSchema } from "../metadata/hlc.ts";
import { isCanonicalPath } from "../metadata/path.ts";

/** User names double as folder names (`/home/<name>`): lower-case, no dots, no slashes. */
export const USER_NAME_RULE = "1-32 lower-case letters, digits, '_' or '-', starting with a letter";
export const userNameSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, `a user name is ${USER_NAME_RULE}`);
export const roleSchema = z.enum(["admin", "user"]);
export type Role = z.infer<typeof roleSchema>;

/** The folder every user owns: their files live below it (accounts/authorize.ts). */
export const HOME_ROOT = "home";
export const homeOf = (name: string): string => `${HOME_ROOT}/${name}`;

/** Bun.password's PHC string for argon2id (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`). */
const passwordHashSchema = z.string().regex(/^\$argon2id\$[A-Za-z0-9$=,+/.-]{20,300}$/, "an argon2id hash");
/** The id half of a token (shown in listings, never secret). */
export const tokenIdSchema = z.string().regex(/^[0-9a-f]{16}$/, "a token id is 16 hex digits");
/** Quotas are bytes; 2^50 (a PiB) is beyond any household. */
export const quotaSchema = z.number().int().min(0).max(2 ** 50);

/**
 * What every record has: its version (last writer wins), whether it is a tombstone (a removed user, a revoked
 * token, an ended share: kept so that an older copy cannot bring it back), and when it was made.
 */
const recordLife = { version: versionSchema, deleted: z.boolean(), createdAt: z.number().int().min(0) };

export const userRecordSchema = z.strictObject({
  kind: z.literal("user"),
  name: userNameSchema,
  ...recordLife,
  role: roleSchema,
  passwordHash: passwordHashSchema.nullable(),
  /** Bytes the user's files may reference; null: no limit. */
  quotaBytes: quotaSchema.nullable(),
});
export type UserRecord = z.infer<typeof userRecordSchema>;

/** Tokens and shares: a record by id that belongs to (or is given to) one user. */
const userItem = { id: tokenIdSchema, ...recordLife, user: userNameSchema };

export const tokenRecordSchema = z.strictObject({
  kind: z.literal("token"),
  ...userItem,
  /** SHA-256 (hex) of the token's secret half: tokens are random 256-bit values, so a fast hash suffices. */
  secretHash: z.string().regex(/^[0-9a-f]{64}$/),
  label: z.string().max(100),
  readOnly: z.boolean(),
  /** Milliseconds since the epoch; null: never. */
  expiresAt: z.number().int().min(0).nullable(),
});
export type TokenRecord = z.infer<typeof tokenRecordSchema>;

/** A folder's (or, for a link, a file's) canonical path (metadata/path.ts form, without the leading '/'), not the root. */
const sharedPathSchema = z.string().max(4096).refine((p) => p !== "" && isCanonicalPath(p), "a folder path such as home/alice/photos");

export const shareAccessSchema = z.enum(["read", "write"]);
export type ShareAccess = z.infer<typeof shareAccessSchema>;

/** A folder shared with a user: they may read (or read and write) it and everything below it. */
export const shareRecordSchema = z.strictObject({
  kind: z.literal("share"),
  /** The id is derived from (path, user) (shareIdOf): sharing a folder with a user again changes the same record. */
  ...userItem,
  path: sharedPathSchema,
  access: shareAccessSchema,
  /** Who shared it (the folder's owner or an admin). */
  by: userNameSchema,
});
export type ShareRecord = z.infer<typeof shareRecordSchema>;

/** A user's S3 access key id: 20 characters like AWS's, `ORU` first (the config's generated keys start `ORR`). */
export const s3AccessKeySchema = z.string().regex(/^ORU[A-Z0-9]{17}$/, "an access key id is ORU and 17 upper-case letters or digits");

/**
 * An S3 access key that belongs to a user: requests signed with it act as that user. SigV4 needs the secret
 * itself to check a signature, so it is kept sealed under a cluster key (accounts/secret-seal.ts), not hashed.
 */
export const s3KeyRecordSchema = z.strictObject({
  kind: z.literal("s3key"),
  id: s3AccessKeySchema,
  ...recordLife,
  user: userNameSchema,
  /** `<cluster key id>.<base64url(iv | ciphertext | tag)>`; emptied when the key is revoked. */
  sealedSecret: z.string().regex(/^([0-9a-f]{16}\.[A-Za-z0-9_-]{40,200})?$/, "a sealed secret"),
  label: z.string().max(100),
  readOnly: z.boolean(),
});
export type S3KeyRecord = z.infer<typeof s3KeyRecordSchema>;

/** A link anyone may open read-only (no account): to a file or a folder, expiring, revocable. */
export const linkRecordSchema = z.strictObject({
  kind: z.literal("link"),
  /** `user` is who made it: the link reads only what they still may read. */
  ...userItem,
  path: sharedPathSchema,
  /** SHA-256 (hex) of the link's 256-bit secret, as for tokens: the URL carries the secret, the record its hash. */
  secretHash: z.string().regex(/^[0-9a-f]{64}$/),
  /** Milliseconds since the epoch: every link expires. */
  expiresAt: z.number().int().min(0),
});
export type LinkRecord = z.infer<typeof linkRecordSchema>;

/** Group names follow the user-name rule, so one list (a share's grantee) can show both. */
export const groupNameSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, `a group name is ${USER_NAME_RULE}`);

/** A group: a name that folders are shared with; who belongs to it are member records. */
export const groupRecordSchema = z.strictObject({ kind: z.literal("group"), name: groupNameSchema, ...recordLife });
export type GroupRecord = z.infer<typeof groupRecordSchema>;

/**
 * A user's membership of a group, a record of its own (id from the pair, memberIdOf) rather than a list in the
 * group's record: two admins adding different members on two nodes at once both win, where a list would
 * keep only the last writer's.
 */
export const memberRecordSchema = z.strictObject({ kind: z.literal("member"), id: tokenIdSchema, ...recordLife, group: groupNameSchema, user: userNameSchema });
export type MemberRecord = z.infer<typeof memberRecordSchema>;

/** A folder shared with a group: every member reads (or reads and writes) it as through a share of their own. */
export const groupShareRecordSchema = z.strictObject({
  kind: z.literal("groupshare"),
  /** Derived from (path, group) (groupShareIdOf): sharing a folder with a group again changes the same record. */
  id: tokenIdSchema,
  ...recordLife,
  group: groupNameSchema,
  path: sharedPathSchema,
  access: shareAccessSchema,
  by: userNameSchema,
});
export type GroupShareRecord = z.infer<typeof groupShareRecordSchema>;

export const accountRecordSchema = z.discriminatedUnion("kind", [
  userRecordSchema, tokenRecordSchema, shareRecordSchema, s3KeyRecordSchema, linkRecordSchema, groupRecordSchema, memberRecordSchema, groupShareRecordSchema,
]);
export type AccountRecord = z.infer<typeof accountRecordSchema>;

/** The record's key within its kind: a user's or a group's name, a token's (share's, link's, membership's) id, an S3 access key. */
export const recordKey = (r: AccountRecord): string => (r.kind === "user" || r.kind === "group" ? r.name : r.id);

const idOf = (text: string): string => createHash("sha256").update(text).digest("hex").slice(0, 16);
/** The id of the share of `path` with `user`: one record per pair. */
export const shareIdOf = (path: string, user: string): string => idOf(`${path}\0${user}`);
/** The id of the share of `path` with `group` ('\0group\0' keeps it apart from any user share's id). */
export const groupShareIdOf = (path: string, group: string): string => idOf(`${path}\0group\0${group}`);
/** The id of `user`'s membership of `group`. */
export const memberIdOf = (group: string, user: string): string => idOf(`member\0${group}\0${user}`);

/**
 * Whether `r` belongs to the current life of `since` (a user or a group): made no earlier than it, so a share,
 * token or membership left from an earlier user or group of the same name grants nothing to the new one.
 */
export const ofThisLife = (r: { createdAt: number }, since: { createdAt: number }): boolean => r.createdAt >= since.createdAt;

/** Whether `incoming` should replace `held` (newer; a record with no predecessor always is). */
export function supersedes(incoming: AccountRecord, held: AccountRecord | undefined): boolean {
  return held === undefined || compareVersions(incoming.version, held.version) > 0;
}

/** Live users, live tokens, and tombstones of both: bounds on what a store, and a peer answer, holds. */
export const MAX_USERS = 1000;
export const MAX_TOKENS_PER_USER = 100;
export const MAX_SHARES_PER_USER = 100;
export const MAX_S3_KEYS_PER_USER = 20;
export const MAX_LINKS_PER_USER = 100;
export const MAX_GROUPS = 200;
export const MAX_RECORDS = 50_000; // ~500 bytes of JSON each: within one peer answer (MAX_RPC_BODY)
