// Object operations: PutObject, GetObject and HeadObject (Range, partNumber, conditional requests), DeleteObject,
// DeleteObjects, CopyObject (a new manifest over the same chunks) and GetObjectAcl.
import type { Precondition } from "../consensus/conditional-writes.ts";
import { httpPrecondition } from "../consensus/http-preconditions.ts";
import { OrreryError } from "../errors.ts";
import { hasOwnContent, type Manifest, MAX_PARTS } from "../metadata/manifest.ts";
import { metaFromHeaders, metaProblem, metaToHeaders, type ObjectMeta, withInferredType } from "../metadata/object-meta.ts";
import { requireAccess } from "./access.ts";
import { aclResponse } from "./buckets.ts";
import { s3Error, toS3Error } from "./errors.ts";
import { etagOf, type Handler, isoDate, requireBucket, type S3Components, type S3Request, sameEtag, xmlResponse } from "./http.ts";
import { objectPath } from "./names.ts";
import { childrenNamed, childText, parseXml, readSmallBody } from "./request-body.ts";
import { percentDecode } from "./sigv4.ts";
import { checksumHeaders, payloadChecksum, withChecksum } from "./stored-checksums.ts";
import { copiedTags, headerTags, withTags } from "./tagging.ts";
import type { XmlNode } from "./xml.ts";
import { copySourceVersionId, deleteMarkerHeaders, deleteVersion, objectVersionOf, versionOf, writtenVersionHeaders } from "./versions.ts";
import { pruneEmptyParents } from "./empty-parents.ts";

/**
 * The live entry a key names: a file, or for a key ending in '/' the directory (its own content, if it holds
 * any); NoSuchKey otherwise. `a/b` and `a/b/` are two entries, as they are two keys.
 */
export function objectOf(c: S3Components, bucket: string, key: string): Manifest {
  requireBucket(c, bucket);
  const { path, directory } = objectPath(bucket, key);
  const m = directory ? c.fs.lookupDir(path) : c.fs.lookupFile(path);
  if (!m || (directory && !isDirObject(c, m))) throw s3Error("NoSuchKey", `The specified key does not exist: ${key}.`);
  return m;
}

/**
 * Whether a directory is the object `dir/`, as listings show it: it holds content of its own (a PutObject of
 * `dir/`), or it is empty (a marker). A folder that exists only for the keys below it is a prefix, no object.
 */
function isDirObject(c: S3Components, d: Manifest): boolean {
  return hasOwnContent(d) || c.fs.list(d.path, { limit: 1 }).length === 0;
}

/** The prefix of S3 user metadata headers. */
export const S3_USER_META = "x-amz-meta-";

/**
 * The metadata a PutObject, CopyObject (REPLACE) or CreateMultipartUpload carries, with a content type
 * inferred from the key when none is given. `aws-chunked` is the request's own transfer encoding, not the
 * object's: S3 drops it from the Content-Encoding it keeps.
 */
export function s3Meta(r: S3Request): ObjectMeta | undefined {
  const meta = metaFromHeaders(r.raw.headers.entries(), S3_USER_META);
  if (meta?.contentEncoding !== undefined) {
    const kept = meta.contentEncoding.split(",").map((e) => e.trim()).filter((e) => e !== "" && e.toLowerCase() !== "aws-chunked");
    if (kept.length > 0) meta.contentEncoding = kept.join(", ");
    else delete meta.contentEncoding;
  }
  const problem = meta ? metaProblem(meta) : undefined;
  if (problem) {
    throw s3Error(problem.startsWith("user") ? "MetadataTooLarge" : "InvalidArgument", `The metadata cannot be stored: ${problem}.`);
  }
  return withInferredType(meta && Object.keys(meta).length > 0 ? meta : undefined, r.key ?? "");
}

/** rclone keeps a file's modification time in x-amz-meta-mtime (seconds); it becomes the file's mtime. */
function metaMtime(r: S3Request): number | undefined {
  return mtimeOf(r.header("x-amz-meta-mtime") ?? undefined);
}

/** The same from stored metadata (a multipart upload's, given at its creation). */
export function mtimeFromMeta(meta: ObjectMeta | undefined): number | undefined {
  return mtimeOf(meta?.user?.mtime);
}

