// The S3 API: path-style addressing (/bucket/key), Signature V4 on every request, one handler per operation,
// every failure as S3's XML error. Served on S3_PORT by listener.ts, which loads this module on the first request.
import { FileSystem } from "../filesystem/file-system.ts";
import { remoteAddressOf } from "../gateway/http-server.ts";
import { randomBytes } from "node:crypto";
import type { Logger } from "../log.ts";
import { UPLOAD_ID } from "../metadata/manifest.ts";
import { accessOf, authorizeOperation, type S3Identities } from "./access.ts";
import { authenticate } from "./auth.ts";
import * as buckets from "./buckets.ts";
import { BucketCors } from "./cors.ts";
import * as encryption from "./encryption.ts";
import { errorXml, s3Error, toS3Error } from "./errors.ts";
import { type Handler, type S3Components, type S3Init, type S3Request, s3RequestOf } from "./http.ts";
import * as listings from "./listings.ts";
import { bucketCorsPath, bucketPath, objectPath, uploadMetaPath } from "./names.ts";
import { postObject } from "./post-object.ts";
import { MultipartUploads } from "./multipart.ts";
import * as objects from "./objects.ts";
import { getObjectAttributes } from "./attributes.ts";
import * as tagging from "./tagging.ts";
import * as versions from "./versions.ts";
import { listObjectVersions } from "./version-listing.ts";
import { type Operation, route } from "./operations.ts";
import { parseQuery, percentDecode } from "./sigv4.ts";

/**
 * The operations that write the key's row and decide on its folders' rows: their quorum read covers the folders too,
 * and the write does not read them again (PutOptions.fresh).
 */
const WRITES_AT_KEY = new Set<Operation>(["PutObject", "CopyObject", "PutObjectTagging", "DeleteObjectTagging"]);
/** The operations the audit log records. */
const DELETES = new Set<string>(["DeleteObject", "DeleteObjects", "DeleteBucket"]);
const safeDecode = (path: string) => {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
};

export interface S3ServerInit extends S3Init {
  /** The keys SigV4 checks with and whom each speaks for: the config's (admins) and the users' (access.ts). */
  credentials: S3Identities;
}

/** `/bucket/key…` → bucket and key, decoded; the key keeps every '/' (and so any empty segment). */
export function addressOf(rawPath: string): { bucket: string | undefined; key: string | undefined } {
  const path = rawPath.replace(/^\/+/, "");
  if (path === "") return { bucket: undefined, key: undefined };
  const slash = path.indexOf("/");
  if (slash < 0) return { bucket: percentDecode(path), key: undefined };
  const key = path.slice(slash + 1);
  return { bucket: percentDecode(path.slice(0, slash)), key: key === "" ? undefined : percentDecode(key) };
}

/** A POST to a bucket without SigV4 (no Authorization header, no presigned query): a browser form upload. */
function isFormUpload(req: Request, bucket: string | undefined, key: string | undefined, query: ReadonlyArray<readonly [string, string]>): boolean {
  if (req.method !== "POST" || bucket === undefined || key !== undefined || req.headers.has("authorization")) return false;
  return !query.some(([k]) => k === "delete" || k === "X-Amz-Signature" || k === "X-Amz-Algorithm");
}

/** CopyObject's source, when it names one that parses (a malformed one is the handler's error to give). */
function copySourceOf(r: S3Request): { bucket: string; key: string } | undefined {
  const source = r.header("x-amz-copy-source");
  try {
    return source ? objects.parseCopySource(source) : undefined;
  } catch {
    return undefined;
  }
}

export class S3Server {
  private readonly handlers: Record<Exclude<Operation, "PostObject">, Handler>;
  private readonly cors: BucketCors;

