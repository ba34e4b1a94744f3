// Object tagging and GetObjectAttributes through real nodes with AWS's own SDK: tags set through one node
// are read through another and survive a restart, changing them re-writes no chunk, S3's limits are refused
// with S3's error codes, tags come with PutObject, multipart and copies by their directives; attributes of
// a simple and a multipart object, with the parts paged.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { crc32 } from "node:zlib";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectTaggingCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  type Tag,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { randomBytes, type TestCluster } from "../harness/cluster.ts";
import { signedFetch } from "./raw-client.ts";
import { s3Failure, startS3Cluster } from "./s3-cluster.ts";

const KEY = "tag-key";
const SECRET = "tag-secret-0123456789";
const Bucket = "tags";
const MiB = 1024 * 1024;
let cluster: TestCluster;
let s3: S3Client[] = [];
let endpoints: string[] = [];

beforeAll(async () => {
  ({ cluster, clients: s3, endpoints } = await startS3Cluster(3, { key: KEY, secret: SECRET }));
  await s3[0]!.send(new CreateBucketCommand({ Bucket }));
});
afterAll(async () => {
  await cluster?.stop();
});

/** Chunk bytes the cluster's nodes have received from each other (a write of an object's bytes moves them). */
const chunkBytesIn = async () => {
  let total = 0;
  for (const n of cluster.nodes) {
    const metrics = await (await fetch(`${n.url}/metrics`)).text();
    total += Number(/orrery_peer_chunk_bytes_total\{direction="in"\} (\d+)/.exec(metrics)?.[1] ?? Number.NaN);
  }
  return total;
};
const tagsOf = async (node: number, Key: string) => (await s3[node]!.send(new GetObjectTaggingCommand({ Bucket, Key }))).TagSet;
const putTags = (node: number, Key: string, TagSet: Tag[]) => s3[node]!.send(new PutObjectTaggingCommand({ Bucket, Key, Tagging: { TagSet } }));
const tags = (n: number, key = (i: number) => `k${i}`, value = (i: number) => `v${i}`): Tag[] =>
  Array.from({ length: n }, (_, i) => ({ Key: key(i), Value: value(i) }));

