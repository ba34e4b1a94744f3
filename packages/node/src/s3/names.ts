// S3 names on the Orrery tree: a bucket is a top-level directory, `bucket/key` the path `bucket/key`, a
// key ending in '/' the directory's own entry (a file and a directory may share a path); multipart staging
// has a reserved top-level directory.
import { OrreryError } from "../errors.ts";
import { normalizePath } from "../metadata/path.ts";
import { s3Error } from "./errors.ts";

/** Staging area of multipart uploads: `.s3-uploads/<uploadId>/…`. Hidden from ListBuckets. */
export const UPLOADS_DIR = ".s3-uploads";
/** An upload's staging directory, and the file there that records it (its bucket, key and metadata). */
export const uploadDir = (id: string) => `${UPLOADS_DIR}/${id}`;
export const uploadMetaPath = (id: string) => `${uploadDir(id)}/upload.json`;

/**
 * Bucket-level configuration (CORS): `.s3-buckets/<bucket>/cors.json`, ordinary replicated files, like the
 * multipart records. Hidden from ListBuckets; never a bucket's own directory, where it would be an object.
 */
export const BUCKET_CONFIG_DIR = ".s3-buckets";
export const bucketCorsPath = (bucket: string) => `${BUCKET_CONFIG_DIR}/${bucketPath(bucket)}/cors.json`;
/** Top-level directories this API keeps for itself: no bucket has their names. */
export const RESERVED_DIRS: readonly string[] = [UPLOADS_DIR, BUCKET_CONFIG_DIR];

/** S3's rules for new buckets: 3–63 of a-z 0-9 . -, starting and ending with a letter or digit, not an IP. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return "must be 3 to 63 characters long";
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) return "may hold only a-z, 0-9, '.' and '-', and must start and end with a letter or digit";
  if (name.includes("..")) return "must not contain '..'";
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return "must not look like an IP address";
  return undefined;
}

/**
 * The directory path of an existing bucket name. Any top-level directory is a bucket, so this only
 * insists on a valid path segment (directories made through the files API may have names S3 would
 * not allow for a new bucket).
 */
export function bucketPath(bucket: string): string {
  if (RESERVED_DIRS.includes(bucket)) throw s3Error("InvalidBucketName", `${bucket} is reserved for the S3 API's own records.`);
  try {
    const path = normalizePath(bucket);
    if (path !== bucket || bucket.includes("/")) throw new Error("not a single segment");
    return path;
  } catch {
    throw s3Error("InvalidBucketName", `The specified bucket is not valid: '${bucket}'.`);
  }
}

export interface ObjectPath {
  path: string;
  /** The key ends in '/': it names the directory's own entry (S3 tools call these folder markers; it may hold data). */
  directory: boolean;
}

/** The Orrery path of `bucket/key`; a key the tree cannot hold ('a//b', '../x', control characters) is InvalidArgument. */
export function objectPath(bucket: string, key: string): ObjectPath {
  if (key === "") throw s3Error("InvalidArgument", "An object key must not be empty.");
  if (Buffer.byteLength(key, "utf8") > 1024) throw s3Error("InvalidArgument", "Your key is too long (at most 1024 bytes).");
  const directory = key.endsWith("/");
  // The key "/" would be the bucket's own directory: deleting it would delete the bucket.
  if (key === "/") throw s3Error("InvalidArgument", "The key '/' names the bucket itself in Orrery's file tree; it cannot be an object.");
  try {
    return { path: normalizePath(`${bucketPath(bucket)}/${directory ? key.slice(0, -1) : key}`), directory };
  } catch (err) {
    if (err instanceof OrreryError && err.code === "InvalidBucketName") throw err;
    const reason = err instanceof Error ? err.message.replace(/^invalid path: /, "") : String(err);
    throw s3Error("InvalidArgument", `The key '${key}' cannot be stored in Orrery's file tree: ${reason}.`);
  }
}