  constructor(
    private readonly init: S3ServerInit,
    private readonly c: S3Components & { log: Logger },
  ) {
    const multipart = new MultipartUploads(c);
    this.cors = new BucketCors(c);
    this.handlers = {
      ListBuckets: buckets.listBuckets,
      CreateBucket: buckets.createBucket,
      DeleteBucket: buckets.deleteBucket,
      HeadBucket: buckets.headBucket,
      GetBucketLocation: buckets.getBucketLocation,
      GetBucketAcl: buckets.getBucketAcl,
      GetBucketVersioning: versions.getBucketVersioning,
      PutBucketVersioning: versions.putBucketVersioning,
      GetBucketEncryption: encryption.getBucketEncryption,
      PutBucketEncryption: encryption.putBucketEncryption,
      DeleteBucketEncryption: encryption.deleteBucketEncryption,
      GetBucketCors: this.cors.get,
      PutBucketCors: this.cors.put,
      DeleteBucketCors: this.cors.delete,
      ListObjects: listings.listObjectsV1,
      ListObjectsV2: listings.listObjectsV2,
      ListObjectVersions: listObjectVersions,
      ListMultipartUploads: multipart.listUploads,
      DeleteObjects: objects.deleteObjects,
      PutObject: objects.putObject,
      CopyObject: objects.copyObject,
      GetObject: objects.getObject,
      HeadObject: objects.headObject,
      DeleteObject: objects.deleteObject,
      GetObjectAcl: objects.getObjectAcl,
      GetObjectTagging: tagging.getObjectTagging,
      PutObjectTagging: tagging.putObjectTagging,
      DeleteObjectTagging: tagging.deleteObjectTagging,
      GetObjectAttributes: getObjectAttributes,
      CreateMultipartUpload: multipart.create,
      UploadPart: multipart.uploadPart,
      CompleteMultipartUpload: multipart.complete,
      AbortMultipartUpload: multipart.abort,
      ListParts: multipart.listParts,
    };
  }

  /** Serves one request; in-process tests call this directly. */
  readonly fetch = async (req: Request): Promise<Response> => {
    const requestId = randomBytes(8).toString("hex").toUpperCase();
    const url = new URL(req.url);
    const started = Date.now();
    let op: string = "?";
    let payload: string | undefined;
    let res: Response;
    const { bucket, key } = addressOf(url.pathname);
    try {
      const query = parseQuery(url.search);
      if (req.method === "OPTIONS") {
        // A browser's CORS preflight: unsigned by design, answered by the bucket's rules alone.
        op = "PreflightCors";
        res = await this.cors.preflight(req, bucket);
      } else if (isFormUpload(req, bucket, key, query)) {
        // A browser form upload: its signed policy, in the body, authenticates it.
        op = "PostObject";
        res = await postObject(req, bucket!, this.c, this.init.credentials, started);
      } else {
        const signed = await this.signed(req, url, query, started, requestId);
        op = signed.op;
        payload = signed.payload;
        res = signed.res;
      }
    } catch (err) {
      const e = toS3Error(err, this.c.log, { method: req.method, path: url.pathname, op });
      this.c.log.debug("S3 request refused", { method: req.method, path: url.pathname, op, code: e.code, message: e.message });
      const headers = { "content-type": "application/xml", "x-amz-request-id": requestId, ...e.headers };
      // A HEAD response has no body: clients read the status (404 → NotFound).
      res = new Response(req.method === "HEAD" ? null : errorXml(e, url.pathname, requestId), { status: e.status, headers });
    }
    res.headers.set("x-amz-request-id", requestId);
    res.headers.set("server", "Orrery");
    if (req.method !== "OPTIONS") await this.cors.decorate(req, bucket, res);
    this.c.log.debug("S3 request", { method: req.method, path: url.pathname, op, payload, status: res.status, ms: Date.now() - started });
    return res;
  };