function mtimeOf(seconds: string | undefined): number | undefined {
  const s = Number(seconds ?? Number.NaN);
  return Number.isFinite(s) && s >= 0 ? Math.round(s * 1000) : undefined;
}

export const putObject: Handler = async (r, c) => {
  requireBucket(c, r.bucket!);
  const { path, directory } = objectPath(r.bucket!, r.key!);
  const payload = r.payload();
  // A conditional PUT ("create if absent", "replace if unchanged") is decided by a Paxos round on the key.
  const precondition = httpPrecondition(r.header("if-match"), r.header("if-none-match"), etagOf);
  const held = directory ? c.fs.lookupDir(path) : c.fs.lookupFile(path);
  const hold = c.quotas?.hold(path, payload.stream, payload.length, held?.size ?? 0);
  let result: Awaited<ReturnType<typeof c.fs.put>>;
  try {
    result = await putChecked(c, r, path, hold ? hold.body : payload.stream, payload, precondition, directory);
  } finally {
    hold?.release();
  }
  const headers: Record<string, string> = { etag: `"${result.md5}"`, ...writtenVersionHeaders(c, { path, version: result.version }) };
  const checksum = payload.checksum();
  if (checksum) headers[checksum[0]] = checksum[1];
  return new Response(null, { headers });
};

/**
 * PutObject's write, its body checked against the user's quota when in a home. A key ending in '/' is the
 * directory's own content (empty or not), kept in its row beside what lies below.
 */
function putChecked(
  c: S3Components,
  r: S3Request,
  path: string,
  body: ReadableStream<Uint8Array> | null,
  payload: ReturnType<S3Request["payload"]>,
  precondition: ReturnType<typeof httpPrecondition>,
  directory: boolean,
) {
  return c.fs.put(path, body, "quorum", {
    ...(directory ? { kind: "dir" as const } : {}),
    mtime: metaMtime(r) ?? Date.now(),
    sizeHint: payload.length,
    check: (content) => payload.check(content),
    precondition,
    meta: withTags(s3Meta(r), headerTags(r)),
    md5: true,
    // The server read the key and its folders at quorum for this request (server.ts refresh).
    fresh: true,
    // A checksum sent as a trailer is known (and verified) only once the body is read.
    completeMeta: (meta) => withChecksum(meta, payloadChecksum(payload)),
  });
}

/** 304, 412 or nothing, by If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since (RFC 9110 §13.2.2). */
function preconditions(r: S3Request, m: Manifest, prefix = ""): "not-modified" | undefined {
  const etag = etagOf(m);
  const modified = Math.floor(m.mtime / 1000) * 1000;
  const matches = (list: string) => list.split(",").some((t) => t.trim() === "*" || sameEtag(t, etag));
  const date = (name: string) => {
    const v = r.header(`${prefix}${name}`);
    const t = v === null ? Number.NaN : Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  };
  const ifMatch = r.header(`${prefix}if-match`);
  if (ifMatch !== null && !matches(ifMatch)) throw s3Error("PreconditionFailed");
  const unmodifiedSince = date("if-unmodified-since");
  if (ifMatch === null && unmodifiedSince !== undefined && modified > unmodifiedSince) throw s3Error("PreconditionFailed");
  const ifNoneMatch = r.header(`${prefix}if-none-match`);
  if (ifNoneMatch !== null && matches(ifNoneMatch)) return "not-modified";
  const modifiedSince = date("if-modified-since");
  if (ifNoneMatch === null && modifiedSince !== undefined && modified <= modifiedSince) return "not-modified";
  return undefined;
}

const OVERRIDES = ["content-type", "content-language", "expires", "cache-control", "content-disposition", "content-encoding"];

/** `?partNumber=N` of a GET or HEAD: an integer from 1 to 10000, and never with a Range. */
function partNumberOf(r: S3Request): number | undefined {
  const raw = r.query.get("partNumber");
  if (raw === undefined) return undefined;
  const n = /^\d{1,5}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n >= 1 && n <= MAX_PARTS)) throw s3Error("InvalidArgument", `Part number must be an integer between 1 and ${MAX_PARTS}, inclusive.`);
  if (r.header("range") !== null) throw s3Error("InvalidRequest", "Cannot specify both Range header and partNumber query parameter.");
  return n;
}

