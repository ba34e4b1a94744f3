// What every S3 operation handler gets (the node's file system, the authenticated request with its
// bucket and key) and the pieces of S3 responses they share: XML, ETags, owners, dates.
import type { Quotas } from "../accounts/quota.ts";
import type { FileSystem } from "../filesystem/file-system.ts";
import type { FileVersions } from "../filesystem/file-versions.ts";
import type { Logger } from "../log.ts";
import type { Manifest } from "../metadata/manifest.ts";
import type { ChunkReader } from "../replication/chunk-reader.ts";
import type { S3Access } from "./access.ts";
import type { Authenticated } from "./auth.ts";
import { s3Error } from "./errors.ts";
import { bucketPath } from "./names.ts";
import { type Payload, payloadOf } from "./request-body.ts";
import { parseQuery } from "./sigv4.ts";
import { renderXml, type XmlNode } from "./xml.ts";
import type { AuditLog } from "../audit/audit-log.ts";

export interface S3Components {
  fs: FileSystem;
  /** The versions of files in versioned buckets (absent: versioning is off everywhere). */
  versions?: FileVersions;
  reader: ChunkReader;
  log: Logger;
  /** Deletes are recorded in the cluster's audit log (audit/), by access key. */
  audit?: Pick<AuditLog, "record">;
  /** Users' quotas (accounts/quota.ts): writes into a home are checked as on the files API. */
  quotas?: Quotas;
}

/** `http(s)://host` of a request as the client addressed it (the Host header; https when the port has TLS). */
export function originOf(req: Request): string {
  return `${new URL(req.url).protocol}//${req.headers.get("host") ?? "localhost"}`;
}

export interface S3Init {
  /** What GetBucketLocation reports. */
  region: string;
}

export interface S3Request {
  raw: Request;
  method: string;
  /** undefined for the service (`/`). */
  bucket: string | undefined;
  /** undefined for a bucket-level request (`/bucket` or `/bucket/`). */
  key: string | undefined;
  /** Query parameters (the first value of each). */
  query: ReadonlyMap<string, string>;
  header(name: string): string | null;
  auth: Authenticated;
  /** What the key's holder may do (accounts/authorize.ts through access.ts). */
  access: S3Access;
  requestId: string;
  /** The decoded, verified body; read at most once. */
  payload(): Payload;
}

export type Handler = (r: S3Request, c: S3Components, init: S3Init) => Promise<Response> | Response;

export function s3RequestOf(
  raw: Request,
  bucket: string | undefined,
  key: string | undefined,
  auth: Authenticated,
  access: S3Access,
  requestId: string,
): S3Request {
  const query = new Map<string, string>();
  for (const [k, v] of parseQuery(new URL(raw.url).search)) if (!query.has(k)) query.set(k, v);
  let payload: Payload | undefined;
  return {
    raw,
    method: raw.method,
    bucket,
    key,
    query,
    header: (name) => raw.headers.get(name),
    auth,
    access,
    requestId,
    payload: () => (payload ??= payloadOf(raw, auth)),
  };
}

export const xmlResponse = (root: string, children: readonly XmlNode[], status = 200, headers: Record<string, string> = {}) =>
  new Response(renderXml(root, children), { status, headers: { "content-type": "application/xml", ...headers } });

export const isoDate = (ms: number): string => new Date(ms).toISOString();

const EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e";

/**
 * An object's ETag, quoted: the MD5 (or multipart form) recorded when it was written; the empty MD5
 * for a directory marker. A file written before MD5s were recorded gets a value in the multipart
 * form ("…-1"), which clients know not to compare with an MD5 of their own.
 */
export function etagOf(m: Manifest): string {
  if (m.kind === "dir") return `"${EMPTY_MD5}"`;
  if (m.md5) return `"${m.md5}"`;
  return `"${(m.sha256 ?? EMPTY_MD5).slice(0, 32)}-1"`;
}

/** ETags as clients send them back: with or without quotes. */
export const sameEtag = (a: string, b: string): boolean => a.replace(/"/g, "").trim() === b.replace(/"/g, "").trim();

/** The owner of everything: whoever holds a key has full control (there are no per-bucket ACLs). */
export function ownerOf(accessKey: string): readonly XmlNode[] {
  return [
    ["ID", new Bun.CryptoHasher("sha256").update(accessKey).digest("hex")],
    ["DisplayName", accessKey],
  ];
}

/** The bucket's directory, or NoSuchBucket. */
export function requireBucket(c: S3Components, bucket: string): string {
  const dir = bucketPath(bucket);
  if (!c.fs.lookupDir(dir)) throw s3Error("NoSuchBucket", `The specified bucket does not exist: ${bucket}.`);
  return dir;
}

/** A non-negative integer query parameter within [min, max], or the default. */
export function intParam(r: S3Request, name: string, fallback: number, min: number, max: number): number {
  const raw = r.query.get(name);
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw s3Error("InvalidArgument", `${name} must be an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ""}.`);
  return Math.min(n, max);
}

/** Continuation tokens are opaque to clients: the last key (or bucket, or common prefix) of the previous page. */
export const encodeToken = (last: string): string => Buffer.from(last, "utf8").toString("base64url");

/** The name a continuation token carries; one this API did not give (an empty one too) is S3's InvalidArgument. */
export function decodeToken(token: string): string {
  const last = Buffer.from(token, "base64url").toString("utf8");
  if (token === "" || encodeToken(last) !== token) {
    throw s3Error("InvalidArgument", "The continuation token provided is incorrect.", { fields: [["ArgumentName", "continuation-token"]] });
  }
  return last;
}

/** Keys in listings, percent-encoded when the client asked for encoding-type=url. */
export function keyEncoder(r: S3Request): (s: string) => string {
  const encoding = r.query.get("encoding-type");
  if (encoding === undefined) return (s) => s;
  if (encoding !== "url") throw s3Error("InvalidArgument", "Invalid Encoding Method specified in Request: encoding-type must be 'url'.");
  return (s) => encodeURIComponent(s).replace(/%2F/g, "/");
}
