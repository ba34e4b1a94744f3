// Server-side encryption: Orrery stores objects as they arrive, so every request that asks for SSE-C,
// SSE-S3 or SSE-KMS is refused with the error AWS or MinIO gives, never stored in plaintext behind a 200
// (a client that asked for encryption would believe it had it). Also the bucket-default API
// (?encryption): there is no default encryption, and none can be set.
import { s3Error } from "./errors.ts";
import { type Handler, requireBucket } from "./http.ts";
import type { Operation } from "./operations.ts";
import { childrenNamed, parseXml, readSmallBody } from "./request-body.ts";

/** What a request asks for, by header family; undefined when it names no encryption at all. */
export interface EncryptionRequest {
  /** x-amz-server-side-encryption-customer-* (SSE-C for the object written or read). */
  customerKey: string[];
  /** x-amz-copy-source-server-side-encryption-customer-* (SSE-C of a copy's source). */
  copySourceCustomerKey: string[];
  /** x-amz-server-side-encryption: AES256 (SSE-S3), aws:kms or aws:kms:dsse (SSE-KMS), or anything else. */
  method: string | undefined;
  /** Other x-amz-server-side-encryption-* (aws-kms-key-id, context, bucket-key-enabled). */
  kmsParameters: string[];
}

const SSE = "x-amz-server-side-encryption";
const SSE_C = "x-amz-server-side-encryption-customer-";
const COPY_SSE = "x-amz-copy-source-server-side-encryption";
const METHODS = new Set(["AES256", "aws:kms", "aws:kms:dsse"]);
/** SSE-KMS parameters that AWS accepts only with x-amz-server-side-encryption: aws:kms(:dsse). */
const KMS_ONLY = new Set(["x-amz-server-side-encryption-aws-kms-key-id", "x-amz-server-side-encryption-context"]);
/** The operations whose request S3 lets carry x-amz-server-side-encryption and its KMS parameters. */
const TAKES_MANAGED_ENCRYPTION = new Set<Operation>(["PutObject", "CopyObject", "CreateMultipartUpload"]);

/**
 * Sorts a request's headers and query parameters into encryption families. Query parameters count
 * because a presigned URL may carry headers that way (S3 reads `x-amz-*` parameters as headers); names
 * are compared without case. A prefix, not a list, decides: a header of these families that this file
 * does not know is still an encryption request, and is refused rather than ignored.
 */
export function encryptionRequestOf(params: Iterable<readonly [string, string]>): EncryptionRequest | undefined {
  const req: EncryptionRequest = { customerKey: [], copySourceCustomerKey: [], method: undefined, kmsParameters: [] };
  let any = false;
  for (const [rawName, value] of params) {
    const name = rawName.toLowerCase();
    if (name.startsWith(COPY_SSE)) req.copySourceCustomerKey.push(name);
    else if (name.startsWith(SSE_C)) req.customerKey.push(name);
    else if (name === SSE) req.method ??= value.trim();
    else if (name.startsWith(`${SSE}-`)) req.kmsParameters.push(name);
    else continue;
    any = true;
  }
  return any ? req : undefined;
}

/**
 * SSE-C is refused on every operation before anything else is looked at, as AWS and MinIO do on plain
 * HTTP: the key has crossed the network in clear text. With TLS it is still refused (NotImplemented)
 * until it is implemented: AES-256 with the client's key, keeping only a salted HMAC of it.
 */
export function refuseCustomerKeys(req: EncryptionRequest, secure: boolean): void {
  const names = [...req.customerKey, ...req.copySourceCustomerKey];
  if (names.length === 0) return;
  if (!secure) {
    throw s3Error("InvalidRequest", "Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection.");
  }
  throw s3Error("NotImplemented", `Server-side encryption with customer-provided keys (${names[0]}) is not implemented: Orrery stores objects unencrypted.`);
}

/**
 * SSE-S3 and SSE-KMS, once the operation is known. Malformed requests get AWS's InvalidArgument; a
 * well-formed one gets MinIO's answer without a KMS (NotImplemented, 501): Orrery has no key
 * management and does not encrypt at rest.
 */
export function refuseManagedEncryption(req: EncryptionRequest, op: Operation): void {
  if (req.method === undefined && req.kmsParameters.length === 0) return;
  if (!TAKES_MANAGED_ENCRYPTION.has(op)) throw s3Error("InvalidArgument", `${SSE} header is not supported for this operation.`);
  if (req.method !== undefined && !METHODS.has(req.method)) {
    throw s3Error("InvalidArgument", `The encryption method specified is not supported: ${SSE} is AES256, aws:kms or aws:kms:dsse, not '${req.method}'.`);
  }
  if (!req.method?.startsWith("aws:kms") && req.kmsParameters.some((n) => KMS_ONLY.has(n))) {
    throw s3Error("InvalidArgument", `Server Side Encryption with AWS KMS managed key requires HTTP header ${SSE} : aws:kms`);
  }
  const what = req.method === "AES256" ? "SSE-S3" : "SSE-KMS";
  throw s3Error("NotImplemented", `Server side encryption (${what}) specified, but Orrery has no KMS and stores objects unencrypted.`);
}

/** GetBucketEncryption: no bucket has default encryption (the answer S3 gives for a bucket without one). */
export const getBucketEncryption: Handler = (r, c) => {
  requireBucket(c, r.bucket!);
  throw s3Error("ServerSideEncryptionConfigurationNotFoundError");
};

/** PutBucketEncryption: the document is checked, then refused as MinIO refuses it without a KMS. */
export const putBucketEncryption: Handler = async (r, c) => {
  requireBucket(c, r.bucket!);
  const doc = parseXml(await readSmallBody(r.payload(), 64 * 1024));
  if (doc.name !== "ServerSideEncryptionConfiguration" || childrenNamed(doc, "Rule").length === 0) {
    throw s3Error("MalformedXML", "The body must be a <ServerSideEncryptionConfiguration> with at least one <Rule>.");
  }
  throw s3Error("NotImplemented", "Default bucket encryption cannot be set: Orrery has no KMS and stores objects unencrypted.");
};

/** DeleteBucketEncryption: there is never a configuration, so there is nothing to remove. */
export const deleteBucketEncryption: Handler = (r, c) => {
  requireBucket(c, r.bucket!);
  return new Response(null, { status: 204 });
};