/**
 * The bytes part `n` of an object is, and how many parts it has (undefined for an object not uploaded in
 * parts, whose only part is all of it, as S3 answers). Parts do not line up with chunks: their sizes are
 * kept in the manifest. A multipart object completed before they were kept knows only its count.
 */
export function partRange(m: Manifest, n: number): { start: number; end: number; count: number | undefined } {
  const sizes = m.multipart?.partSizes;
  const count = partsCountOf(m);
  if (n > (count ?? 1)) throw s3Error("InvalidPartNumber", `The object has ${count ?? 1} part(s); part ${n} does not exist.`);
  if (count === undefined || (count === 1 && !sizes)) return { start: 0, end: m.size - 1, count };
  if (!sizes) throw s3Error("NotImplemented", "This object was completed before its part sizes were recorded: read it by Range instead.");
  let start = 0;
  for (let i = 0; i < n - 1; i++) start += sizes[i]!;
  return { start, end: start + sizes[n - 1]! - 1, count };
}

/** How many parts an object was uploaded in; undefined for one not uploaded in parts. */
export function partsCountOf(m: Manifest): number | undefined {
  // Without recorded sizes, the multipart ETag's "-<parts>" still says how many; a plain MD5 (or none) is one part.
  const etagParts = /^[0-9a-f]{32}-(\d+)$/.exec(m.md5 ?? "")?.[1];
  return m.multipart?.partSizes.length ?? (etagParts === undefined ? undefined : Number(etagParts));
}

async function getOrHead(r: S3Request, c: S3Components, head: boolean): Promise<Response> {
  const partNumber = partNumberOf(r);
  const { m, versionId } = await objectVersionOf(r, c, () => objectOf(c, r.bucket!, r.key!));
  const headers: Record<string, string> = {
    ...(versionId === undefined ? {} : { "x-amz-version-id": versionId }),
    etag: etagOf(m),
    "last-modified": new Date(m.mtime).toUTCString(),
    "accept-ranges": "bytes",
    "content-type": "binary/octet-stream",
    ...Object.fromEntries(metaToHeaders(m.meta, S3_USER_META)),
  };
  headers["x-amz-meta-mtime"] ??= (m.mtime / 1000).toFixed(3);
  if (m.meta?.tags) headers["x-amz-tagging-count"] = String(m.meta.tags.length);
  for (const h of OVERRIDES) {
    const v = r.query.get(`response-${h}`);
    if (v !== undefined) headers[h] = v;
  }
  // Of the whole object only: S3 gives no checksum for a range (a part's is not kept here).
  if (partNumber === undefined && r.header("range") === null) Object.assign(headers, checksumHeaders(m, r.header("x-amz-checksum-mode")));
  if (preconditions(r, m) === "not-modified") return new Response(null, { status: 304, headers: { etag: headers.etag!, "last-modified": headers["last-modified"]! } });
  // A part is a range of the object: 206 with its Content-Range, and the count of parts when it has parts.
  const part = partNumber === undefined ? undefined : partRange(m, partNumber);
  if (part?.count !== undefined) headers["x-amz-mp-parts-count"] = String(part.count);
  // S3 does not honour If-Range. A directory's own content, if any, is read as a file's.
  const read = await c.fs.read(m, { range: r.header("range"), span: part, head });
  return new Response(read.body, { status: read.status, headers: { ...headers, ...read.headers } });
}

export const getObject: Handler = (r, c) => getOrHead(r, c, false);
export const headObject: Handler = (r, c) => getOrHead(r, c, true);

/**
 * Deletes a key if it is there (S3 answers a delete of a missing key with success too). The key's row (and a
 * directory key's entries) were read at quorum in this request (server.ts refresh, or DeleteObjects' own read):
 * the delete does not read them again.
 */
