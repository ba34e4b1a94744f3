// Authenticates an S3 request with Signature Version 4, in its header and presigned-URL forms, and
// says how the body is protected: a signed SHA-256, unsigned, or aws-chunked with chunk signatures.
import type { CredentialStore } from "./credentials.ts";
import { s3Error } from "./errors.ts";
import { SigningKeys } from "./signing-keys.ts";
import {
  ALGORITHM,
  canonicalRequest,
  formatAmzDate,
  parseAmzDate,
  parseAuthorizationHeader,
  parseCredential,
  sameSignature,
  scopeOf,
  signatureOf,
  STREAMING_SIGNED,
  STREAMING_SIGNED_TRAILER,
  STREAMING_UNSIGNED_TRAILER,
  stringToSign,
  UNSIGNED_PAYLOAD,
  type Credential,
} from "./sigv4.ts";

/** The chain an aws-chunked body's chunk signatures continue from. */
export interface ChunkSigner {
  key: Uint8Array;
  amzDate: string;
  scope: string;
  /** The request's own signature: the first chunk's "previous signature". */
  seed: string;
}

export type PayloadProtection =
  | { kind: "unsigned" }
  | { kind: "sha256"; hex: string }
  | { kind: "chunked"; signer: ChunkSigner | undefined; trailer: boolean };

export interface Authenticated {
  accessKey: string;
  payload: PayloadProtection;
}

/** The parts of a request that are signed. */
export interface SignedRequest {
  method: string;
  /** The path as it came on the wire, still percent-encoded. */
  rawPath: string;
  query: ReadonlyArray<readonly [string, string]>;
  header: (name: string) => string | null;
}

/** The signing keys of this process's requests (shared: a key is the same whoever derives it). */
const signingKeys = new SigningKeys();

/** How far a header-signed request's time may be from ours (S3's limit). */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
/** The longest a presigned URL may be valid (S3's limit: seven days). */
export const MAX_PRESIGNED_EXPIRY_S = 7 * 24 * 3600;

function payloadOf(hash: string): PayloadProtection | undefined {
  if (hash === UNSIGNED_PAYLOAD) return { kind: "unsigned" };
  if (/^[0-9a-f]{64}$/.test(hash)) return { kind: "sha256", hex: hash };
  if (hash === STREAMING_UNSIGNED_TRAILER) return { kind: "chunked", signer: undefined, trailer: true };
  return undefined;
}

function verify(
  r: SignedRequest,
  credentials: CredentialStore,
  c: Credential,
  amzDate: string,
  signedHeaders: string[],
  payloadHash: string,
  signature: string,
  presigned: boolean,
): ChunkSigner {
  const secret = credentials.get(c.accessKey);
  if (secret === undefined) throw s3Error("InvalidAccessKeyId");
  const scope = scopeOf(c);
  const key = signingKeys.get(secret, c.date, c.region, c.service);
  const canonical = canonicalRequest({
    method: r.method,
    rawPath: r.rawPath,
    query: r.query,
    header: r.header,
    signedHeaders,
    payloadHash,
    excludeQuery: presigned ? "X-Amz-Signature" : undefined,
  });
  const matches = signedForms(canonical).some((form) => sameSignature(signatureOf(key, stringToSign(amzDate, scope, form)), signature));
  if (!matches) throw s3Error("SignatureDoesNotMatch", undefined, { canonicalRequest: canonical });
  return { key, amzDate, scope, seed: signature };
}

/**
 * The bytes a client may have hashed for `canonical`. Header values arrive as bytes, one character per byte
 * (node:http reads them as Latin-1), so the canonical request's bytes are exactly what came on the wire:
 * what S3 hashes, and what a client that sends its text as UTF-8 (the AWS SDK on Bun, curl) signed. A client
 * that writes header text as Latin-1 but hashes it as UTF-8 (the AWS SDK on Node.js, botocore, for a value
 * like "café") signed the same characters encoded as UTF-8: that form is tried too, only when a value holds
 * a byte above 0x7F. Both are HMACs under the caller's secret, so accepting either admits no one else.
 */
export function signedForms(canonical: string): Array<string | Uint8Array> {
  if (!/[\u0080-\uffff]/.test(canonical)) return [canonical];
  if (/[^\u0000-\u00ff]/.test(canonical)) return [canonical]; // not wire bytes (an in-process request): its text only
  return [Buffer.from(canonical, "latin1"), canonical];
}

