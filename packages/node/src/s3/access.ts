// Who an S3 access key is, and what each S3 operation may touch: a key of the node's config acts as an
// admin, a user's key (accounts/s3-keys.ts) as that user; every bucket and object operation asks the one
// permission rule (accounts/authorize.ts) exactly as the files API does, and listings show only what it allows.
import type { Accounts } from "../accounts/accounts.ts";
import { type Action, authorize, type Principal } from "../accounts/authorize.ts";
import type { CredentialStore } from "./credentials.ts";
import { s3Error } from "./errors.ts";
import { bucketPath, objectPath } from "./names.ts";
import type { Operation } from "./operations.ts";

/** The secrets SigV4 checks with, and who each key speaks for. */
export interface S3Identities extends CredentialStore {
  /** The principal of an access key that `get` knows. */
  principal(accessKey: string): Principal;
  /** The user an access key belongs to; undefined for a key of the node's config. */
  owner(accessKey: string): string | undefined;
  /** Whether anonymous clients may do everything (AUTH=off, or the loopback quick start): decides nothing for keys. */
  readonly open: boolean;
}

/** The config's keys (admins) and, with accounts, the users' keys. */
export function s3Identities(config: CredentialStore, accounts?: Accounts, open = true): S3Identities {
  return {
    open,
    get: (accessKey) => config.get(accessKey) ?? accounts?.s3Keys.holder(accessKey)?.secret,
    owner: (accessKey) => (config.get(accessKey) === undefined ? accounts?.s3Keys.holder(accessKey)?.user.name : undefined),
    principal: (accessKey) => {
      const holder = config.get(accessKey) === undefined ? accounts?.s3Keys.holder(accessKey) : undefined;
      if (!holder) return { kind: "user", name: accessKey, role: "admin", readOnly: false, via: "s3key" };
      const u = holder.user;
      return { kind: "user", name: u.name, role: u.role, readOnly: holder.key.readOnly, via: "s3key", shares: accounts!.grantsOf(u) };
    },
  };
}

/** What a request's principal may do, as S3 handlers ask it. */
export interface S3Access {
  principal: Principal;
  /** Reads: anything but `deny` (a folder on the way to a share is listed); writes: `allow`. */
  may(action: Action, path: string): boolean;
  /** Whether an entry may appear in a listing. */
  sees(path: string): boolean;
}

export function accessOf(principal: Principal, open: boolean): S3Access {
  const may = (action: Action, path: string) => {
    const v = authorize(principal, action, path, { open });
    return action === "read" ? v !== "deny" : v === "allow";
  };
  return { principal, may, sees: (path) => may("read", path) };
}

/** AccessDenied unless `a` may `action` on `path`. */
export function requireAccess(a: S3Access, action: Action, path: string): void {
  if (!a.may(action, path)) throw s3Error("AccessDenied", `Access Denied: you may not ${action} /${path}.`);
}

/** Operations that change a bucket itself: need write on its folder. The other bucket operations read it. */
const BUCKET_WRITES: ReadonlySet<Operation> = new Set([
  "CreateBucket", "DeleteBucket", "PutBucketVersioning", "PutBucketEncryption", "DeleteBucketEncryption", "PutBucketCors", "DeleteBucketCors",
]);
const OBJECT_READS: ReadonlySet<Operation> = new Set(["GetObject", "HeadObject", "GetObjectAcl", "GetObjectTagging", "GetObjectAttributes", "ListParts"]);

/**
 * The check every signed operation passes before its handler runs. ListBuckets and the listings filter their
 * entries instead; DeleteObjects checks each key it names (objects.ts), CopyObject its source here.
 */
export function authorizeOperation(a: S3Access, op: Operation, bucket: string | undefined, key: string | undefined, copySource?: { bucket: string; key: string }): void {
  if (bucket === undefined) return; // ListBuckets
  let path: string;
  try {
    path = key === undefined ? bucketPath(bucket) : objectPath(bucket, key).path;
  } catch {
    return; // a malformed name: the handler refuses it with S3's own error
  }
  // CreateBucket of a bucket that is there already changes nothing (200, buckets.ts) and is how tools such as
  // rclone make sure of one (`home` for a user's key): seeing it is enough here; making a new one needs write.
  if (key === undefined) return requireAccess(a, BUCKET_WRITES.has(op) && op !== "CreateBucket" ? "write" : "read", path);
  requireAccess(a, OBJECT_READS.has(op) ? "read" : "write", path);
  if (op === "CopyObject" && copySource) requireAccess(a, "read", objectPath(copySource.bucket, copySource.key).path);
}
