// The routing table: method, bucket, key and subresource → operation, and the addresses of requests.
import { describe, expect, test } from "bun:test";
import { route } from "./operations.ts";
import { addressOf } from "./server.ts";

const q = (s: string) => new Map(s.split("&").filter(Boolean).map((p) => [p.split("=")[0]!, p.split("=")[1] ?? ""] as [string, string]));
const op = (method: string, bucket: string | undefined, key: string | undefined, query = "", copy = false) => {
  const r = route(method, bucket, key, q(query), copy);
  return "op" in r ? r.op : "notImplemented" in r ? "NotImplemented" : "MethodNotAllowed";
};

describe("routing", () => {
  test("service and bucket operations", () => {
    expect(op("GET", undefined, undefined)).toBe("ListBuckets");
    expect(op("PUT", undefined, undefined)).toBe("MethodNotAllowed");
    expect(op("PUT", "b", undefined)).toBe("CreateBucket");
    expect(op("DELETE", "b", undefined)).toBe("DeleteBucket");
    expect(op("HEAD", "b", undefined)).toBe("HeadBucket");
    expect(op("GET", "b", undefined)).toBe("ListObjects");
    expect(op("GET", "b", undefined, "list-type=2&prefix=a")).toBe("ListObjectsV2");
    expect(op("GET", "b", undefined, "location")).toBe("GetBucketLocation");
    expect(op("GET", "b", undefined, "acl")).toBe("GetBucketAcl");
    expect(op("GET", "b", undefined, "versioning")).toBe("GetBucketVersioning");
    expect(op("GET", "b", undefined, "versions&prefix=x")).toBe("ListObjectVersions");
    expect(op("GET", "b", undefined, "uploads")).toBe("ListMultipartUploads");
    expect(op("POST", "b", undefined, "delete")).toBe("DeleteObjects");
    expect(op("GET", "b", undefined, "encryption")).toBe("GetBucketEncryption");
    expect(op("PUT", "b", undefined, "encryption")).toBe("PutBucketEncryption");
    expect(op("DELETE", "b", undefined, "encryption")).toBe("DeleteBucketEncryption");
    expect(op("GET", "b", undefined, "policy")).toBe("NotImplemented");
    expect(op("PUT", "b", undefined, "versioning")).toBe("PutBucketVersioning");
    expect(op("GET", "b", undefined, "cors")).toBe("GetBucketCors");
    expect(op("PUT", "b", undefined, "cors")).toBe("PutBucketCors");
    expect(op("DELETE", "b", undefined, "cors")).toBe("DeleteBucketCors");
    expect(op("POST", "b", undefined)).toBe("PostObject");
    expect(op("DELETE", "b", undefined, "website")).toBe("NotImplemented");
  });

  test("object operations", () => {
    expect(op("PUT", "b", "k")).toBe("PutObject");
    expect(op("PUT", "b", "k", "x-id=PutObject")).toBe("PutObject");
    expect(op("PUT", "b", "k", "", true)).toBe("CopyObject");
    expect(op("GET", "b", "k")).toBe("GetObject");
    expect(op("HEAD", "b", "k")).toBe("HeadObject");
    expect(op("DELETE", "b", "k")).toBe("DeleteObject");
    expect(op("GET", "b", "k", "acl")).toBe("GetObjectAcl");
    expect(op("POST", "b", "k", "uploads")).toBe("CreateMultipartUpload");
    expect(op("PUT", "b", "k", "partNumber=1&uploadId=u")).toBe("UploadPart");
    expect(op("PUT", "b", "k", "partNumber=1&uploadId=u", true)).toBe("UploadPart");
    expect(op("POST", "b", "k", "uploadId=u")).toBe("CompleteMultipartUpload");
    expect(op("DELETE", "b", "k", "uploadId=u")).toBe("AbortMultipartUpload");
    expect(op("GET", "b", "k", "uploadId=u")).toBe("ListParts");
    expect(op("PUT", "b", "k", "tagging")).toBe("PutObjectTagging");
    expect(op("GET", "b", "k", "tagging")).toBe("GetObjectTagging");
    expect(op("DELETE", "b", "k", "tagging")).toBe("DeleteObjectTagging");
    expect(op("GET", "b", "k", "attributes")).toBe("GetObjectAttributes");
    expect(op("PUT", "b", "k", "retention")).toBe("NotImplemented");
    expect(op("PUT", "b", undefined, "tagging")).toBe("NotImplemented");
    expect(op("POST", "b", "k", "select")).toBe("NotImplemented");
    expect(op("PATCH", "b", "k")).toBe("MethodNotAllowed");
  });

  test("path-style addresses: bucket, key with every '/' kept, percent-decoded", () => {
    expect(addressOf("/")).toEqual({ bucket: undefined, key: undefined });
    expect(addressOf("/b")).toEqual({ bucket: "b", key: undefined });
    expect(addressOf("/b/")).toEqual({ bucket: "b", key: undefined });
    expect(addressOf("/b/a/b%20c/")).toEqual({ bucket: "b", key: "a/b c/" });
    expect(addressOf("/b/a%2Fb+c")).toEqual({ bucket: "b", key: "a/b+c" });
  });
});
