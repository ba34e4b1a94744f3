// The replicated account records: one per user (keyed by name) and one per API token (keyed by its id),
// each with its own hybrid-logical-clock version, last writer wins per record (as manifests and the cluster
// settings do), so a node that was away takes every newer record and a delete or a new password made
// elsewhere wins by version. A deleted user or a revoked token stays as a tombstone. Pure.
import { z } from "zod";
import { compareVersions, versionSchema } from "../metadata/hlc.ts";

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

export const userRecordSchema = z.strictObject({
  kind: z.literal("user"),
  name: userNameSchema,
  version: versionSchema,
  /** A tombstone: the user was removed (their tokens and sessions no longer authenticate). */
  deleted: z.boolean(),
  role: roleSchema,
  passwordHash: passwordHashSchema.nullable(),
  /** Bytes the user's files may reference; null: no limit. */
  quotaBytes: quotaSchema.nullable(),
  createdAt: z.number().int().min(0),
});
export type UserRecord = z.infer<typeof userRecordSchema>;

export const tokenRecordSchema = z.strictObject({
  kind: z.literal("token"),
  id: tokenIdSchema,
  version: versionSchema,
  /** Revoked: the token no longer authenticates (kept so an older copy cannot bring it back). */
  deleted: z.boolean(),
  user: userNameSchema,
  /** SHA-256 (hex) of the token's secret half: tokens are random 256-bit values, so a fast hash suffices. */
  secretHash: z.string().regex(/^[0-9a-f]{64}$/),
  label: z.string().max(100),
  readOnly: z.boolean(),
  createdAt: z.number().int().min(0),
  /** Milliseconds since the epoch; null: never. */
  expiresAt: z.number().int().min(0).nullable(),
});
export type TokenRecord = z.infer<typeof tokenRecordSchema>;

export const accountRecordSchema = z.discriminatedUnion("kind", [userRecordSchema, tokenRecordSchema]);
export type AccountRecord = z.infer<typeof accountRecordSchema>;

/** The record's key within its kind: a user's name, a token's id. */
export const recordKey = (r: AccountRecord): string => (r.kind === "user" ? r.name : r.id);

/** Whether `incoming` should replace `held` (newer; a record with no predecessor always is). */
export function supersedes(incoming: AccountRecord, held: AccountRecord | undefined): boolean {
  return held === undefined || compareVersions(incoming.version, held.version) > 0;
}

/** Live users, live tokens, and tombstones of both: bounds on what a store, and a peer answer, holds. */
export const MAX_USERS = 1000;
export const MAX_TOKENS_PER_USER = 100;
export const MAX_RECORDS = 50_000; // ~500 bytes of JSON each: within one peer answer (MAX_RPC_BODY)
