// AWS Signature Version 4 as S3 uses it, pure: canonical request, string to sign, signing key, and
// the per-chunk and trailer strings of streaming uploads. No clock, no credentials lookup, no I/O.
import { createHash, createHmac } from "node:crypto";

export const ALGORITHM = "AWS4-HMAC-SHA256";
export const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
export const STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
export const STREAMING_SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
export const STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

export const sha256Hex = (data: string | Uint8Array): string => createHash("sha256").update(data).digest("hex");

const hmac = (key: Uint8Array | string, data: string): Buffer => createHmac("sha256", key).update(data, "utf8").digest();

/** RFC 3986 percent-encoding of everything but the unreserved characters (and '/' when asked). */
export function uriEncode(s: string, keepSlash = false): string {
  let out = "";
  for (const byte of Buffer.from(s, "utf8")) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === "/")) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Decodes percent-escapes without treating '+' as a space; a malformed escape is left as it is. */
export function percentDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** S3 signs the path as sent, each segment encoded once (no dot-segment removal, no double encoding). */
export function canonicalUri(rawPath: string): string {
  return rawPath
    .split("/")
    .map((segment) => uriEncode(percentDecode(segment)))
    .join("/");
}

/** Query parameters decoded, in wire order; '+' stays '+' (S3 clients encode spaces as %20). */
export function parseQuery(rawQuery: string): Array<[string, string]> {
  const q = rawQuery.startsWith("?") ? rawQuery.slice(1) : rawQuery;
  if (q === "") return [];
  return q.split("&").filter(Boolean).map((pair) => {
    const eq = pair.indexOf("=");
    return eq < 0 ? [percentDecode(pair), ""] : [percentDecode(pair.slice(0, eq)), percentDecode(pair.slice(eq + 1))];
  });
}

/** Parameters encoded, sorted by name then value, joined with '&'; `exclude` drops X-Amz-Signature. */
export function canonicalQuery(params: ReadonlyArray<readonly [string, string]>, exclude?: string): string {
  return params
    .filter(([k]) => k !== exclude)
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
}

/** `name:value\n` per signed header, values trimmed with inner runs of spaces collapsed. */
export function canonicalHeaders(get: (name: string) => string | null, signed: readonly string[]): string {
  return signed.map((name) => `${name}:${(get(name) ?? "").trim().replace(/ +/g, " ")}\n`).join("");
}

export interface CanonicalRequestInput {
  method: string;
  rawPath: string;
  query: ReadonlyArray<readonly [string, string]>;
  header: (name: string) => string | null;
  signedHeaders: readonly string[];
  payloadHash: string;
  /** Query parameter left out (the signature itself, in presigned URLs). */
  excludeQuery?: string;
}

export function canonicalRequest(r: CanonicalRequestInput): string {
  return [
    r.method,
    canonicalUri(r.rawPath),
    canonicalQuery(r.query, r.excludeQuery),
    canonicalHeaders(r.header, r.signedHeaders),
    r.signedHeaders.join(";"),
    r.payloadHash,
  ].join("\n");
}

/** `canonical` as text is hashed as UTF-8; as bytes, as they are (see auth.ts signedForms). */
export const stringToSign = (amzDate: string, scope: string, canonical: string | Uint8Array): string =>
  [ALGORITHM, amzDate, scope, sha256Hex(canonical)].join("\n");

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), "aws4_request");
}

export const signatureOf = (key: Uint8Array, toSign: string): string => createHmac("sha256", key).update(toSign, "utf8").digest("hex");

/** What signs one chunk of an aws-chunked body: it chains the previous chunk's signature. */
export const chunkStringToSign = (amzDate: string, scope: string, previous: string, chunkSha256: string): string =>
  ["AWS4-HMAC-SHA256-PAYLOAD", amzDate, scope, previous, EMPTY_SHA256, chunkSha256].join("\n");

/** What signs the trailing headers of an aws-chunked body, chained to the final chunk's signature. */
export const trailerStringToSign = (amzDate: string, scope: string, previous: string, trailerSha256: string): string =>
  ["AWS4-HMAC-SHA256-TRAILER", amzDate, scope, previous, trailerSha256].join("\n");

/** Compares two hex signatures in time independent of where they differ. */
export function sameSignature(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export interface Credential {
  accessKey: string;
  /** yyyymmdd */
  date: string;
  region: string;
  service: string;
}

/** `AKID/20130524/us-east-1/s3/aws4_request`; undefined when it is not of that form. */
export function parseCredential(value: string): Credential | undefined {
  const parts = value.split("/");
  if (parts.length !== 5 || parts[4] !== "aws4_request" || !/^\d{8}$/.test(parts[1]!)) return undefined;
  const [accessKey, date, region, service] = parts as [string, string, string, string];
  if (accessKey === "" || region === "" || service === "") return undefined;
  return { accessKey, date, region, service };
}

export const scopeOf = (c: Credential): string => `${c.date}/${c.region}/${c.service}/aws4_request`;

export interface AuthorizationHeader {
  credential: Credential;
  signedHeaders: string[];
  signature: string;
}

/** `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=a;b, Signature=hex`; undefined when malformed. */
export function parseAuthorizationHeader(value: string): AuthorizationHeader | undefined {
  if (!value.startsWith(`${ALGORITHM} `)) return undefined;
  const fields = new Map<string, string>();
  for (const part of value.slice(ALGORITHM.length + 1).split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = parseCredential(fields.get("Credential") ?? "");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (!credential || !signedHeaders || !signature || !/^[0-9a-f]{64}$/.test(signature)) return undefined;
  return { credential, signedHeaders: signedHeaders.split(";"), signature };
}

/** `20130524T000000Z` → ms since the epoch; NaN when malformed. */
export function parseAmzDate(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return Number.NaN;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

/** ms since the epoch → `20130524T000000Z`. */
export const formatAmzDate = (ms: number): string => new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
