// S3 versioning over filesystem/file-versions.ts: PutBucketVersioning and GetBucketVersioning, ListObjectVersions,
// and the versionId of object reads, deletes and copies (x-amz-version-id, delete markers).
import type { FileVersions } from "../filesystem/file-versions.ts";
import { NULL_VERSION, type VersionEntry } from "../filesystem/versioning.ts";
import { OrreryError } from "../errors.ts";
import type { Manifest } from "../metadata/manifest.ts";
import { compareNames } from "../metadata/path.ts";
import { VERSION_ID } from "../metadata/version-paths.ts";
import { treeOf } from "./buckets.ts";
import { s3Error } from "./errors.ts";
import { etagOf, type Handler, intParam, isoDate, keyEncoder, ownerOf, requireBucket, type S3Components, type S3Request, xmlResponse } from "./http.ts";
import { listPage } from "./list.ts";
import { objectPath } from "./names.ts";
import { childText, parseXml, readSmallBody } from "./request-body.ts";
import type { XmlNode } from "./xml.ts";

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
  const found = directory ? undefined : (await versionsOf(c).list(path)).find((e) => e.versionId === versionId);
  if (!found) throw s3Error("NoSuchVersion", `The specified version does not exist: ${versionId}.`);
  if (found.deleteMarker) {
    throw s3Error("MethodNotAllowed", "The specified method is not allowed against a delete marker.", { headers: { "x-amz-delete-marker": "true", "x-amz-version-id": versionId } });
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
    return { m, versionId: c.versions?.currentVersionId(m) };
  } catch (err) {
    if (!(err instanceof OrreryError) || err.code !== "NoSuchKey" || !c.versions) throw err;
    const { path, directory } = objectPath(r.bucket!, r.key!);
    const newest = directory || c.versions.stateOf(path) === "Off" ? undefined : c.versions.entries(path)[0];
    if (newest?.deleteMarker) throw s3Error("NoSuchKey", err.message, { headers: { "x-amz-delete-marker": "true", "x-amz-version-id": newest.versionId } });
    throw err;
  }
}

/** x-amz-version-id for a write that committed `row` (none in a folder that never had versioning). */
export function writtenVersionHeaders(c: S3Components, row: Pick<Manifest, "path" | "version">): Record<string, string> {
  const id = c.versions?.writtenVersionId(row);
  return id === undefined ? {} : { "x-amz-version-id": id };
}

/** The headers of a plain delete in a versioned folder: it left a delete marker. */
export function deleteMarkerHeaders(c: S3Components, tombstone: Manifest | undefined): Record<string, string> {
  const id = tombstone && tombstone.kind === "file" ? c.versions?.writtenVersionId(tombstone) : undefined;
  return id === undefined ? {} : { "x-amz-delete-marker": "true", "x-amz-version-id": id };
}

/**
 * DELETE ?versionId: removes that version for good (a missing one is no error, as in S3). The "null" version of a
 * key that has no other (an unversioned bucket's object, a directory marker) is the object itself: `plainDelete`.
 */
export async function deleteVersion(c: S3Components, bucket: string, key: string, versionId: string, plainDelete: () => Promise<unknown>): Promise<Record<string, string>> {
  requireBucket(c, bucket);
  const { path, directory } = objectPath(bucket, key);
  checkedVersionId(versionId);
  if (versionId === NULL_VERSION && (directory || !c.versions || c.versions.stateOf(path) === "Off")) {
    await plainDelete();
    return { "x-amz-version-id": versionId };
  }
  if (directory) return { "x-amz-version-id": versionId };
  try {
    const removed = await versionsOf(c).remove(path, versionId);
    return { "x-amz-version-id": versionId, ...(removed.deleteMarker ? { "x-amz-delete-marker": "true" } : {}) };
  } catch (err) {
    if (err instanceof OrreryError && err.code === "no_such_version") return { "x-amz-version-id": versionId };
    throw err;
  }
}

/** Keys of a bucket in S3 order from `from` on (inclusive): those with versions and the live ones, merged. */
function* keysFrom(c: S3Components, dir: string, prefix: string, from: string): Generator<{ key: string; live?: Manifest }> {
  const keyOf = (path: string) => path.slice(dir.length + 1);
  const versioned = c.versions
    ? [...c.versions.versionedFiles(dir)].map(keyOf).filter((k) => k.startsWith(prefix) && compareNames(k, from) >= 0).sort(compareNames)
    : [];
  let i = 0;
  let after = from;
  let inclusive = from !== "";
  for (;;) {
    // The live keys a page at a time, from `from` on; `from` itself is looked at once, before the pages.
    const items = inclusive ? liveAt(c, dir, from) : listPage(treeOf(c), dir, { prefix, delimiter: "", after, maxKeys: 1000 }).objects;
    for (const item of items) {
      while (i < versioned.length && compareNames(versioned[i]!, item.key) < 0) yield { key: versioned[i++]! };
      if (versioned[i] === item.key) i++;
      yield { key: item.key, live: item.entry };
    }
    if (!inclusive && items.length < 1000) break;
    if (items.length > 0) after = items[items.length - 1]!.key;
    inclusive = false;
  }
  while (i < versioned.length) yield { key: versioned[i++]! };
}

