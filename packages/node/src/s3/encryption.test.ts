// Which requests name server-side encryption, and the S3 error each gets (sdk.test.ts checks the same
// answers through a real node, and that nothing is stored).
import { describe, expect, test } from "bun:test";
import { OrreryError } from "../errors.ts";
import { type EncryptionRequest, encryptionRequestOf, refuseCustomerKeys, refuseManagedEncryption } from "./encryption.ts";
import type { Operation } from "./operations.ts";

const of = (pairs: Record<string, string>) => encryptionRequestOf(Object.entries(pairs));

/** The code and status a check throws, or "ok". */
function outcome(check: () => void): string {
  try {
    check();
    return "ok";
  } catch (err) {
    if (!(err instanceof OrreryError)) throw err;
    return `${err.status} ${err.code}`;
  }
}
const customer = (pairs: Record<string, string>, secure = false) => outcome(() => refuseCustomerKeys(of(pairs)!, secure));
const managed = (pairs: Record<string, string>, op: Operation = "PutObject") => outcome(() => refuseManagedEncryption(of(pairs)!, op));

describe("classification", () => {
  test("a request without encryption headers is not an encryption request", () => {
    expect(of({})).toBeUndefined();
    expect(of({ "content-type": "text/plain", "x-amz-copy-source": "b/k", "x-amz-meta-mtime": "1", "x-amz-checksum-crc32": "AAAAAA==" })).toBeUndefined();
    expect(of({ "X-Amz-Signature": "ab", "X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD" })).toBeUndefined();
  });

  test("each header family, in any case, as a header or a presigned URL's query parameter", () => {
    const ssec: EncryptionRequest = {
      customerKey: ["x-amz-server-side-encryption-customer-algorithm", "x-amz-server-side-encryption-customer-key", "x-amz-server-side-encryption-customer-key-md5"],
      copySourceCustomerKey: [],
      method: undefined,
      kmsParameters: [],
    };
    expect(
      of({
        "x-amz-server-side-encryption-customer-algorithm": "AES256",
        "X-Amz-Server-Side-Encryption-Customer-Key": "a2V5",
        "x-amz-server-side-encryption-customer-key-MD5": "bWQ1",
      }),
    ).toEqual(ssec);
    expect(of({ "x-amz-copy-source-server-side-encryption-customer-key-MD5": "bWQ1" })?.copySourceCustomerKey).toEqual([
      "x-amz-copy-source-server-side-encryption-customer-key-md5",
    ]);
    expect(of({ "X-Amz-Server-Side-Encryption": " aws:kms " })).toEqual({ customerKey: [], copySourceCustomerKey: [], method: "aws:kms", kmsParameters: [] });
    expect(
      of({
        "x-amz-server-side-encryption-aws-kms-key-id": "k",
        "x-amz-server-side-encryption-context": "e30=",
        "x-amz-server-side-encryption-bucket-key-enabled": "false",
      })?.kmsParameters,
    ).toEqual(["x-amz-server-side-encryption-aws-kms-key-id", "x-amz-server-side-encryption-context", "x-amz-server-side-encryption-bucket-key-enabled"]);
    // A header of these families that S3 may add later still counts.
    expect(of({ "x-amz-server-side-encryption-something-new": "1" })?.kmsParameters).toEqual(["x-amz-server-side-encryption-something-new"]);
    // An empty value is still a request (and an invalid method).
    expect(of({ "x-amz-server-side-encryption": "" })?.method).toBe("");
  });
});

describe("SSE-C", () => {
  test("any SSE-C or copy-source SSE-C header is InvalidRequest over plain HTTP, as AWS and MinIO answer", () => {
    expect(customer({ "x-amz-server-side-encryption-customer-algorithm": "AES256" })).toBe("400 InvalidRequest");
    expect(customer({ "x-amz-server-side-encryption-customer-key": "a2V5" })).toBe("400 InvalidRequest");
    expect(customer({ "x-amz-copy-source-server-side-encryption-customer-algorithm": "AES256" })).toBe("400 InvalidRequest");
    // Valid or not, with SSE-S3 beside it or not: the key already crossed the network in clear.
    expect(customer({ "x-amz-server-side-encryption-customer-algorithm": "DES", "x-amz-server-side-encryption": "AES256" })).toBe("400 InvalidRequest");
  });

  test("over TLS it is NotImplemented, not accepted", () => {
    expect(customer({ "x-amz-server-side-encryption-customer-algorithm": "AES256" }, true)).toBe("501 NotImplemented");
  });

  test("a request with only SSE-S3/KMS headers passes this check", () => {
    expect(customer({ "x-amz-server-side-encryption": "AES256" })).toBe("ok");
  });
});

describe("SSE-S3 and SSE-KMS", () => {
  test("well-formed on an operation that takes them: NotImplemented (501), MinIO's answer without a KMS", () => {
    for (const op of ["PutObject", "CopyObject", "CreateMultipartUpload"] as const) {
      expect(managed({ "x-amz-server-side-encryption": "AES256" }, op)).toBe("501 NotImplemented");
      expect(managed({ "x-amz-server-side-encryption": "aws:kms", "x-amz-server-side-encryption-aws-kms-key-id": "k" }, op)).toBe("501 NotImplemented");
    }
    expect(managed({ "x-amz-server-side-encryption": "aws:kms:dsse" })).toBe("501 NotImplemented");
    expect(managed({ "x-amz-server-side-encryption": "aws:kms", "x-amz-server-side-encryption-context": "e30=" })).toBe("501 NotImplemented");
    expect(managed({ "x-amz-server-side-encryption-bucket-key-enabled": "true" })).toBe("501 NotImplemented");
    expect(managed({ "x-amz-server-side-encryption": "AES256", "x-amz-server-side-encryption-bucket-key-enabled": "false" })).toBe("501 NotImplemented");
  });

  test("malformed: an unknown method, or KMS parameters without aws:kms, is InvalidArgument", () => {
    expect(managed({ "x-amz-server-side-encryption": "aes256" })).toBe("400 InvalidArgument");
    expect(managed({ "x-amz-server-side-encryption": "" })).toBe("400 InvalidArgument");
    expect(managed({ "x-amz-server-side-encryption-aws-kms-key-id": "k" })).toBe("400 InvalidArgument");
    expect(managed({ "x-amz-server-side-encryption": "AES256", "x-amz-server-side-encryption-context": "e30=" })).toBe("400 InvalidArgument");
  });

  test("on an operation that does not take them (reads, parts, bucket calls) it is InvalidArgument", () => {
    for (const op of ["GetObject", "HeadObject", "UploadPart", "CompleteMultipartUpload", "ListObjectsV2", "CreateBucket", "DeleteObject"] as const) {
      expect(managed({ "x-amz-server-side-encryption": "AES256" }, op)).toBe("400 InvalidArgument");
    }
  });

  test("a request with only SSE-C headers passes this check (the SSE-C check answers it)", () => {
    expect(managed({ "x-amz-server-side-encryption-customer-algorithm": "AES256" }, "GetObject")).toBe("ok");
  });
});
