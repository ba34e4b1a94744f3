// S3 server-side encryption is refused through @aws-sdk/client-s3 and signed raw requests, and nothing of a
// refused request is stored: no object, no manifest, no chunk (split from sdk.test.ts, which it shared a node with).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketEncryptionCommand,
  GetBucketEncryptionCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutBucketEncryptionCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { randomBytes, sha256, type TestCluster } from "../harness/cluster.ts";
import { signedFetch } from "./raw-client.ts";
import { s3Failure, startS3Cluster } from "./s3-cluster.ts";

const creds = { accessKey: "sse-test-key", secretKey: "sse-test-secret-0123456789" };
let cluster: TestCluster;
let endpoint: string;
let url: string;
let s3: S3Client;

const bodyOf = async (out: { Body?: unknown }) => new Uint8Array(await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
beforeAll(async () => {
  const started = await startS3Cluster(1, { key: creds.accessKey, secret: creds.secretKey });
  cluster = started.cluster;
  url = cluster.nodes[0]!.url;
  endpoint = started.endpoints[0]!;
  s3 = started.clients[0]!;
  await s3.send(new CreateBucketCommand({ Bucket: "data" }));
});
afterAll(async () => {
  await cluster?.stop();
});

describe("server-side encryption is refused, and nothing of the request is stored", () => {
  const ssec = { SSECustomerAlgorithm: "AES256", SSECustomerKey: Buffer.from(randomBytes(32)).toString("base64") };
  const copySsec = { CopySourceSSECustomerAlgorithm: "AES256", CopySourceSSECustomerKey: ssec.SSECustomerKey };
  const secure = { name: "InvalidRequest", status: 400 };
  const noKms = { name: "NotImplemented", status: 501 };
  const plain = randomBytes(50_000);
  beforeAll(async () => {
    await s3.send(new PutObjectCommand({ Bucket: "data", Key: "sse/plain.bin", Body: plain }));
  });

  /** Chunk files before a refused request, to find any it left. */
  const chunksNow = () => new Set(cluster.nodes[0]!.chunkFiles());
  /** No object, no manifest the files API can see, and no new chunk (none holding the body either). */
  async function nothingStored(key: string, before: Set<string>, body?: Uint8Array): Promise<void> {
    expect((await s3Failure(s3.send(new HeadObjectCommand({ Bucket: "data", Key: key })))).status).toBe(404);
    expect((await fetch(`${url}/api/stat/data/${key}`)).status).toBe(404);
    const after = cluster.nodes[0]!.chunkFiles();
    expect(after.filter((id) => !before.has(id))).toEqual([]);
    if (body) expect(after).not.toContain(sha256(body));
  }

  test("PutObject: SSE-C is InvalidRequest (plain HTTP), SSE-S3 and SSE-KMS NotImplemented, malformed SSE InvalidArgument", async () => {
    const cases: Array<[Partial<ConstructorParameters<typeof PutObjectCommand>[0]>, { name: string; status: number }]> = [
      [ssec, secure],
      [{ ServerSideEncryption: "AES256" }, noKms],
      [{ ServerSideEncryption: "aws:kms" }, noKms],
      [{ ServerSideEncryption: "aws:kms", SSEKMSKeyId: "my-key", SSEKMSEncryptionContext: Buffer.from("{}").toString("base64") }, noKms],
      [{ ServerSideEncryption: "aws:kms:dsse" }, noKms],
      [{ BucketKeyEnabled: true }, noKms],
      [{ SSEKMSKeyId: "my-key" }, { name: "InvalidArgument", status: 400 }],
      [{ ServerSideEncryption: "rot13" as "AES256" }, { name: "InvalidArgument", status: 400 }],
    ];
    for (const [i, [params, expected]] of cases.entries()) {
      const key = `sse/put-${i}.bin`;
      const body = randomBytes(100_000);
      const before = chunksNow();
      expect(await s3Failure(s3.send(new PutObjectCommand({ Bucket: "data", Key: key, Body: body, ...params })))).toEqual(expected);
      await nothingStored(key, before, body);
    }
  });

  test("CreateMultipartUpload with SSE starts no upload; UploadPart and UploadPartCopy with SSE-C store no part", async () => {
    for (const [params, expected] of [
      [ssec, secure],
      [{ ServerSideEncryption: "AES256" as const }, noKms],
      [{ ServerSideEncryption: "aws:kms" as const, SSEKMSKeyId: "my-key" }, noKms],
    ] as const) {
      expect(await s3Failure(s3.send(new CreateMultipartUploadCommand({ Bucket: "data", Key: "sse/multipart.bin", ...params })))).toEqual(expected);
    }
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: "data", Prefix: "sse/" }));
    expect(uploads.Uploads ?? []).toEqual([]);

    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: "data", Key: "sse/multipart.bin" }));
    const part = randomBytes(100_000);
    const before = chunksNow();
    expect(await s3Failure(s3.send(new UploadPartCommand({ Bucket: "data", Key: "sse/multipart.bin", UploadId, PartNumber: 1, Body: part, ...ssec })))).toEqual(secure);
    expect(
      await s3Failure(s3.send(new UploadPartCopyCommand({ Bucket: "data", Key: "sse/multipart.bin", UploadId, PartNumber: 2, CopySource: "data/sse/plain.bin", ...copySsec }))),
    ).toEqual(secure);
    // UploadPart takes no SSE-S3 header (its upload's settings decide); S3 refuses one.
    const sseS3Part = await signedFetch("PUT", `${endpoint}/data/sse/multipart.bin?partNumber=3&uploadId=${UploadId}`, creds, part, {
      headers: { "x-amz-server-side-encryption": "AES256" },
    });
    expect(sseS3Part.status).toBe(400);
    expect(await sseS3Part.text()).toContain("<Code>InvalidArgument</Code>");
    expect((await s3.send(new ListPartsCommand({ Bucket: "data", Key: "sse/multipart.bin", UploadId }))).Parts ?? []).toEqual([]);
    expect(cluster.nodes[0]!.chunkFiles()).not.toContain(sha256(part));
    await s3.send(new AbortMultipartUploadCommand({ Bucket: "data", Key: "sse/multipart.bin", UploadId }));
    await nothingStored("sse/multipart.bin", before);
  });

  test("CopyObject with a copy-source SSE-C key, SSE-C for the copy, or SSE-S3/KMS makes no copy", async () => {
    for (const [i, [params, expected]] of (
      [
        [copySsec, secure],
        [ssec, secure],
        [{ ServerSideEncryption: "AES256" }, noKms],
        [{ ServerSideEncryption: "aws:kms", SSEKMSKeyId: "my-key" }, noKms],
      ] as const
    ).entries()) {
      const key = `sse/copy-${i}.bin`;
      const before = chunksNow();
      expect(await s3Failure(s3.send(new CopyObjectCommand({ Bucket: "data", Key: key, CopySource: "data/sse/plain.bin", ...params })))).toEqual(expected);
      await nothingStored(key, before);
    }
  });

  test("GetObject and HeadObject with an SSE-C key are refused, not answered with the plaintext", async () => {
    expect(await s3Failure(s3.send(new GetObjectCommand({ Bucket: "data", Key: "sse/plain.bin", ...ssec })))).toEqual(secure);
    expect((await s3Failure(s3.send(new HeadObjectCommand({ Bucket: "data", Key: "sse/plain.bin", ...ssec })))).status).toBe(400);
    // x-amz-server-side-encryption is no parameter of a read.
    const res = await signedFetch("GET", `${endpoint}/data/sse/plain.bin`, creds, undefined, { headers: { "x-amz-server-side-encryption": "AES256" } });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("<Code>InvalidArgument</Code>");
    // Without them the object reads as before.
    expect(await bodyOf(await s3.send(new GetObjectCommand({ Bucket: "data", Key: "sse/plain.bin" })))).toEqual(plain);
  });

  test("headers carried only as a presigned URL's query parameters count too", async () => {
    const sseHeaders = ["x-amz-server-side-encryption", "x-amz-server-side-encryption-customer-algorithm", "x-amz-server-side-encryption-customer-key", "x-amz-server-side-encryption-customer-key-md5"];
    const presign = (command: PutObjectCommand | GetObjectCommand) => getSignedUrl(s3, command, { expiresIn: 300, hoistableHeaders: new Set(sseHeaders) });
    for (const [i, [params, code, status]] of ([
      [{ ServerSideEncryption: "AES256" }, "NotImplemented", 501],
      [ssec, "InvalidRequest", 400],
    ] as const).entries()) {
      const key = `sse/presigned-${i}.bin`;
      const signed = await presign(new PutObjectCommand({ Bucket: "data", Key: key, ...params }));
      expect(new URL(signed).searchParams.has(params === ssec ? "x-amz-server-side-encryption-customer-algorithm" : "x-amz-server-side-encryption")).toBe(true);
      const body = randomBytes(20_000);
      const before = chunksNow();
      const res = await fetch(signed, { method: "PUT", body });
      expect(res.status).toBe(status);
      expect(await res.text()).toContain(`<Code>${code}</Code>`);
      await nothingStored(key, before, body);
    }
    const get = await fetch(await presign(new GetObjectCommand({ Bucket: "data", Key: "sse/plain.bin", ...ssec })));
    expect(get.status).toBe(400);
    expect(await get.text()).toContain("<Code>InvalidRequest</Code>");
  });

  test("bucket default encryption: none is configured, none can be set", async () => {
    expect(await s3Failure(s3.send(new GetBucketEncryptionCommand({ Bucket: "data" })))).toEqual({ name: "ServerSideEncryptionConfigurationNotFoundError", status: 404 });
    const config = { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" as const } }] };
    expect(await s3Failure(s3.send(new PutBucketEncryptionCommand({ Bucket: "data", ServerSideEncryptionConfiguration: config })))).toEqual(noKms);
    const malformed = await signedFetch("PUT", `${endpoint}/data?encryption`, creds, new TextEncoder().encode("<Nothing/>"));
    expect(malformed.status).toBe(400);
    expect(await malformed.text()).toContain("<Code>MalformedXML</Code>");
    expect((await s3Failure(s3.send(new GetBucketEncryptionCommand({ Bucket: "data" })))).name).toBe("ServerSideEncryptionConfigurationNotFoundError");
    await s3.send(new DeleteBucketEncryptionCommand({ Bucket: "data" }));
    expect(await s3Failure(s3.send(new GetBucketEncryptionCommand({ Bucket: "nope" })))).toEqual({ name: "NoSuchBucket", status: 404 });
  });
});