async function deleteKey(c: S3Components, bucket: string, key: string, precondition?: Precondition): Promise<Manifest | undefined> {
  const bucketDir = requireBucket(c, bucket);
  const { path, directory } = objectPath(bucket, key);
  const m = directory ? c.fs.lookupDir(path) : c.fs.lookupFile(path);
  if (!m) {
    // Deleting nothing succeeds in S3, but not "delete if it is this version".
    if (precondition?.(undefined)) throw s3Error("PreconditionFailed", precondition(undefined));
    return undefined;
  }
  let removed: Manifest;
  try {
    if (directory && c.fs.list(path, { limit: 1 }).length > 0) {
      // The object `dir/` goes, what lies below stays: only the directory's own row is deleted.
      if (!hasOwnContent(m)) return undefined; // a non-empty folder without content of its own is no object
      removed = await c.fs.removeOwnContent(path, "quorum", { fresh: true });
    } else {
      // Paxos rounds decide files; a directory's own content is deleted unconditionally.
      removed = await c.fs.remove(path, false, "quorum", directory ? undefined : precondition, directory ? "dir" : "file", { fresh: true });
    }
  } catch (err) {
    if (err instanceof OrreryError && err.code === "not_found") return undefined; // deleted meanwhile
    throw err;
  }
  await pruneEmptyParents(c, path, bucketDir);
  return removed;
}

export const deleteObject: Handler = async (r, c) => {
  const versionId = r.query.get("versionId");
  if (versionId !== undefined) {
    const headers = await deleteVersion(c, r.bucket!, r.key!, versionId, () => deleteKey(c, r.bucket!, r.key!));
    return new Response(null, { status: 204, headers });
  }
  const precondition = httpPrecondition(r.header("if-match"), null, etagOf);
  const removed = await deleteKey(c, r.bucket!, r.key!, precondition);
  return new Response(null, { status: 204, headers: deleteMarkerHeaders(c, removed) });
};

const MAX_DELETE_KEYS = 1000;
/** Deletes in flight at once: commits are serial, the manifest pushes to peers overlap. */
const DELETE_CONCURRENCY = 8;

export const deleteObjects: Handler = async (r, c) => {
  requireBucket(c, r.bucket!);
  const doc = parseXml(await readSmallBody(r.payload(), 2 * 1024 * 1024));
  if (doc.name !== "Delete") throw s3Error("MalformedXML", "The body must be a <Delete> document.");
  const objects = childrenNamed(doc, "Object").map((o) => ({ key: childText(o, "Key") ?? "", versionId: childText(o, "VersionId") }));
  if (objects.length === 0 || objects.length > MAX_DELETE_KEYS) {
    throw s3Error("MalformedXML", `A Delete request names 1 to ${MAX_DELETE_KEYS} objects, not ${objects.length}.`);
  }
  const quiet = childText(doc, "Quiet")?.trim() === "true";
  await refreshKeys(r, c, objects.map((o) => o.key));
  const results: XmlNode[] = new Array(objects.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < objects.length; i = next++) {
      const { key, versionId } = objects[i]!;
      try {
        // Each key is checked on its own: S3 answers a key the caller may not delete with its own AccessDenied.
        requireAccess(r.access, "write", objectPath(r.bucket!, key).path);
        if (versionId !== undefined) {
          const h = await deleteVersion(c, r.bucket!, key, versionId, () => deleteKey(c, r.bucket!, key));
          results[i] = ["Deleted", [["Key", key], ["VersionId", versionId], ["DeleteMarker", h["x-amz-delete-marker"] ? true : undefined]]];
        } else {
          const h = deleteMarkerHeaders(c, await deleteKey(c, r.bucket!, key));
          const marker = h["x-amz-version-id"];
          results[i] = ["Deleted", [["Key", key], ["DeleteMarker", marker ? true : undefined], ["DeleteMarkerVersionId", marker]]];
        }
      } catch (err) {
        const e = toS3Error(err, c.log, { op: "DeleteObjects", bucket: r.bucket, key });
        results[i] = ["Error", [["Key", key], ["Code", e.code], ["Message", e.message]]];
      }
    }
  };
  await Promise.all(Array.from({ length: DELETE_CONCURRENCY }, worker));
  return xmlResponse("DeleteResult", quiet ? results.filter((n) => n[0] === "Error") : results);
};

/**
 * The keys of a DeleteObjects that the caller may delete, brought to a read quorum's rows in one read (a directory
 * key's entries too) before the deletes, which then do not read them one by one: the request's 1,000 keys were up
 * to 1,000 reads (batched per turn by the 8 deletes in flight) and are now one call per owner.
 */
async function refreshKeys(r: S3Request, c: S3Components, keys: readonly string[]): Promise<void> {
  const paths: string[] = [];
  const listed: string[] = [];
  for (const key of keys) {
    try {
      const { path, directory } = objectPath(r.bucket!, key);
      requireAccess(r.access, "write", path);
      paths.push(path);
      if (directory) listed.push(path);
    } catch {
      // A key the caller may not delete, or a malformed one: its own Error in the answer says why.
    }
  }
  await c.fs.refresh(paths, "quorum", undefined, listed);
}

