// Additional checksums kept with objects, through real nodes and AWS's SDK: SHA256 and CRC32 sent on
// PutObject (as a header and as an aws-chunked trailer) come back on GET/HEAD with checksum mode on (the SDK
// then checks the body against them), never for a range; a wrong one stores nothing; multipart objects get the
// composite "…-N" of their parts (ListParts shows each), or the full-object CRC when asked; copies and tag
// changes keep them; GetObjectAttributes answers them.
import { describe, expect, test } from "bun:test";
import { Readable } from "node:stream";
import { crc32 } from "node:zlib";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { randomBytes } from "../harness/cluster.ts";
import { signedFetch, unsignedTrailerPut } from "./raw-client.ts";
import { s3ClusterFor, s3Failure } from "./s3-cluster.ts";

const KEY = "sum-key";
const SECRET = "sum-secret-0123456789";
const Bucket = "sums";
const MiB = 1024 * 1024;

const f = s3ClusterFor(Bucket, { key: KEY, secret: SECRET });

const sha256 = (b: Uint8Array) => new Bun.CryptoHasher("sha256").update(b).digest("base64");
const crc = (b: Uint8Array) => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(b) >>> 0);
  return out.toString("base64");
};
const head = (node: number, Key: string, mode = true) => f.s3[node]!.send(new HeadObjectCommand({ Bucket, Key, ...(mode ? { ChecksumMode: "ENABLED" as const } : {}) }));
const sums = (r: { ChecksumSHA256?: string; ChecksumCRC32?: string; ChecksumType?: string }) => ({ sha256: r.ChecksumSHA256, crc32: r.ChecksumCRC32, type: r.ChecksumType });

