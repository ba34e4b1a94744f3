// Where the versions of files in versioned folders live: immutable manifest rows in a reserved namespace,
// `.orrery-versions/<path>/<versionId>`, the version id being the HLC version of the write it keeps; S3's "null"
// version (a write made while versioning was off or suspended), once kept, is `<hlc>~null`. A directory's own
// content (S3's key `dir/`) keeps its versions in `.orrery-versions/<path>/ ` as `<hlc>~dir[~null]`. Pure.
import { badRequest } from "../errors.ts";
import { type Manifest, type ManifestKind } from "./manifest.ts";
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
const NULL_SUFFIX = "~null";

/** True for the reserved namespace and everything in it. */
export function isVersionsPath(path: string): boolean {
  return path === VERSIONS_DIR || path.startsWith(`${VERSIONS_DIR}/`);
}

/**
 * The segment below `.orrery-versions/<path>` that holds the versions of the directory `path`'s own content.
 * A space is the lowest character a path may hold (controls are refused), so the key `path/` sorts at this
 * directory's place among its neighbours' (listings read versioned keys in parent order), and no key falls
 * between them. A file named " " in `path` shares the directory; the rows' `~dir` suffix tells them apart.
 */
const DIR_SEGMENT = " ";
const DIR_SUFFIX = "~dir";

/** The directory holding the versions of `path` (of its directory's own content with kind "dir"): each of its rows is one version. */
export const versionsDirOf = (path: string, kind: ManifestKind = "file") => `${VERSIONS_DIR}/${path}${kind === "dir" ? `/${DIR_SEGMENT}` : ""}`;

/**
 * The row keeping version `versionId` of `path` (with `isNull`, the null version written at HLC `versionId`); a 400
 * when the versions of so long a path cannot be named.
 */
export function versionPath(path: string, versionId: string, isNull = false, kind: ManifestKind = "file"): string {
  const p = versionRowPath(path, versionId, isNull, kind);
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
  /** Whose versions: the file's, or the directory's own content (S3's key `path/`). */
  kind: ManifestKind;
}

/** The path of a version row, unchecked (versionPath checks its length). */
export function versionRowPath(path: string, versionId: string, isNull: boolean, kind: ManifestKind): string {
  return `${versionsDirOf(path, kind)}/${versionId}${kind === "dir" ? DIR_SUFFIX : ""}${isNull ? NULL_SUFFIX : ""}`;
}

/** The file and version a version row keeps; undefined for a path that is not a version row. */
export function versionOfRow(rowPath: string): KeptVersion | undefined {
  if (!rowPath.startsWith(`${VERSIONS_DIR}/`)) return undefined;
  const i = rowPath.lastIndexOf("/");
  const name = rowPath.slice(i + 1);
  const isNull = name.endsWith(NULL_SUFFIX);
  const id = isNull ? name.slice(0, -NULL_SUFFIX.length) : name;
  const kind: ManifestKind = id.endsWith(DIR_SUFFIX) ? "dir" : "file";
  const order = kind === "dir" ? id.slice(0, -DIR_SUFFIX.length) : id;
  let path = rowPath.slice(VERSIONS_DIR.length + 1, i);
  if (kind === "dir") {
    if (!path.endsWith(`/${DIR_SEGMENT}`)) return undefined;
    path = path.slice(0, -DIR_SEGMENT.length - 1);
  }
  return path !== "" && VERSION_ID.test(order) ? { path, versionId: isNull ? NULL_VERSION : order, order, kind } : undefined;
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

/**
 * The keys whose versions a versions directory may hold, relative to the same root, in key order: `a/b` holds
 * the file `a/b`'s; `a/b/ ` the file `a/b/ `'s and the directory content `a/b/`'s (which sorts first).
 */
export function keysOfVersionsDir(relative: string): string[] {
  return relative.endsWith(`/${DIR_SEGMENT}`) ? [relative.slice(0, -DIR_SEGMENT.length), relative] : [relative];
}

/** The rows a commit attempt of `m` may have kept of itself (its version, or its null version), to take back on a retry. */
export function ownVersionRowPaths(m: Pick<Manifest, "path" | "kind" | "version">): string[] {
  return [false, true].map((isNull) => versionRowPath(m.path, m.version, isNull, m.kind));
}
