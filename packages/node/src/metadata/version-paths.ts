// Where the versions of files in versioned folders live: immutable manifest rows in a reserved namespace,
// `.orrery-versions/<path>/<versionId>`, the version id being the HLC version of the write it keeps; S3's "null"
// version (a write made while versioning was off or suspended), once kept, is `<hlc>~null`. Pure.
import { badRequest } from "../errors.ts";
import { type Manifest } from "./manifest.ts";
import { MAX_PATH_BYTES, topFolderOf } from "./path.ts";

/** The reserved top-level name: no interface shows or writes it except the versioning operations. */
export const VERSIONS_DIR = ".orrery-versions";

/** A version id is the HLC version of the write it keeps (metadata/hlc.ts): unique, and string order is age. */
export const VERSION_ID = /^[0-9a-f]{18}@[A-Za-z0-9._-]{1,64}$/;

/** S3's name for the version of a write made while versioning was off or suspended. */
export const NULL_VERSION = "null";

/**
 * The suffix of a kept null version's row name: its HLC version still orders it among the others, and `~` is in
 * no node id, so no version id ends so.
 */
export const NULL_SUFFIX = "~null";

/** True for the reserved namespace and everything in it. */
export function isVersionsPath(path: string): boolean {
  return path === VERSIONS_DIR || path.startsWith(`${VERSIONS_DIR}/`);
}

/** The directory holding the versions of `path`: each of its rows is one version. */
export const versionsDirOf = (path: string) => `${VERSIONS_DIR}/${path}`;

/**
 * The row keeping version `versionId` of `path` (with `isNull`, the null version written at HLC `versionId`); a 400
 * when the versions of so long a path cannot be named.
 */
export function versionPath(path: string, versionId: string, isNull = false): string {
  const p = `${versionsDirOf(path)}/${versionId}${isNull ? NULL_SUFFIX : ""}`;
  if (Buffer.byteLength(p, "utf8") > MAX_PATH_BYTES) {
    throw badRequest(
      "path_too_long_for_versions",
      `/${path} is too long to keep versions of in a versioned folder (its versions need ${Buffer.byteLength(p, "utf8") - MAX_PATH_BYTES} more bytes than the ${MAX_PATH_BYTES}-byte path limit); use a shorter name`,
    );
  }
  return p;
}

export interface KeptVersion {
  path: string;
  /** The id S3 and the files API name it by: its HLC version, or "null". */
  versionId: string;
  /** The HLC version of the write it keeps: the order of a file's versions (string order is age). */
  order: string;
}

/** The file and version a version row keeps; undefined for a path that is not a version row. */
export function versionOfRow(rowPath: string): KeptVersion | undefined {
  if (!rowPath.startsWith(`${VERSIONS_DIR}/`)) return undefined;
  const i = rowPath.lastIndexOf("/");
  const name = rowPath.slice(i + 1);
  const path = rowPath.slice(VERSIONS_DIR.length + 1, i);
  const isNull = name.endsWith(NULL_SUFFIX);
  const order = isNull ? name.slice(0, -NULL_SUFFIX.length) : name;
  return path !== "" && VERSION_ID.test(order) ? { path, versionId: isNull ? NULL_VERSION : order, order } : undefined;
}

/**
 * The top-level folder a row's chunks count for (chunk_refs): a version's is the folder of the file it keeps,
 * so its chunks keep that folder's replication factor after the file itself is overwritten or deleted.
 */
export function refFolderOf(path: string): string {
  const kept = versionOfRow(path);
  return topFolderOf(kept ? kept.path : path);
}

/** A delete marker is a live directory row among a file's versions: it has no content and is never purged as a tombstone. */
export const isDeleteMarker = (row: Manifest) => row.kind === "dir" && !row.deleted;

/** The files directory of a version row's directory (`.orrery-versions/a/b` → `a/b`). */
export function keptPathOfDir(dir: string): string | undefined {
  return dir.startsWith(`${VERSIONS_DIR}/`) ? dir.slice(VERSIONS_DIR.length + 1) : undefined;
}