describe("checksums sent with PutObject", () => {
  test("SHA256 and CRC32 come back on GET and HEAD through other nodes with checksum mode on; the SDK checks the body", async () => {
    const body = randomBytes(2 * MiB + 3);
    await f.s3[0]!.send(new PutObjectCommand({ Bucket, Key: "a.bin", Body: body, ChecksumAlgorithm: "SHA256" }));
    await f.s3[0]!.send(new PutObjectCommand({ Bucket, Key: "b.bin", Body: body, ChecksumAlgorithm: "CRC32" }));
    expect(sums(await head(1, "a.bin"))).toEqual({ sha256: sha256(body), crc32: undefined, type: "FULL_OBJECT" });
    expect(sums(await head(2, "b.bin"))).toEqual({ sha256: undefined, crc32: crc(body), type: "FULL_OBJECT" });
    const get = await f.s3[2]!.send(new GetObjectCommand({ Bucket, Key: "a.bin", ChecksumMode: "ENABLED" }));
    expect(sums(get)).toEqual({ sha256: sha256(body), crc32: undefined, type: "FULL_OBJECT" });
    expect(Buffer.from(await get.Body!.transformToByteArray()).equals(body)).toBe(true);
  });

  test("a checksum sent as an aws-chunked trailer (a streamed body) is kept too, known only once the body is read", async () => {
    const body = randomBytes(MiB + 11);
    expect((await unsignedTrailerPut(`${f.endpoints[1]}/${Bucket}/streamed.bin`, { accessKey: KEY, secretKey: SECRET }, body, crc(body))).status).toBe(200);
    expect(sums(await head(0, "streamed.bin"))).toEqual({ sha256: undefined, crc32: crc(body), type: "FULL_OBJECT" });
    const sdk = randomBytes(300_000);
    await f.s3[2]!.send(new PutObjectCommand({ Bucket, Key: "sdk-streamed.bin", Body: Readable.from([sdk.subarray(0, 1000), sdk.subarray(1000)]), ContentLength: sdk.length, ChecksumAlgorithm: "SHA256" }));
    expect(sums(await head(1, "sdk-streamed.bin"))).toEqual({ sha256: sha256(sdk), crc32: undefined, type: "FULL_OBJECT" });
  });

  test("without checksum mode, or for a range, no checksum is answered; an object sent without one has none", async () => {
    const noMode = await f.s3[0]!.send(new HeadObjectCommand({ Bucket, Key: "a.bin" }));
    expect(noMode.ChecksumSHA256).toBeUndefined();
    const range = await f.s3[1]!.send(new GetObjectCommand({ Bucket, Key: "a.bin", Range: "bytes=0-99", ChecksumMode: "ENABLED" }));
    expect(range.ChecksumSHA256).toBeUndefined();
    expect((await range.Body!.transformToByteArray()).length).toBe(100);
    const bare = new S3Client({
      endpoint: f.endpoints[0],
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { accessKeyId: KEY, secretAccessKey: SECRET },
      requestChecksumCalculation: "WHEN_REQUIRED",
    });
    await bare.send(new PutObjectCommand({ Bucket, Key: "bare.bin", Body: "no checksum" }));
    expect(sums(await head(2, "bare.bin"))).toEqual({ sha256: undefined, crc32: undefined, type: undefined });
    const attributes = await f.s3[2]!.send(new GetObjectAttributesCommand({ Bucket, Key: "bare.bin", ObjectAttributes: ["Checksum", "ObjectSize"] }));
    expect({ checksum: attributes.Checksum, size: attributes.ObjectSize }).toEqual({ checksum: undefined, size: 11 });
  });

  test("a wrong checksum is BadDigest and stores nothing, an empty body's too; the right one for an empty body is kept", async () => {
    const creds = { accessKey: KEY, secretKey: SECRET };
    const url = (k: string) => `${f.endpoints[0]}/${Bucket}/${k}`;
    const wrong = await signedFetch("PUT", url("wrong-empty.bin"), creds, undefined, { headers: { "x-amz-checksum-crc32": crc(new Uint8Array([1])) } });
    expect({ status: wrong.status, code: /<Code>(\w+)<\/Code>/.exec(await wrong.text())?.[1] }).toEqual({ status: 400, code: "BadDigest" });
    expect(await s3Failure(head(1, "wrong-empty.bin"))).toEqual({ name: "NotFound", status: 404 });
    const body = randomBytes(1000);
    const bad = await signedFetch("PUT", url("wrong.bin"), creds, body, { headers: { "x-amz-checksum-sha256": sha256(randomBytes(10)) } });
    expect(bad.status).toBe(400);
    expect(await s3Failure(head(1, "wrong.bin"))).toEqual({ name: "NotFound", status: 404 });
    expect((await signedFetch("PUT", url("empty.bin"), creds, undefined, { headers: { "x-amz-checksum-crc32": crc(new Uint8Array()) } })).status).toBe(200);
    expect(sums(await head(2, "empty.bin"))).toEqual({ sha256: undefined, crc32: crc(new Uint8Array()), type: "FULL_OBJECT" });
  });

  test("CopyObject keeps the checksum (COPY and REPLACE: the content is the same), and so does a tag change", async () => {
    const body = (await f.s3[0]!.send(new GetObjectCommand({ Bucket, Key: "b.bin" }))).Body!;
    const bytes = await body.transformToByteArray();
    await f.s3[1]!.send(new CopyObjectCommand({ Bucket, Key: "b-copy.bin", CopySource: `${Bucket}/b.bin` }));
    await f.s3[2]!.send(new CopyObjectCommand({ Bucket, Key: "b-replaced.bin", CopySource: `${Bucket}/b.bin`, MetadataDirective: "REPLACE", ContentType: "text/x-new" }));
    await f.s3[0]!.send(new PutObjectTaggingCommand({ Bucket, Key: "b.bin", Tagging: { TagSet: [{ Key: "t", Value: "1" }] } }));
    for (const key of ["b-copy.bin", "b-replaced.bin", "b.bin"]) expect(sums(await head(1, key))).toEqual({ sha256: undefined, crc32: crc(bytes), type: "FULL_OBJECT" });
  });
});