describe("object tagging", () => {
  test("a tag set put through one node is read through the others; the object's bytes, ETag and date stay", async () => {
    const body = randomBytes(3 * MiB + 5);
    const put = await s3[0]!.send(new PutObjectCommand({ Bucket, Key: "doc/a.bin", Body: body, ContentType: "application/x-a", Metadata: { who: "me" } }));
    const before = await s3[0]!.send(new HeadObjectCommand({ Bucket, Key: "doc/a.bin" }));
    expect(await tagsOf(1, "doc/a.bin")).toEqual([]);
    const chunks = cluster.copies();
    const moved = await chunkBytesIn();
    const set = [{ Key: "project", Value: "blue sky" }, { Key: "Ünïcode:=+-@_./", Value: "" }, { Key: "n", Value: "1" }];
    await putTags(1, "doc/a.bin", set);
    expect(await tagsOf(2, "doc/a.bin")).toEqual(set);
    // No chunk written or dropped, no chunk byte sent: a new manifest over the same chunks.
    expect(cluster.copies()).toEqual(chunks);
    expect(await chunkBytesIn()).toBe(moved);
    const after = await s3[2]!.send(new HeadObjectCommand({ Bucket, Key: "doc/a.bin" }));
    expect(after.TagCount).toBe(3);
    expect({ etag: after.ETag, date: after.LastModified, type: after.ContentType, meta: after.Metadata?.who, length: after.ContentLength }).toEqual({
      etag: put.ETag,
      date: before.LastModified,
      type: "application/x-a",
      meta: "me",
      length: body.length,
    });
    const get = await s3[1]!.send(new GetObjectCommand({ Bucket, Key: "doc/a.bin" }));
    expect(get.TagCount).toBe(3);
    expect(Buffer.from(await get.Body!.transformToByteArray()).equals(body)).toBe(true);
    // A new set replaces the old; deleting leaves none, and HEAD then answers no count.
    await putTags(2, "doc/a.bin", [{ Key: "only", Value: "this" }]);
    expect(await tagsOf(0, "doc/a.bin")).toEqual([{ Key: "only", Value: "this" }]);
    await s3[0]!.send(new DeleteObjectTaggingCommand({ Bucket, Key: "doc/a.bin" }));
    expect(await tagsOf(1, "doc/a.bin")).toEqual([]);
    expect((await s3[1]!.send(new HeadObjectCommand({ Bucket, Key: "doc/a.bin" }))).TagCount).toBeUndefined();
    expect(cluster.copies()).toEqual(chunks);
  });

  test("S3's limits: 10 tags, keys of 128 and values of 256 characters are taken; beyond is refused with S3's codes", async () => {
    await s3[0]!.send(new PutObjectCommand({ Bucket, Key: "limits", Body: "x" }));
    const max = tags(10, (i) => `${i}`.padEnd(128, "k"), () => "v".repeat(256));
    await putTags(0, "limits", max);
    expect(await tagsOf(1, "limits")).toEqual(max);
    const refused = async (set: Tag[]) => s3Failure(putTags(1, "limits", set));
    expect(await refused(tags(11))).toEqual({ name: "BadRequest", status: 400 });
    expect(await refused([{ Key: "k".repeat(129), Value: "v" }])).toEqual({ name: "InvalidTag", status: 400 });
    expect(await refused([{ Key: "k", Value: "v".repeat(257) }])).toEqual({ name: "InvalidTag", status: 400 });
    expect(await refused([{ Key: "k", Value: "1" }, { Key: "k", Value: "2" }])).toEqual({ name: "InvalidTag", status: 400 });
    expect(await refused([{ Key: "a*b", Value: "v" }])).toEqual({ name: "InvalidTag", status: 400 });
    expect(await refused([{ Key: "k", Value: "semi;colon" }])).toEqual({ name: "InvalidTag", status: 400 });
    expect(await refused([{ Key: "aws:owner", Value: "v" }])).toEqual({ name: "InvalidTag", status: 400 });
    expect(await refused([{ Key: "", Value: "v" }])).toEqual({ name: "InvalidTag", status: 400 });
    // A body that is not a tag set.
    const url = `${endpoints[2]}/${Bucket}/limits?tagging`;
    for (const body of ["<Tagging><TagSet><Tag><Key>k</Key></Tag></TagSet></Tagging>", "<Tagging>", "<Other/>"]) {
      const res = await signedFetch("PUT", url, { accessKey: KEY, secretKey: SECRET }, new TextEncoder().encode(body));
      expect({ status: res.status, code: /<Code>(\w+)<\/Code>/.exec(await res.text())?.[1] }).toEqual({ status: 400, code: "MalformedXML" });
    }
    // Nothing refused was kept, and tags of a missing key are NoSuchKey.
    expect(await tagsOf(2, "limits")).toEqual(max);
    expect(await s3Failure(tagsOf(0, "nothing-here"))).toEqual({ name: "NoSuchKey", status: 404 });
    expect(await s3Failure(putTags(0, "nothing-here", tags(1)))).toEqual({ name: "NoSuchKey", status: 404 });
  });

  test("x-amz-tagging on PutObject; a bad header stores nothing", async () => {
    await s3[0]!.send(new PutObjectCommand({ Bucket, Key: "tagged", Body: "x", Tagging: "a=1&b=two%20words&empty=" }));
    expect(await tagsOf(1, "tagged")).toEqual([{ Key: "a", Value: "1" }, { Key: "b", Value: "two words" }, { Key: "empty", Value: "" }]);
    expect((await s3[2]!.send(new HeadObjectCommand({ Bucket, Key: "tagged" }))).TagCount).toBe(3);
    const eleven = tags(11).map((t) => `${t.Key}=${t.Value}`).join("&");
    expect(await s3Failure(s3[0]!.send(new PutObjectCommand({ Bucket, Key: "too-many", Body: "x", Tagging: eleven })))).toEqual({ name: "BadRequest", status: 400 });
    expect(await s3Failure(s3[1]!.send(new HeadObjectCommand({ Bucket, Key: "too-many" })))).toMatchObject({ status: 404 });
    // An overwrite without tags has none.
    await s3[1]!.send(new PutObjectCommand({ Bucket, Key: "tagged", Body: "y" }));
    expect(await tagsOf(0, "tagged")).toEqual([]);
  });

  test("x-amz-tagging on CreateMultipartUpload tags the completed object", async () => {
    const Key = "multi-tagged";
    const { UploadId } = await s3[0]!.send(new CreateMultipartUploadCommand({ Bucket, Key, Tagging: "stage=raw&team=data" }));
    const part = await s3[1]!.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: randomBytes(1000) }));
    await s3[2]!.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    expect(await tagsOf(1, Key)).toEqual([{ Key: "stage", Value: "raw" }, { Key: "team", Value: "data" }]);
  });

  test("CopyObject: the source's tags by default (COPY), the request's with REPLACE, independent of the metadata directive", async () => {
    await s3[0]!.send(new PutObjectCommand({ Bucket, Key: "src", Body: "source", Tagging: "from=source", Metadata: { m: "src" } }));
    const copy = (Key: string, extra: Partial<ConstructorParameters<typeof CopyObjectCommand>[0]>) =>
      s3[1]!.send(new CopyObjectCommand({ Bucket, Key, CopySource: `${Bucket}/src`, ...extra }));
    await copy("copy-default", {});
    expect(await tagsOf(2, "copy-default")).toEqual([{ Key: "from", Value: "source" }]);
    await copy("copy-replaced", { TaggingDirective: "REPLACE", Tagging: "from=request" });
    expect(await tagsOf(2, "copy-replaced")).toEqual([{ Key: "from", Value: "request" }]);
    expect((await s3[0]!.send(new HeadObjectCommand({ Bucket, Key: "copy-replaced" }))).Metadata?.m).toBe("src");
    await copy("copy-untagged", { TaggingDirective: "REPLACE" });
    expect(await tagsOf(2, "copy-untagged")).toEqual([]);
    await copy("copy-meta-replaced", { MetadataDirective: "REPLACE", Metadata: { m: "new" } });
    expect(await tagsOf(0, "copy-meta-replaced")).toEqual([{ Key: "from", Value: "source" }]);
    expect(await s3Failure(copy("copy-bad", { TaggingDirective: "REPLACE", Tagging: "aws:x=1" }))).toEqual({ name: "InvalidTag", status: 400 });
  });

  test("tags survive a restart: of the node that took them, and of every node at once (read from disk)", async () => {
    await s3[0]!.send(new PutObjectCommand({ Bucket, Key: "durable", Body: "d" }));
    await putTags(0, "durable", [{ Key: "keep", Value: "me" }]);
    const writer = cluster.nodes[0]!;
    await writer.stop();
    await cluster.restart(writer);
    await cluster.waitForMembers(3);
    expect(await tagsOf(0, "durable")).toEqual([{ Key: "keep", Value: "me" }]);
    for (const node of cluster.nodes) await node.stop();
    for (const node of cluster.nodes) await cluster.restart(node);
    await cluster.waitForMembers(3);
    for (const node of [0, 1, 2]) expect(await tagsOf(node, "durable")).toEqual([{ Key: "keep", Value: "me" }]);
    expect((await s3[2]!.send(new HeadObjectCommand({ Bucket, Key: "durable" }))).TagCount).toBe(1);
  });
});

