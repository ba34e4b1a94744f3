// Which S3 operation a path-style request is (/bucket/key): by method, by whether it names a bucket
// and a key, and by its subresource query parameters. Pure, so the whole table is tested in-process.

export type Operation =
  | "ListBuckets"
  | "CreateBucket"
  | "DeleteBucket"
  | "HeadBucket"
  | "GetBucketLocation"
  | "GetBucketAcl"
  | "GetBucketVersioning"
  | "PutBucketVersioning"
  | "GetBucketEncryption"
  | "PutBucketEncryption"
  | "DeleteBucketEncryption"
  | "GetBucketCors"
  | "PutBucketCors"
  | "DeleteBucketCors"
  | "ListObjects"
  | "ListObjectsV2"
  | "ListObjectVersions"
  | "ListMultipartUploads"
  | "DeleteObjects"
  | "PostObject"
  | "PutObject"
  | "CopyObject"
  | "GetObject"
  | "HeadObject"
  | "DeleteObject"
  | "GetObjectAcl"
  | "GetObjectTagging"
  | "PutObjectTagging"
  | "DeleteObjectTagging"
  | "GetObjectAttributes"
  | "CreateMultipartUpload"
  | "UploadPart"
  | "CompleteMultipartUpload"
  | "AbortMultipartUpload"
  | "ListParts";

export type Routing = { op: Operation } | { notImplemented: string } | { methodNotAllowed: true };

/** Subresources S3 has that this API does not; naming them gets NotImplemented rather than a wrong answer. */
const UNSUPPORTED_BUCKET = [
  "accelerate", "analytics", "intelligent-tiering", "inventory", "lifecycle", "logging",
  "metrics", "notification", "object-lock", "ownershipControls", "policy", "policyStatus", "publicAccessBlock",
  "replication", "requestPayment", "tagging", "website", "acl",
];
const UNSUPPORTED_OBJECT = ["acl", "retention", "legal-hold", "torrent", "restore", "select"];

export function route(method: string, bucket: string | undefined, key: string | undefined, query: ReadonlyMap<string, string>, copySource: boolean): Routing {
  const has = (name: string) => query.has(name);
  const unsupported = (names: string[]) => names.find(has);
  if (bucket === undefined) return method === "GET" ? { op: "ListBuckets" } : { methodNotAllowed: true };

  if (key === undefined) {
    switch (method) {
      case "GET":
        if (has("location")) return { op: "GetBucketLocation" };
        if (has("acl")) return { op: "GetBucketAcl" };
        if (has("versioning")) return { op: "GetBucketVersioning" };
        if (has("encryption")) return { op: "GetBucketEncryption" };
        if (has("cors")) return { op: "GetBucketCors" };
        if (has("versions")) return { op: "ListObjectVersions" };
        if (has("uploads")) return { op: "ListMultipartUploads" };
        if (unsupported(UNSUPPORTED_BUCKET)) return { notImplemented: `?${unsupported(UNSUPPORTED_BUCKET)} on a bucket` };
        return { op: query.get("list-type") === "2" ? "ListObjectsV2" : "ListObjects" };
      case "HEAD":
        return { op: "HeadBucket" };
      case "PUT":
        if (has("encryption")) return { op: "PutBucketEncryption" };
        if (has("cors")) return { op: "PutBucketCors" };
        if (has("versioning")) return { op: "PutBucketVersioning" };
        if (unsupported(UNSUPPORTED_BUCKET)) return { notImplemented: `PUT ?${unsupported(UNSUPPORTED_BUCKET)} on a bucket` };
        return { op: "CreateBucket" };
      case "DELETE":
        if (has("encryption")) return { op: "DeleteBucketEncryption" };
        if (has("cors")) return { op: "DeleteBucketCors" };
        if (has("versioning")) return { methodNotAllowed: true };
        if (unsupported(UNSUPPORTED_BUCKET)) return { notImplemented: `DELETE ?${unsupported(UNSUPPORTED_BUCKET)} on a bucket` };
        return { op: "DeleteBucket" };
      case "POST":
        // Any other POST to a bucket is a browser form upload (authenticated by its signed policy, not SigV4 headers).
        return has("delete") ? { op: "DeleteObjects" } : { op: "PostObject" };
      default:
        return { methodNotAllowed: true };
    }
  }

  switch (method) {
    case "GET":
      if (has("acl")) return { op: "GetObjectAcl" };
      if (has("uploadId")) return { op: "ListParts" };
      if (has("tagging")) return { op: "GetObjectTagging" };
      if (has("attributes")) return { op: "GetObjectAttributes" };
      if (unsupported(UNSUPPORTED_OBJECT)) return { notImplemented: `?${unsupported(UNSUPPORTED_OBJECT)} on an object` };
      return { op: "GetObject" };
    case "HEAD":
      return { op: "HeadObject" };
    case "PUT":
      if (has("uploadId") || has("partNumber")) return { op: "UploadPart" };
      if (has("tagging")) return { op: "PutObjectTagging" };
      if (unsupported(UNSUPPORTED_OBJECT)) return { notImplemented: `PUT ?${unsupported(UNSUPPORTED_OBJECT)} on an object` };
      return { op: copySource ? "CopyObject" : "PutObject" };
    case "DELETE":
      if (has("uploadId")) return { op: "AbortMultipartUpload" };
      if (has("tagging")) return { op: "DeleteObjectTagging" };
      if (unsupported(UNSUPPORTED_OBJECT)) return { notImplemented: `DELETE ?${unsupported(UNSUPPORTED_OBJECT)} on an object` };
      return { op: "DeleteObject" };
    case "POST":
      if (has("uploads")) return { op: "CreateMultipartUpload" };
      if (has("uploadId")) return { op: "CompleteMultipartUpload" };
      return { notImplemented: `POST on an object (${[...query.keys()].join(", ") || "no subresource"})` };
    default:
      return { methodNotAllowed: true };
  }
}