describe("multipart objects", () => {
  async function upload(Key: string, parts: Uint8Array[], type?: "COMPOSITE" | "FULL_OBJECT") {
    const { UploadId } = await f.s3[0]!.send(new CreateMultipartUploadCommand({ Bucket, Key, ChecksumAlgorithm: "CRC32", ...(type ? { ChecksumType: type } : {}) }));
    const done = [];
    for (const [i, Body] of parts.entries()) {
      const p = await f.s3[i % 3]!.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1, Body, ChecksumAlgorithm: "CRC32" }));
      done.push({ PartNumber: i + 1, ETag: p.ETag, ChecksumCRC32: p.ChecksumCRC32 });
    }
    // ListParts answers each part's checksum as it was kept.
    const listed = await f.s3[2]!.send(new ListPartsCommand({ Bucket, Key, UploadId }));
    expect(listed.Parts?.map((p) => p.ChecksumCRC32)).toEqual(parts.map((p) => crc(p)));
    await f.s3[1]!.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: done }, ...(type ? { ChecksumType: type } : {}) }));
  }

  test("parts with CRC32s give the object their composite checksum, '…-N', type COMPOSITE; GetObjectAttributes answers it", async () => {
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(1234)];
    await upload("composite.bin", parts);
    const composite = crc(Buffer.concat(parts.map((p) => Buffer.from(crc(p), "base64"))));
    expect(sums(await head(2, "composite.bin"))).toEqual({ sha256: undefined, crc32: `${composite}-3`, type: "COMPOSITE" });
    // The SDK leaves a composite checksum unchecked, as it must: it is no digest of the bytes.
    const get = await f.s3[0]!.send(new GetObjectCommand({ Bucket, Key: "composite.bin", ChecksumMode: "ENABLED" }));
    expect((await get.Body!.transformToByteArray()).length).toBe(10 * MiB + 1234);
    const attributes = await f.s3[1]!.send(new GetObjectAttributesCommand({ Bucket, Key: "composite.bin", ObjectAttributes: ["Checksum", "ObjectSize"] }));
    expect(attributes.Checksum).toEqual({ ChecksumCRC32: composite, ChecksumType: "COMPOSITE" });
  });

  test("asked for a FULL_OBJECT CRC32, the object's is the CRC of all its bytes (the SDK checks it on GET)", async () => {
    const parts = [randomBytes(5 * MiB), randomBytes(777)];
    await upload("full.bin", parts, "FULL_OBJECT");
    expect(sums(await head(0, "full.bin"))).toEqual({ sha256: undefined, crc32: crc(Buffer.concat(parts)), type: "FULL_OBJECT" });
    const get = await f.s3[2]!.send(new GetObjectCommand({ Bucket, Key: "full.bin", ChecksumMode: "ENABLED" }));
    expect((await get.Body!.transformToByteArray()).length).toBe(5 * MiB + 777);
  });

  test("a FULL_OBJECT SHA-256 of a multipart upload is refused, as S3 refuses it", async () => {
    const refused = f.s3[0]!.send(new CreateMultipartUploadCommand({ Bucket, Key: "no.bin", ChecksumAlgorithm: "SHA256", ChecksumType: "FULL_OBJECT" }));
    expect(await s3Failure(refused)).toEqual({ name: "InvalidRequest", status: 400 });
  });

  test("GetObjectAttributes of a single-part object answers its checksum", async () => {
    const a = await f.s3[2]!.send(new GetObjectAttributesCommand({ Bucket, Key: "a.bin", ObjectAttributes: ["Checksum"] }));
    const body = await (await f.s3[0]!.send(new GetObjectCommand({ Bucket, Key: "a.bin" }))).Body!.transformToByteArray();
    expect(a.Checksum).toEqual({ ChecksumSHA256: sha256(body), ChecksumType: "FULL_OBJECT" });
  });
});
