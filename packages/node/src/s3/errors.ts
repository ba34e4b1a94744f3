// S3 error codes with their statuses, the mapping from Orrery's errors, and the XML error document
// (always with a non-empty Message: some awscli versions crash on an empty one).
import { ChunkNotFoundError, OrreryError, StoreFullError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { ChunkUnavailableError } from "../replication/chunk-reader.ts";
import { renderXml, type XmlNode } from "./xml.ts";

const CODES = {
  AccessDenied: [403, "Access Denied"],
  AuthorizationHeaderMalformed: [400, "The authorization header is malformed."],
  AuthorizationQueryParametersError: [400, "The presigned URL's authorization parameters are malformed."],
  BadRequest: [400, "Bad Request"],
  BadDigest: [400, "The Content-MD5 or checksum you specified did not match what we received."],
  BucketAlreadyExists: [409, "The requested bucket name is not available."],
  BucketAlreadyOwnedByYou: [409, "Your previous request to create the named bucket succeeded and you already own it."],
  BucketNotEmpty: [409, "The bucket you tried to delete is not empty."],
  AccessForbidden: [403, "CORSResponse: This CORS request is not allowed."],
  EntityTooLarge: [400, "Your proposed upload exceeds the maximum allowed object size."],
  EntityTooSmall: [400, "Your proposed upload is smaller than the minimum allowed object size."],
  IncompleteBody: [400, "You did not provide the number of bytes specified by the Content-Length HTTP header."],
  InsufficientStorage: [507, "The nodes that would store this object are out of disk space."],
  QuotaExceeded: [403, "The upload would pass the quota of the user whose home it is in."],
  InternalError: [500, "We encountered an internal error. Please try again."],
  InvalidAccessKeyId: [403, "The AWS Access Key Id you provided does not exist in our records."],
  InvalidArgument: [400, "Invalid Argument."],
  InvalidBucketName: [400, "The specified bucket is not valid."],
  InvalidDigest: [400, "The Content-MD5 or checksum you specified is not valid."],
  InvalidPart: [400, "One or more of the specified parts could not be found or did not match its entity tag."],
  InvalidPartNumber: [416, "The requested partnumber is not satisfiable."],
  InvalidPartOrder: [400, "The list of parts was not in ascending order."],
  InvalidTag: [400, "The tag provided was not a valid tag."],
  InvalidPolicyDocument: [400, "The content of the form does not meet the conditions specified in the policy document."],
  InvalidRange: [416, "The requested range is not satisfiable."],
  MetadataTooLarge: [400, "Your metadata headers exceed the maximum allowed metadata size."],
  InvalidRequest: [400, "Invalid Request."],
  KeyConflict: [409, "The key conflicts with a directory or a file in the Orrery tree."],
  MalformedPOSTRequest: [400, "The body of your POST request is not well-formed multipart/form-data."],
  MalformedXML: [400, "The XML you provided was not well-formed or did not validate against our published schema."],
  MaxPostPreDataLengthExceeded: [400, "Your POST request fields preceding the upload file were too large."],
  MethodNotAllowed: [405, "The specified method is not allowed against this resource."],
  NoSuchBucket: [404, "The specified bucket does not exist."],
  NoSuchCORSConfiguration: [404, "The CORS configuration does not exist."],
  NoSuchKey: [404, "The specified key does not exist."],
  NoSuchVersion: [404, "The specified version does not exist."],
  NoSuchUpload: [404, "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed."],
  NotImplemented: [501, "A header or query you provided implies functionality that is not implemented."],
  PreconditionFailed: [412, "At least one of the pre-conditions you specified did not hold."],
  RequestTimeTooSkewed: [403, "The difference between the request time and the server's time is too large."],
  ServerSideEncryptionConfigurationNotFoundError: [404, "The server side encryption configuration was not found."],
  ServiceUnavailable: [503, "The service is unavailable. Please retry."],
  SignatureDoesNotMatch: [
    403,
    "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
  ],
  XAmzContentSHA256Mismatch: [400, "The provided 'x-amz-content-sha256' header does not match what was computed."],
} as const satisfies Record<string, readonly [number, string]>;

export type S3ErrorCode = keyof typeof CODES;

export const isS3ErrorCode = (code: string): code is S3ErrorCode => Object.hasOwn(CODES, code);

/**
 * An S3 error is an OrreryError whose code is the S3 code, so it keeps its meaning when lower layers
 * wrap it (the upload pipeline re-throws an OrreryError with the same status and code).
 */
export function s3Error(code: S3ErrorCode, message?: string, details?: Record<string, unknown>): OrreryError {
  const [status, fallback] = CODES[code];
  return new OrreryError(status, code, message || fallback, details);
}

const FROM_ORRERY: Record<string, S3ErrorCode> = {
  not_found: "NoSuchKey",
  invalid_path: "InvalidArgument",
  parent_is_file: "KeyConflict",
  is_a_directory: "KeyConflict",
  file_exists: "KeyConflict",
  destination_exists: "KeyConflict",
  directory_not_empty: "KeyConflict",
  not_a_directory: "KeyConflict",
  durability_unreachable: "ServiceUnavailable",
  store_full: "InsufficientStorage",
  upload_aborted: "IncompleteBody",
  precondition_failed: "PreconditionFailed",
  no_such_version: "NoSuchVersion",
  reserved_path: "InvalidArgument",
  path_too_long_for_versions: "InvalidArgument",
  range_not_satisfiable: "InvalidRange",
  quota_exceeded: "QuotaExceeded",
};

/** For an Orrery error code this file does not know: the S3 code closest to its status. */
function byStatus(status: number): S3ErrorCode {
  if (status === 503) return "ServiceUnavailable";
  if (status === 507) return "InsufficientStorage";
  if (status === 409) return "KeyConflict";
  if (status === 404) return "NoSuchKey";
  return status >= 500 ? "InternalError" : "InvalidRequest";
}

export interface S3ErrorInfo {
  status: number;
  code: S3ErrorCode;
  message: string;
  /** Response headers the error carries (Content-Range of an InvalidRange). */
  headers?: Record<string, string>;
  /** Elements S3 adds to some error documents after the message (ArgumentName of an InvalidArgument). */
  fields?: ReadonlyArray<readonly [string, string]>;
}

/** Any thrown value as an S3 error; unexpected ones are logged. */
export function toS3Error(err: unknown, log: Logger, context: Record<string, unknown>): S3ErrorInfo {
  if (err instanceof OrreryError) {
    const code = isS3ErrorCode(err.code) ? err.code : (FROM_ORRERY[err.code] ?? byStatus(err.status));
    if (err.status >= 500) log.warn("S3 request failed", { ...context, code: err.code, err });
    const status = isS3ErrorCode(err.code) ? err.status : CODES[code][0];
    const headers = err.headers ?? (err.details?.headers as Record<string, string> | undefined);
    const fields = err.details?.fields as ReadonlyArray<readonly [string, string]> | undefined;
    return { status, code, message: err.message || CODES[code][1], ...(headers ? { headers } : {}), ...(fields ? { fields } : {}) };
  }
  if (err instanceof StoreFullError) return { status: 507, code: "InsufficientStorage", message: err.message };
  if (err instanceof ChunkUnavailableError || err instanceof ChunkNotFoundError) {
    log.error("chunk unavailable", { ...context, chunk: err.chunkId, err });
    return { status: 503, code: "ServiceUnavailable", message: err.message };
  }
  log.error("unhandled error in the S3 API", { ...context, err, stack: (err as Error)?.stack });
  return { status: 500, code: "InternalError", message: CODES.InternalError[1] };
}

/** The XML error document. */
export function errorXml(e: S3ErrorInfo, resource: string, requestId: string): string {
  return renderXml(
    "Error",
    [
      ["Code", e.code],
      ["Message", e.message || CODES[e.code][1]],
      ...(e.fields ?? []).map(([name, value]): XmlNode => [name, value]),
      ["Resource", resource],
      ["RequestId", requestId],
    ],
    null,
  );
}