/** The live object at exactly `key`, as a one-item listing (or none). */
function liveAt(c: S3Components, dir: string, key: string): Array<{ key: string; entry: Manifest }> {
  try {
    const { path, directory } = objectPath(dir, key);
    const m = directory ? undefined : c.fs.lookupFile(path);
    return m ? [{ key, entry: m }] : [];
  } catch {
    return [];
  }
}

function entriesOf(c: S3Components, dir: string, k: { key: string; live?: Manifest }): VersionEntry[] {
  const path = `${dir}/${k.key}`;
  const kept = c.versions && !k.key.endsWith("/") ? c.versions.entries(path) : [];
  if (kept.length > 0 || !k.live) return kept;
  return [{ versionId: NULL_VERSION, row: k.live, deleteMarker: false, isLatest: true, writtenAt: k.live.mtime }];
}

export const listObjectVersions: Handler = (r, c) => {
  const dir = requireBucket(c, r.bucket!);
  const prefix = r.query.get("prefix") ?? "";
  const delimiter = r.query.get("delimiter") ?? "";
  const maxKeys = intParam(r, "max-keys", 1000, 0, 1000);
  const keyMarker = r.query.get("key-marker") ?? "";
  const versionIdMarker = r.query.get("version-id-marker") ?? "";
  if (versionIdMarker !== "" && keyMarker === "") throw s3Error("InvalidArgument", "A version-id marker cannot be specified without a key marker.");
  const enc = keyEncoder(r);
  const owner = ownerOf(r.auth.accessKey);
  const nodes: XmlNode[] = [];
  const prefixes: string[] = [];
  let count = 0;
  let truncated = false;
  let next: { key: string; versionId?: string } | undefined;
  outer: for (const k of keysFrom(c, dir, prefix, compareNames(keyMarker, prefix) > 0 ? keyMarker : prefix)) {
    // Keys the caller may not read are left out, as the files API's listings leave them out.
    if (!k.key.startsWith(prefix) || !r.access.sees(`${dir}/${k.key}`)) continue;
    const rest = k.key.slice(prefix.length);
    const cut = delimiter === "" ? -1 : rest.indexOf(delimiter);
    if (cut >= 0) {
      const common = prefix + rest.slice(0, cut + delimiter.length);
      if (common === prefixes[prefixes.length - 1] || compareNames(common, keyMarker) <= 0) continue;
      if (count >= maxKeys) {
        truncated = true;
        break;
      }
      prefixes.push(common);
      count++;
      next = { key: common };
      continue;
    }
    let entries = entriesOf(c, dir, k);
    if (k.key === keyMarker) {
      // A key marker alone: that key was listed whole; with a version marker: its versions after that one.
      entries = versionIdMarker === "" ? [] : entries.slice(entries.findIndex((e) => e.versionId === versionIdMarker) + 1);
    }
    for (const e of entries) {
      if (count >= maxKeys) {
        truncated = true;
        break outer;
      }
      nodes.push(versionNode(k.key, e, enc, owner));
      count++;
      next = { key: k.key, versionId: e.versionId };
    }
  }
  return xmlResponse("ListVersionsResult", [
    ["Name", r.bucket!],
    ["Prefix", enc(prefix)],
    ["KeyMarker", enc(keyMarker)],
    ["VersionIdMarker", versionIdMarker],
    ["NextKeyMarker", truncated && next ? enc(next.key) : undefined],
    ["NextVersionIdMarker", truncated && next?.versionId !== undefined ? next.versionId : undefined],
    ["MaxKeys", maxKeys],
    ["Delimiter", delimiter === "" ? undefined : enc(delimiter)],
    ["IsTruncated", truncated],
    ["EncodingType", r.query.get("encoding-type")],
    ...nodes,
    ...prefixes.map((p): XmlNode => ["CommonPrefixes", [["Prefix", enc(p)]]]),
  ]);
};

function versionNode(key: string, e: VersionEntry, enc: (s: string) => string, owner: readonly XmlNode[]): XmlNode {
  if (e.deleteMarker) {
    return ["DeleteMarker", [["Key", enc(key)], ["VersionId", e.versionId], ["IsLatest", e.isLatest], ["LastModified", isoDate(e.writtenAt)], ["Owner", owner]]];
  }
  return [
    "Version",
    [
      ["Key", enc(key)], ["VersionId", e.versionId], ["IsLatest", e.isLatest], ["LastModified", isoDate(e.row.mtime)],
      ["ETag", etagOf(e.row)], ["Size", e.row.size], ["StorageClass", "STANDARD"], ["Owner", owner],
    ],
  ];
}