/** x-amz-copy-source: `[/]bucket/key[?versionId=…]`, URL-encoded. */
export function parseCopySource(value: string): { bucket: string; key: string; versionId?: string } {
  const q = value.indexOf("?versionId=");
  const versionId = q < 0 ? undefined : percentDecode(value.slice(q + "?versionId=".length));
  const decoded = percentDecode(q < 0 ? value : value.slice(0, q)).replace(/^\//, "");
  const slash = decoded.indexOf("/");
  if (slash <= 0 || slash === decoded.length - 1) throw s3Error("InvalidArgument", "x-amz-copy-source must be bucket/key.");
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1), ...(versionId === undefined ? {} : { versionId }) };
}

/** The file a copy reads (the current one, or the version named), after the x-amz-copy-source-if-* conditions. */
export async function copySourceOf(r: S3Request, c: S3Components): Promise<Manifest> {
  const { bucket, key, versionId } = parseCopySource(r.header("x-amz-copy-source")!);
  const src = versionId === undefined ? objectOf(c, bucket, key) : await versionOf(c, bucket, key, versionId);
  // A directory's own content (the object `dir/`) is copied as any object; a folder without any is no object.
  if (src.kind !== "file" && !hasOwnContent(src)) throw s3Error("InvalidRequest", "A directory cannot be copied through S3.");
  if (preconditions(r, src, "x-amz-copy-source-") === "not-modified") throw s3Error("PreconditionFailed");
  return src;
}

export const copyObject: Handler = async (r, c) => {
  const src = await copySourceOf(r, c);
  const sourceVersion = parseCopySource(r.header("x-amz-copy-source")!).versionId;
  requireBucket(c, r.bucket!);
  const { path, directory } = objectPath(r.bucket!, r.key!);
  // COPY keeps the source's metadata and modification time; REPLACE takes the request's.
  const directive = (r.header("x-amz-metadata-directive") ?? "COPY").toUpperCase();
  if (directive !== "COPY" && directive !== "REPLACE") throw s3Error("InvalidArgument", "x-amz-metadata-directive must be COPY or REPLACE.");
  const replace = directive === "REPLACE";
  if (!replace && src.path === path && src.kind === (directory ? "dir" : "file") && sourceVersion === undefined) {
    throw s3Error(
      "InvalidRequest",
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }
  const mtime = replace ? (metaMtime(r) ?? Date.now()) : src.mtime;
  // Tags follow their own directive (x-amz-tagging-directive), whichever the metadata's is.
  // The content is the source's, so its checksum stays whichever directive the metadata follows.
  const meta = withChecksum(withTags(replace ? s3Meta(r) : src.meta, copiedTags(r, src)), src.meta?.checksum);
  const precondition = httpPrecondition(r.header("if-match"), r.header("if-none-match"), etagOf);
  // A copy of a multipart object keeps its ETag, and so its parts; the upload id stays with the original.
  const multipart = src.multipart ? { partSizes: src.multipart.partSizes } : undefined;
  const replaced = directory ? c.fs.lookupDir(path) : c.fs.lookupFile(path);
  c.quotas?.checkTransfer(src, path, false, replaced?.size ?? 0);
  // The server read the destination and its folders at quorum for this request, with the source (server.ts refresh).
  const copy = await c.fs.compose(path, [src], { sha256: src.sha256!, md5: src.md5, multipart }, { mtime, precondition, meta, fresh: true, ...(directory ? { kind: "dir" as const } : {}) });
  const res = xmlResponse("CopyObjectResult", [
    ["LastModified", isoDate(copy.mtime)],
    ["ETag", etagOf(copy)],
  ]);
  for (const [name, value] of Object.entries(writtenVersionHeaders(c, copy))) res.headers.set(name, value);
  const sourceVersionId = await copySourceVersionId(c, src, sourceVersion);
  if (sourceVersionId !== undefined) res.headers.set("x-amz-copy-source-version-id", sourceVersionId);
  return res;
};

export const getObjectAcl: Handler = (r, c) => {
  objectOf(c, r.bucket!, r.key!);
  return aclResponse(r);
};
