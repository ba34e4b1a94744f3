// S3 versioning over filesystem/file-versions.ts: PutBucketVersioning and GetBucketVersioning, ListObjectVersions,
// and the versionId of object reads, deletes and copies (x-amz-version-id, delete markers); the listing is version-listing.ts.
import type { FileVersions } from "../filesystem/file-versions.ts";
import { NULL_VERSION } from "../filesystem/versioning.ts";
import { OrreryError } from "../errors.ts";
import { hasOwnContent, type Manifest } from "../metadata/manifest.ts";
import { VERSION_ID } from "../metadata/version-paths.ts";
import { s3Error } from "./errors.ts";
import { type Handler, requireBucket, type S3Components, type S3Request, xmlResponse } from "./http.ts";
import { objectPath } from "./names.ts";
import { pruneEmptyParents } from "./empty-parents.ts";
import { childText, parseXml, readSmallBody } from "./request-body.ts";

function versionsOf(c: S3Components): FileVersions {
  if (!c.versions) throw s3Error("NotImplemented", "Versioning is not available on this node.");
  return c.versions;
}

export const putBucketVersioning: Handler = async (r, c) => {
  const dir = requireBucket(c, r.bucket!);
  const doc = parseXml(await readSmallBody(r.payload(), 64 * 1024));
  if (doc.name !== "VersioningConfiguration") throw s3Error("MalformedXML", "The body must be a <VersioningConfiguration> document.");
  const status = childText(doc, "Status")?.trim();
  if (status !== "Enabled" && status !== "Suspended") throw s3Error("MalformedXML", "Status must be Enabled or Suspended.");
  if (childText(doc, "MfaDelete")?.trim() === "Enabled") throw s3Error("NotImplemented", "MFA delete is not supported.");
  await versionsOf(c).setState(dir, status);
  return new Response(null, { status: 200 });
};

export const getBucketVersioning: Handler = (r, c) => {
  const dir = requireBucket(c, r.bucket!);
  const state = c.versions?.stateOf(dir) ?? "Off";
  return xmlResponse("VersioningConfiguration", state === "Off" ? [] : [["Status", state]]);
};

/** A versionId query parameter: "null" or one this node makes (an HLC version); InvalidArgument otherwise. */
function checkedVersionId(versionId: string): string {
  if (versionId !== NULL_VERSION && !VERSION_ID.test(versionId)) throw s3Error("InvalidArgument", "Invalid version id specified.", { fields: [["ArgumentName", "versionId"], ["ArgumentValue", versionId.slice(0, 200)]] });
  return versionId;
}

/** One version of an object: NoSuchVersion when not kept; a delete marker read is 405 as S3 answers it. */
export async function versionOf(c: S3Components, bucket: string, key: string, versionId: string): Promise<Manifest> {
  requireBucket(c, bucket);
  const { path, directory } = objectPath(bucket, key);
  checkedVersionId(versionId);
  const found = (await versionsOf(c).list(path, "quorum", directory ? "dir" : "file")).find((e) => e.versionId === versionId);
  if (!found) throw s3Error("NoSuchVersion", `The specified version does not exist: ${versionId}.`);
  if (found.deleteMarker) {
    // Last-Modified as AWS sends it; Allow because HTTP wants a 405 to say what the resource allows.
    const headers = { "x-amz-delete-marker": "true", "x-amz-version-id": versionId, "last-modified": new Date(found.writtenAt).toUTCString(), allow: "DELETE" };
    throw s3Error("MethodNotAllowed", "The specified method is not allowed against a delete marker.", { headers });
  }
  return found.row;
}

/**
 * The object a GET or HEAD reads and the version id to report: the version named by ?versionId, or the current
 * object (a missing key whose newest version is a delete marker says so in its 404's headers).
 */
export async function objectVersionOf(r: S3Request, c: S3Components, current: () => Manifest): Promise<{ m: Manifest; versionId?: string }> {
  const versionId = r.query.get("versionId");
  if (versionId !== undefined) return { m: await versionOf(c, r.bucket!, r.key!, versionId), versionId };
  try {
    const m = current();
    return { m, versionId: await c.versions?.currentVersionId(m) };
  } catch (err) {
    if (!(err instanceof OrreryError) || err.code !== "NoSuchKey" || !c.versions) throw err;
    const { path, directory } = objectPath(r.bucket!, r.key!);
    const newest = c.versions.stateOf(path) === "Off" ? undefined : (await c.versions.list(path, "quorum", directory ? "dir" : "file"))[0];
    if (newest?.deleteMarker) throw s3Error("NoSuchKey", err.message, { headers: { "x-amz-delete-marker": "true", "x-amz-version-id": newest.versionId } });
    throw err;
  }
}

/** x-amz-version-id for a write that committed `row` (none in a folder that never had versioning). */
export function writtenVersionHeaders(c: S3Components, row: Pick<Manifest, "path" | "version">): Record<string, string> {
  const id = c.versions?.writtenVersionId(row);
  return id === undefined ? {} : { "x-amz-version-id": id };
}

/**
 * The version id a copy names its source by (x-amz-copy-source-version-id): the one the request named, else the
 * source's current one when its bucket keeps versions (none when it never did).
 */
export async function copySourceVersionId(c: S3Components, src: Manifest, named: string | undefined): Promise<string | undefined> {
  return named ?? (await c.versions?.currentVersionId(src));
}

/** The headers of a plain delete in a versioned folder: it left a delete marker. */
export function deleteMarkerHeaders(c: S3Components, tombstone: Manifest | undefined): Record<string, string> {
  const id = tombstone ? c.versions?.writtenVersionId(tombstone) : undefined;
  return id === undefined ? {} : { "x-amz-delete-marker": "true", "x-amz-version-id": id };
}

/**
 * DELETE ?versionId: removes that version for good (a missing one is no error, as in S3). The "null" version of a
 * key in a bucket that never kept versions, or of a folder without content of its own (a marker), is the object
 * itself: `plainDelete`.
 */
export async function deleteVersion(c: S3Components, bucket: string, key: string, versionId: string, plainDelete: () => Promise<unknown>): Promise<Record<string, string>> {
  const bucketDir = requireBucket(c, bucket);
  const { path, directory } = objectPath(bucket, key);
  checkedVersionId(versionId);
  const folder = directory ? c.fs.lookupDir(path) : undefined;
  const marker = folder !== undefined && !hasOwnContent(folder);
  if (versionId === NULL_VERSION && (marker || !c.versions || c.versions.stateOf(path) === "Off")) {
    await plainDelete();
    return { "x-amz-version-id": versionId };
  }
  try {
    const removed = await versionsOf(c).remove(path, versionId, directory ? "dir" : "file");
    // The key's last version gone (or only a marker left): its folder may be empty now, as after a plain delete.
    await pruneEmptyParents(c, path, bucketDir);
    return { "x-amz-version-id": versionId, ...(removed.deleteMarker ? { "x-amz-delete-marker": "true" } : {}) };
  } catch (err) {
    if (err instanceof OrreryError && err.code === "no_such_version") return { "x-amz-version-id": versionId };
    throw err;
  }
}