function fromHeader(r: SignedRequest, authorization: string, credentials: CredentialStore, now: number): Authenticated {
  if (authorization.startsWith("AWS ")) {
    throw s3Error("InvalidRequest", "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.");
  }
  const auth = parseAuthorizationHeader(authorization);
  if (!auth) throw s3Error("AuthorizationHeaderMalformed", "The authorization header is malformed; expected AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…");
  if (auth.credential.service !== "s3") throw s3Error("AuthorizationHeaderMalformed", `The credential scope names service '${auth.credential.service}', not 's3'.`);
  const xAmzDate = r.header("x-amz-date");
  const httpDate = r.header("date");
  const amzDate = xAmzDate ?? (httpDate ? formatAmzDate(Date.parse(httpDate)) : "");
  const at = parseAmzDate(amzDate);
  if (Number.isNaN(at)) throw s3Error("AccessDenied", "AWS authentication requires a valid Date or x-amz-date header.");
  if (auth.credential.date !== amzDate.slice(0, 8)) {
    throw s3Error("AuthorizationHeaderMalformed", `The credential scope date ${auth.credential.date} is not the request's date ${amzDate.slice(0, 8)}.`);
  }
  if (Math.abs(now - at) > MAX_CLOCK_SKEW_MS) {
    throw s3Error("RequestTimeTooSkewed", `The request time ${amzDate} is more than 15 minutes from the server time ${formatAmzDate(now)}.`);
  }
  const hash = r.header("x-amz-content-sha256");
  if (hash === null) throw s3Error("InvalidRequest", "Missing required header for this request: x-amz-content-sha256.");
  const streamingSigned = hash === STREAMING_SIGNED || hash === STREAMING_SIGNED_TRAILER;
  const payload = streamingSigned ? undefined : payloadOf(hash);
  if (!streamingSigned && !payload) throw s3Error("InvalidArgument", `x-amz-content-sha256 must be a SHA-256 in hex, ${UNSIGNED_PAYLOAD} or a STREAMING-… value, not '${hash}'.`);
  const signer = verify(r, credentials, auth.credential, amzDate, auth.signedHeaders, hash, auth.signature, false);
  return {
    accessKey: auth.credential.accessKey,
    payload: streamingSigned ? { kind: "chunked", signer, trailer: hash === STREAMING_SIGNED_TRAILER } : payload!,
  };
}

function fromQuery(r: SignedRequest, credentials: CredentialStore, now: number): Authenticated {
  const q = new Map(r.query);
  const bad = (what: string) => s3Error("AuthorizationQueryParametersError", `The presigned URL's ${what}.`);
  if (q.get("X-Amz-Algorithm") !== ALGORITHM) throw bad(`X-Amz-Algorithm must be ${ALGORITHM}`);
  const credential = parseCredential(q.get("X-Amz-Credential") ?? "");
  if (!credential) throw bad("X-Amz-Credential must be <key>/<yyyymmdd>/<region>/s3/aws4_request");
  if (credential.service !== "s3") throw bad(`credential scope names service '${credential.service}', not 's3'`);
  const amzDate = q.get("X-Amz-Date") ?? "";
  const at = parseAmzDate(amzDate);
  if (Number.isNaN(at)) throw bad("X-Amz-Date must be of the form 20130524T000000Z");
  if (credential.date !== amzDate.slice(0, 8)) throw bad("credential scope date must be the date of X-Amz-Date");
  const expires = Number(q.get("X-Amz-Expires"));
  if (!Number.isInteger(expires) || expires < 1 || expires > MAX_PRESIGNED_EXPIRY_S) {
    throw bad(`X-Amz-Expires must be a number of seconds from 1 to ${MAX_PRESIGNED_EXPIRY_S}`);
  }
  const signedHeaders = (q.get("X-Amz-SignedHeaders") ?? "").split(";").filter(Boolean);
  if (signedHeaders.length === 0) throw bad("X-Amz-SignedHeaders is missing");
  const signature = q.get("X-Amz-Signature") ?? "";
  // A signature that is there but wrong, whatever its form (a character changed, cut short), is what S3
  // answers SignatureDoesNotMatch (403) for; only a missing one makes the URL malformed.
  if (signature === "") throw bad("X-Amz-Signature is missing");
  if (now < at - MAX_CLOCK_SKEW_MS) throw s3Error("AccessDenied", "Request is not valid yet.");
  if (now > at + expires * 1000) throw s3Error("AccessDenied", "Request has expired.");
  const hash = q.get("X-Amz-Content-Sha256") ?? UNSIGNED_PAYLOAD;
  const payload = payloadOf(hash);
  if (!payload || payload.kind === "chunked") throw bad("X-Amz-Content-Sha256 must be a SHA-256 in hex or UNSIGNED-PAYLOAD");
  verify(r, credentials, credential, amzDate, signedHeaders, hash, signature, true);
  return { accessKey: credential.accessKey, payload };
}

/** Throws the S3 error a client should see (AccessDenied for an unsigned request). */
export function authenticate(r: SignedRequest, credentials: CredentialStore, now: number): Authenticated {
  const authorization = r.header("authorization");
  if (authorization !== null) return fromHeader(r, authorization, credentials, now);
  if (r.query.some(([k]) => k === "X-Amz-Algorithm" || k === "X-Amz-Signature")) return fromQuery(r, credentials, now);
  throw s3Error("AccessDenied", "Anonymous access is not allowed: sign requests with AWS Signature Version 4.");
}