  /** A request signed with SigV4 (header or presigned URL): authenticated, routed, refreshed, handled. */
  private async signed(req: Request, url: URL, query: Array<[string, string]>, started: number, requestId: string): Promise<{ op: Operation; payload: string; res: Response }> {
    const auth = authenticate({ method: req.method, rawPath: url.pathname, query, header: (n) => req.headers.get(n) }, this.init.credentials, started);
    const { bucket, key } = addressOf(url.pathname);
    const payload = auth.payload.kind === "chunked" ? `chunked${auth.payload.signer ? "-signed" : ""}${auth.payload.trailer ? "-trailer" : ""}` : auth.payload.kind;
    const r = s3RequestOf(req, bucket, key, auth, accessOf(this.init.credentials.principal(auth.accessKey), this.init.credentials.open), requestId);
    // Refused before any handler runs, so nothing of such a request is stored.
    const sse = encryption.encryptionRequestOf([...req.headers, ...query]);
    if (sse) encryption.refuseCustomerKeys(sse, url.protocol === "https:");
    const routing = route(req.method, bucket, key, r.query, req.headers.has("x-amz-copy-source"));
    if ("methodNotAllowed" in routing) throw s3Error("MethodNotAllowed", `${req.method} is not allowed on ${url.pathname}.`);
    if ("notImplemented" in routing) throw s3Error("NotImplemented", `Not implemented by Orrery's S3 API: ${routing.notImplemented}.`);
    if (routing.op === "PostObject") throw s3Error("InvalidRequest", "A POST to a bucket is a browser form upload: authenticated by its policy, without an Authorization header.");
    if (sse) encryption.refuseManagedEncryption(sse, routing.op);
    // Who may do this, before the handler reads anything: one rule for every interface (accounts/authorize.ts).
    authorizeOperation(r.access, routing.op, bucket, key, copySourceOf(r));
    await this.refresh(r, routing.op, bucket, key);
    const res = await this.handlers[routing.op](r, this.c, this.init);
    if (DELETES.has(routing.op) && res.ok) this.auditDelete(req, routing.op, url.pathname, auth.accessKey);
    return { op: routing.op, payload, res };
  }

  /** Who deleted what through S3: the user a key belongs to (null for a key of the config), and the key. */
  private auditDelete(req: Request, op: Operation, path: string, accessKey: string): void {
    this.c.audit?.record({
      actor: this.init.credentials.owner(accessKey) ?? null, action: "delete", target: safeDecode(path).slice(0, 1100), via: "s3",
      address: remoteAddressOf(req)?.slice(0, 64) ?? null, detail: { op, accessKey },
    });
  }

  /**
   * Quorum reads: the bucket, the object (and a copy source, and the multipart upload named), or for a listing
   * the directory the prefix names, are brought up to a read quorum's rows before the operation looks at them.
   * PutObject's, CopyObject's and the tagging writes' are the key and every folder above it, what their write
   * would read again (FileSystem.put, compose), which it is told not to (`fresh`): one quorum read per object, as a
   * files-API PUT has, not two; a copy's source is read in the same one. DeleteObject's delete does not read the key again
   * either, and DeleteObjects reads its keys itself, all in one read, once it has parsed them.
   */
  private async refresh(r: S3Request, op: Operation, bucket: string | undefined, key: string | undefined): Promise<void> {
    if (!bucket) return this.c.fs.refresh([""]);
    let paths: string[];
    // Whose entries are read too: only a key naming a directory (whether `dir/` is an object depends on what
    // lies below it). A bucket's entries are no object operation's business, and listings read each folder
    // they enter themselves (buckets.ts treeOf): a page of the bucket's entries read with every PutObject made
    // a sync into a bucket's top level cost a page of up to 1,000 rows per file from every owner.
    const listed: string[] = [];
    try {
      const dir = bucketPath(bucket);
      paths = [dir];
      if (key) {
        const object = objectPath(bucket, key);
        paths.push(...(WRITES_AT_KEY.has(op) ? FileSystem.withAncestors(object.path) : [object.path]));
        if (object.directory) listed.push(object.path);
      }
      if (!key && r.query.has("cors")) paths.push(bucketCorsPath(bucket));
      const prefix = r.query.get("prefix");
      if (!key && prefix) {
        const slash = prefix.lastIndexOf("/");
        if (slash > 0) paths.push(objectPath(bucket, prefix.slice(0, slash + 1)).path);
      }
      // An upload's record: one created through another node moments ago is there, one completed or
      // aborted elsewhere is gone (a retried Complete then finds the object instead).
      const uploadId = r.query.get("uploadId");
      if (uploadId !== undefined && UPLOAD_ID.test(uploadId)) paths.push(uploadMetaPath(uploadId));
      const source = r.header("x-amz-copy-source");
      if (source) {
        const { bucket: b, key: k } = objects.parseCopySource(source);
        paths.push(objectPath(b, k).path);
      }
    } catch {
      return; // a malformed name: the operation refuses it with S3's own error
    }
    await this.c.fs.refresh(paths, "quorum", undefined, listed);
  }
}