describe("GetObjectAttributes", () => {
  const attributes = (node: number, Key: string, extra: { MaxParts?: number; PartNumberMarker?: string } = {}) =>
    s3[node]!.send(new GetObjectAttributesCommand({ Bucket, Key, ObjectAttributes: ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"], ...extra }));

  test("a simple object: ETag, size, storage class and date; no parts; the checksum the SDK sent (CRC32 by default)", async () => {
    const body = randomBytes(12345);
    const put = await s3[0]!.send(new PutObjectCommand({ Bucket, Key: "attrs/simple", Body: body }));
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    const head = await s3[0]!.send(new HeadObjectCommand({ Bucket, Key: "attrs/simple" }));
    const a = await attributes(2, "attrs/simple");
    expect({ etag: a.ETag, size: a.ObjectSize, storage: a.StorageClass, parts: a.ObjectParts, checksum: a.Checksum, date: a.LastModified }).toEqual({
      etag: put.ETag!.replace(/"/g, ""),
      size: 12345,
      storage: "STANDARD",
      parts: undefined,
      checksum: { ChecksumCRC32: crc.toString("base64"), ChecksumType: "FULL_OBJECT" },
      date: head.LastModified,
    });
    // Only what was asked for.
    const some = await s3[1]!.send(new GetObjectAttributesCommand({ Bucket, Key: "attrs/simple", ObjectAttributes: ["ObjectSize"] }));
    expect({ etag: some.ETag, size: some.ObjectSize, storage: some.StorageClass }).toEqual({ etag: undefined, size: 12345, storage: undefined });
    expect(await s3Failure(attributes(0, "attrs/missing"))).toEqual({ name: "NoSuchKey", status: 404 });
    const url = `${endpoints[0]}/${Bucket}/attrs/simple?attributes`;
    const bad = await signedFetch("GET", url, { accessKey: KEY, secretKey: SECRET }, undefined, { headers: { "x-amz-object-attributes": "Colour" } });
    expect({ status: bad.status, code: /<Code>(\w+)<\/Code>/.exec(await bad.text())?.[1] }).toEqual({ status: 400, code: "InvalidArgument" });
  });

  test("a multipart object: its parts with their sizes, paged by max-parts and part-number-marker", async () => {
    const Key = "attrs/multi";
    const sizes = [5 * MiB, 5 * MiB + 3, 777];
    const { UploadId } = await s3[0]!.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const Parts = [];
    for (const [i, size] of sizes.entries()) {
      const { ETag } = await s3[i]!.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1, Body: randomBytes(size) }));
      Parts.push({ PartNumber: i + 1, ETag });
    }
    const done = await s3[0]!.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts } }));
    const all = await attributes(1, Key);
    expect(all.ETag).toBe(done.ETag!.replace(/"/g, ""));
    expect(all.ObjectSize).toBe(sizes.reduce((a, b) => a + b, 0));
    expect(all.ObjectParts).toMatchObject({ TotalPartsCount: 3, IsTruncated: false, PartNumberMarker: "0", NextPartNumberMarker: "3" });
    expect(all.ObjectParts!.Parts!.map((p) => [p.PartNumber, p.Size])).toEqual([[1, sizes[0]], [2, sizes[1]], [3, sizes[2]]]);
    const first = await attributes(2, Key, { MaxParts: 2 });
    expect(first.ObjectParts).toMatchObject({ TotalPartsCount: 3, IsTruncated: true, MaxParts: 2, NextPartNumberMarker: "2" });
    expect(first.ObjectParts!.Parts!.map((p) => p.PartNumber)).toEqual([1, 2]);
    const rest = await attributes(0, Key, { MaxParts: 2, PartNumberMarker: first.ObjectParts!.NextPartNumberMarker });
    expect(rest.ObjectParts).toMatchObject({ IsTruncated: false, PartNumberMarker: "2", NextPartNumberMarker: "3" });
    expect(rest.ObjectParts!.Parts!.map((p) => [p.PartNumber, p.Size])).toEqual([[3, 777]]);
  });
});
