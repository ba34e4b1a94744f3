// The S3 API of a real node through @aws-sdk/client-s3: buckets, objects, ranges, copies, listings,
// multipart uploads, and that S3 and the files API see one tree (presigned URLs, signatures and body
// integrity: sdk-auth.test.ts; server-side encryption refused: sse-refused.test.ts).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketAclCommand,
  GetBucketLocationCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { getBytes, put, randomBytes, sha256, TestCluster } from "../harness/cluster.ts";
import { freePort } from "../harness/ports.ts";
import { s3Failure } from "./s3-cluster.ts";
import { signedFetch } from "./raw-client.ts";

const creds = { accessKey: "sdk-test-key", secretKey: "sdk-test-secret-0123456789" };
let cluster: TestCluster;
let endpoint: string;
let url: string;
let s3: S3Client;

const clientFor = (secretAccessKey: string, accessKeyId = creds.accessKey) =>
  new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });
const md5 = (b: Uint8Array) => new Bun.CryptoHasher("md5").update(b).digest("hex");
const bodyOf = async (out: { Body?: unknown }) => new Uint8Array(await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
beforeAll(async () => {
  const s3Port = await freePort();
  cluster = await TestCluster.start(1, { env: { S3_PORT: String(s3Port), S3_CREDENTIALS: `${creds.accessKey}:${creds.secretKey}`, LOG_LEVEL: process.env.S3_TEST_LOG_LEVEL ?? "info" } });
  url = cluster.nodes[0]!.url;
  endpoint = `http://127.0.0.1:${s3Port}`;
  s3 = clientFor(creds.secretKey);
  await s3.send(new CreateBucketCommand({ Bucket: "data" }));
});
afterAll(async () => {
  await cluster?.stop();
});

describe("buckets", () => {
  test("create, head, list, location, ACL, and the errors around them", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "photos" }));
    await s3.send(new HeadBucketCommand({ Bucket: "photos" }));
    const names = (await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name);
    expect(names).toContain("photos");
    expect((await s3.send(new GetBucketLocationCommand({ Bucket: "photos" }))).LocationConstraint).toBeFalsy();
    const acl = await s3.send(new GetBucketAclCommand({ Bucket: "photos" }));
    expect(acl.Grants?.[0]?.Permission).toBe("FULL_CONTROL");
    // Creating a bucket one already owns answers 200 in us-east-1 (S3's default region, and this API's),
    // not 409 BucketAlreadyOwnedByYou as in other regions: the earlier expectation of a 409 was not AWS's answer.
    const again = await s3.send(new CreateBucketCommand({ Bucket: "photos" }));
    expect(again.$metadata.httpStatusCode).toBe(200);
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.filter((b) => b.Name === "photos")).toHaveLength(1);
    // A file at the top of the tree is no bucket of ours, and takes the name.
    expect((await put(url, "top-level-file", "x")).status).toBe(201);
    expect(await s3Failure(s3.send(new CreateBucketCommand({ Bucket: "top-level-file" })))).toEqual({ name: "BucketAlreadyExists", status: 409 });
    expect(await s3Failure(s3.send(new CreateBucketCommand({ Bucket: "Bad_Name" })))).toEqual({ name: "InvalidBucketName", status: 400 });
    expect((await s3Failure(s3.send(new HeadBucketCommand({ Bucket: "nope" })))).status).toBe(404);
    expect(await s3Failure(s3.send(new ListObjectsV2Command({ Bucket: "nope" })))).toEqual({ name: "NoSuchBucket", status: 404 });
    // A bucket is a top-level directory in the files API.
    expect((await fetch(`${url}/api/files/photos`)).status).toBe(200);
  });

  test("ListBuckets pages: max-buckets, continuation tokens, prefix, bucket-region", async () => {
    const names = ["page-a", "page-b", "page-c", "page-d", "page-e"];
    for (const Bucket of names) await s3.send(new CreateBucketCommand({ Bucket }));
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await s3.send(new ListBucketsCommand({ Prefix: "page-", MaxBuckets: 2, ContinuationToken: token }));
      expect(page.Prefix).toBe("page-");
      expect(page.Buckets!.length).toBeLessThanOrEqual(2);
      seen.push(...page.Buckets!.map((b) => b.Name!));
      token = page.ContinuationToken;
      pages++;
    } while (token);
    expect({ seen, pages }).toEqual({ seen: names, pages: 3 });
    // The whole list stays one answer without paging parameters; with a page size, the rest is announced.
    const all = await s3.send(new ListBucketsCommand({}));
    expect(all.ContinuationToken).toBeUndefined();
    const first = await s3.send(new ListBucketsCommand({ MaxBuckets: 1 }));
    expect({ count: first.Buckets?.length, more: first.ContinuationToken !== undefined, name: first.Buckets?.[0]?.Name }).toEqual({
      count: 1,
      more: true,
      name: all.Buckets![0]!.Name,
    });
    expect((await s3.send(new ListBucketsCommand({ Prefix: "page-c" }))).Buckets?.map((b) => [b.Name, b.BucketRegion])).toEqual([["page-c", "us-east-1"]]);
    expect((await s3.send(new ListBucketsCommand({ BucketRegion: "eu-west-1" }))).Buckets ?? []).toEqual([]);
    for (const query of ["max-buckets=0", "max-buckets=x", "continuation-token=not-ours"]) {
      const res = await signedFetch("GET", `${endpoint}/?${query}`, creds);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expect(await res.text()).toContain("<Code>InvalidArgument</Code>");
    }
  });

  test("delete refuses a bucket with objects, then removes the empty one", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "short-lived" }));
    await s3.send(new PutObjectCommand({ Bucket: "short-lived", Key: "deep/down/x", Body: "x" }));
    expect(await s3Failure(s3.send(new DeleteBucketCommand({ Bucket: "short-lived" })))).toEqual({ name: "BucketNotEmpty", status: 409 });
    await s3.send(new DeleteObjectCommand({ Bucket: "short-lived", Key: "deep/down/x" }));
    await s3.send(new DeleteBucketCommand({ Bucket: "short-lived" }));
    expect((await fetch(`${url}/api/files/short-lived`)).status).toBe(404);
  });
});

describe("objects", () => {
  const body = randomBytes(300_000);

  test("PutObject answers the MD5 as ETag; GetObject, HeadObject and Range read it back", async () => {
    const putOut = await s3.send(new PutObjectCommand({ Bucket: "data", Key: "docs/report.bin", Body: body }));
    expect(putOut.ETag).toBe(`"${md5(body)}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: "data", Key: "docs/report.bin" }));
    expect(got.ETag).toBe(`"${md5(body)}"`);
    expect(sha256(await bodyOf(got))).toBe(sha256(body));
    const head = await s3.send(new HeadObjectCommand({ Bucket: "data", Key: "docs/report.bin" }));
    expect(head.ContentLength).toBe(body.length);
    const range = await s3.send(new GetObjectCommand({ Bucket: "data", Key: "docs/report.bin", Range: "bytes=1000-1999" }));
    expect(range.ContentRange).toBe(`bytes 1000-1999/${body.length}`);
    expect(await bodyOf(range)).toEqual(body.subarray(1000, 2000));
    const tail = await s3.send(new GetObjectCommand({ Bucket: "data", Key: "docs/report.bin", Range: "bytes=-10" }));
    expect(await bodyOf(tail)).toEqual(body.subarray(body.length - 10));
    expect((await s3Failure(s3.send(new GetObjectCommand({ Bucket: "data", Key: "docs/report.bin", Range: "bytes=999999-" })))).status).toBe(416);
    expect(await s3Failure(s3.send(new GetObjectCommand({ Bucket: "data", Key: "docs/missing" })))).toEqual({ name: "NoSuchKey", status: 404 });
    expect((await s3Failure(s3.send(new HeadObjectCommand({ Bucket: "data", Key: "docs/missing" })))).status).toBe(404);
    expect((await s3Failure(s3.send(new GetObjectCommand({ Bucket: "data", Key: "docs/report.bin", IfNoneMatch: `"${md5(body)}"` })))).status).toBe(304);
    const acl = await s3.send(new GetObjectAclCommand({ Bucket: "data", Key: "docs/report.bin" }));
    expect(acl.Grants?.[0]?.Permission).toBe("FULL_CONTROL");
  });

  test("S3 and the files API see the same tree, both ways", async () => {
    await s3.send(new PutObjectCommand({ Bucket: "data", Key: "shared/from-s3.bin", Body: body }));
    expect(sha256(await getBytes(url, "data/shared/from-s3.bin"))).toBe(sha256(body));
    const other = randomBytes(12_345);
    expect((await put(url, "data/shared/from-api.bin", other)).status).toBe(201);
    const got = await s3.send(new GetObjectCommand({ Bucket: "data", Key: "shared/from-api.bin" }));
    expect(await bodyOf(got)).toEqual(other);
    // The files API names content by SHA-256 and skips the MD5 (the slowest hash): S3 shows its ETag in the
    // multipart form, which clients know not to compare with an MD5 of their own; conditions work on it.
    expect(got.ETag).toBe(`"${sha256(other).slice(0, 32)}-1"`);
    const unchanged = s3.send(new GetObjectCommand({ Bucket: "data", Key: "shared/from-api.bin", IfNoneMatch: got.ETag }));
    expect((await s3Failure(unchanged)).status).toBe(304);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: "data", Prefix: "shared/" }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(["shared/from-api.bin", "shared/from-s3.bin"]);
  });

  test("CopyObject makes a new object from the same chunks", async () => {
    const out = await s3.send(new CopyObjectCommand({ Bucket: "data", Key: "copies/report.bin", CopySource: "data/docs/report.bin" }));
    expect(out.CopyObjectResult?.ETag).toBe(`"${md5(body)}"`);
    expect(sha256(await getBytes(url, "data/copies/report.bin"))).toBe(sha256(body));
    const stat = async (p: string) => ((await (await fetch(`${url}/api/stat/${p}`)).json()) as { chunks: unknown[] }).chunks;
    expect(await stat("data/copies/report.bin")).toEqual(await stat("data/docs/report.bin"));
    expect((await s3Failure(s3.send(new CopyObjectCommand({ Bucket: "data", Key: "x", CopySource: "data/nothing" })))).name).toBe("NoSuchKey");
  });

  test("DeleteObject and DeleteObjects; emptied directories go with the last key", async () => {
    for (const k of ["trash/a/1", "trash/a/2", "trash/b"]) await s3.send(new PutObjectCommand({ Bucket: "data", Key: k, Body: k }));
    await s3.send(new DeleteObjectCommand({ Bucket: "data", Key: "trash/b" }));
    await s3.send(new DeleteObjectCommand({ Bucket: "data", Key: "trash/never-there" }));
    const out = await s3.send(
      new DeleteObjectsCommand({ Bucket: "data", Delete: { Objects: [{ Key: "trash/a/1" }, { Key: "trash/a/2" }, { Key: "trash/gone" }] } }),
    );
    expect(out.Deleted?.map((d) => d.Key).sort()).toEqual(["trash/a/1", "trash/a/2", "trash/gone"]);
    expect(out.Errors ?? []).toEqual([]);
    expect((await fetch(`${url}/api/files/data/trash`)).status).toBe(404);
  });

  test("keys with spaces, '+', '%', parentheses and non-ASCII sign, store and list as they are", async () => {
    const key = "odd names/a b+c%20d (1) ü€.txt";
    await s3.send(new PutObjectCommand({ Bucket: "data", Key: key, Body: "odd" }));
    expect(new TextDecoder().decode(await bodyOf(await s3.send(new GetObjectCommand({ Bucket: "data", Key: key }))))).toBe("odd");
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: "data", Prefix: "odd names/" }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual([key]);
    const encoded = await s3.send(new ListObjectsV2Command({ Bucket: "data", Prefix: "odd names/", EncodingType: "url" }));
    expect(encoded.Contents?.map((o) => decodeURIComponent(o.Key!))).toEqual([key]);
    expect(new TextDecoder().decode(await getBytes(url, `data/${key.split("/").map(encodeURIComponent).join("/")}`))).toBe("odd");
    await s3.send(new CopyObjectCommand({ Bucket: "data", Key: `${key}.copy`, CopySource: encodeURIComponent(`data/${key}`) }));
    expect((await s3.send(new HeadObjectCommand({ Bucket: "data", Key: `${key}.copy` }))).ContentLength).toBe(3);
  });

  test("a key ending in '/' is a directory marker", async () => {
    await s3.send(new PutObjectCommand({ Bucket: "data", Key: "empty-folder/", Body: "" }));
    expect(((await (await fetch(`${url}/api/files/data/empty-folder`)).json()) as { kind: string }).kind).toBe("dir");
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: "data", Prefix: "empty-folder/" }));
    expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([["empty-folder/", 0]]);
    await s3.send(new DeleteObjectCommand({ Bucket: "data", Key: "empty-folder/" }));
    expect((await fetch(`${url}/api/files/data/empty-folder`)).status).toBe(404);
  });
});

describe("listings", () => {
  const keys = ["l/a/1", "l/a/2", "l/a-b", "l/b/1", "l/c", "l/d", "l/e.txt"];
  beforeAll(async () => {
    await Promise.all(keys.map((Key) => s3.send(new PutObjectCommand({ Bucket: "data", Key, Body: Key }))));
  });

  test("ListObjectsV2: prefix and delimiter, in byte order ('a-b' before 'a/')", async () => {
    const out = await s3.send(new ListObjectsV2Command({ Bucket: "data", Prefix: "l/", Delimiter: "/" }));
    expect(out.Contents?.map((o) => o.Key)).toEqual(["l/a-b", "l/c", "l/d", "l/e.txt"]);
    expect(out.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["l/a/", "l/b/"]);
    expect(out.KeyCount).toBe(6);
    const all = await s3.send(new ListObjectsV2Command({ Bucket: "data", Prefix: "l/" }));
    expect(all.Contents?.map((o) => o.Key)).toEqual(["l/a-b", "l/a/1", "l/a/2", "l/b/1", "l/c", "l/d", "l/e.txt"]);
  });

  test("ListObjectsV2 pages with continuation tokens, ListObjects with markers", async () => {
    for (const Delimiter of [undefined, "/"]) {
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: "data", Prefix: "l/", Delimiter, MaxKeys: 2, ContinuationToken: token }));
        expect((page.Contents?.length ?? 0) + (page.CommonPrefixes?.length ?? 0)).toBeLessThanOrEqual(2);
        seen.push(...(page.Contents ?? []).map((o) => o.Key!), ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      const want = Delimiter ? ["l/a-b", "l/a/", "l/b/", "l/c", "l/d", "l/e.txt"] : ["l/a-b", "l/a/1", "l/a/2", "l/b/1", "l/c", "l/d", "l/e.txt"];
      expect(seen.sort()).toEqual([...want].sort());
    }
    const v1 = await s3.send(new ListObjectsCommand({ Bucket: "data", Prefix: "l/", Marker: "l/b/1", MaxKeys: 2 }));
    expect(v1.Contents?.map((o) => o.Key)).toEqual(["l/c", "l/d"]);
    expect(v1.IsTruncated).toBe(true);
    const after = await s3.send(new ListObjectsV2Command({ Bucket: "data", Prefix: "l/", StartAfter: "l/d" }));
    expect(after.Contents?.map((o) => o.Key)).toEqual(["l/e.txt"]);
  });

  test("an empty or foreign continuation token is S3's InvalidArgument, naming the argument", async () => {
    // S3 refuses an empty token rather than reading it as none (MinIO does the same); clients send one
    // only when they pass an empty string on.
    expect(await s3Failure(s3.send(new ListObjectsV2Command({ Bucket: "data", Prefix: "l/", ContinuationToken: "" })))).toEqual({
      name: "InvalidArgument",
      status: 400,
    });
    for (const token of ["", "abc"]) {
      const res = await signedFetch("GET", `${endpoint}/data?list-type=2&continuation-token=${token}`, creds);
      expect(res.status).toBe(400);
      const text = await res.text();
      expect(text).toContain("<Code>InvalidArgument</Code>");
      expect(text).toContain("<ArgumentName>continuation-token</ArgumentName>");
    }
  });

  test("ListObjectVersions lists each key once, version null", async () => {
    const out = await s3.send(new ListObjectVersionsCommand({ Bucket: "data", Prefix: "l/a/" }));
    expect(out.Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest])).toEqual([
      ["l/a/1", "null", true],
      ["l/a/2", "null", true],
    ]);
  });
});

describe("multipart uploads", () => {
  // Parts that are not a multiple of the 1 MiB chunk size, so the object's chunks vary in size.
  const parts = [randomBytes(5 * 1024 * 1024 + 1000), randomBytes(5 * 1024 * 1024 + 1000), randomBytes(5 * 1024 * 1024 + 1000), randomBytes(1234)];
  const whole = Buffer.concat(parts);

  test("create, upload parts, list them, complete: the object is the parts, with S3's multipart ETag", async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: "data", Key: "big/object.bin" }));
    const etags = await Promise.all(
      parts.map(async (Body, i) => (await s3.send(new UploadPartCommand({ Bucket: "data", Key: "big/object.bin", UploadId, PartNumber: i + 1, Body }))).ETag!),
    );
    expect(etags).toEqual(parts.map((p) => `"${md5(p)}"`));
    const listed = await s3.send(new ListPartsCommand({ Bucket: "data", Key: "big/object.bin", UploadId }));
    expect(listed.Parts?.map((p) => [p.PartNumber, p.Size])).toEqual(parts.map((p, i) => [i + 1, p.length]));
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: "data" }));
    expect(uploads.Uploads?.map((u) => u.UploadId)).toContain(UploadId);
    // Staging is invisible to S3 listings.
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).not.toContain(".s3-uploads");

    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: "data",
        Key: "big/object.bin",
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
    const expected = new Bun.CryptoHasher("md5").update(Buffer.concat(parts.map((p) => Buffer.from(md5(p), "hex")))).digest("hex");
    expect(done.ETag).toBe(`"${expected}-4"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: "data", Key: "big/object.bin" }));
    expect(sha256(await bodyOf(got))).toBe(sha256(whole));
    // A range across the first part boundary (and across chunks of different sizes).
    const start = 5 * 1024 * 1024 - 10;
    const range = await s3.send(new GetObjectCommand({ Bucket: "data", Key: "big/object.bin", Range: `bytes=${start}-${start + 2000}` }));
    expect(await bodyOf(range)).toEqual(whole.subarray(start, start + 2001));
    // The files API reads the same bytes and reports the whole content's SHA-256.
    const apiGet = await fetch(`${url}/api/files/data/big/object.bin`);
    expect(apiGet.headers.get("etag")).toBe(`"${sha256(whole)}"`);
    expect(sha256(new Uint8Array(await apiGet.arrayBuffer()))).toBe(sha256(whole));
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: "data" }))).Uploads?.map((u) => u.UploadId) ?? []).not.toContain(UploadId);
  });

  test("UploadPartCopy takes a range of an existing object", async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: "data", Key: "big/copied.bin" }));
    const first = await s3.send(
      new UploadPartCopyCommand({ Bucket: "data", Key: "big/copied.bin", UploadId, PartNumber: 1, CopySource: "data/big/object.bin", CopySourceRange: `bytes=0-${5 * 1024 * 1024}` }),
    );
    const tail = randomBytes(100);
    const second = await s3.send(new UploadPartCommand({ Bucket: "data", Key: "big/copied.bin", UploadId, PartNumber: 2, Body: tail }));
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: "data",
        Key: "big/copied.bin",
        UploadId,
        MultipartUpload: { Parts: [{ ETag: first.CopyPartResult!.ETag, PartNumber: 1 }, { ETag: second.ETag, PartNumber: 2 }] },
      }),
    );
    const got = await bodyOf(await s3.send(new GetObjectCommand({ Bucket: "data", Key: "big/copied.bin" })));
    expect(sha256(got)).toBe(sha256(Buffer.concat([whole.subarray(0, 5 * 1024 * 1024 + 1), tail])));
  });

  test("abort, and the errors: wrong ETag, a small middle part, an unknown upload", async () => {
    const key = "big/aborted.bin";
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: "data", Key: key }));
    const a = await s3.send(new UploadPartCommand({ Bucket: "data", Key: key, UploadId, PartNumber: 1, Body: randomBytes(1000) }));
    const b = await s3.send(new UploadPartCommand({ Bucket: "data", Key: key, UploadId, PartNumber: 2, Body: randomBytes(1000) }));
    const complete = (Parts: Array<{ ETag?: string; PartNumber: number }>) =>
      s3.send(new CompleteMultipartUploadCommand({ Bucket: "data", Key: key, UploadId, MultipartUpload: { Parts } }));
    expect((await s3Failure(complete([{ ETag: '"0123"', PartNumber: 1 }]))).name).toBe("InvalidPart");
    expect((await s3Failure(complete([{ ETag: b.ETag, PartNumber: 2 }, { ETag: a.ETag, PartNumber: 1 }]))).name).toBe("InvalidPartOrder");
    expect((await s3Failure(complete([{ ETag: a.ETag, PartNumber: 1 }, { ETag: b.ETag, PartNumber: 2 }]))).name).toBe("EntityTooSmall");
    await s3.send(new AbortMultipartUploadCommand({ Bucket: "data", Key: key, UploadId }));
    expect((await s3Failure(s3.send(new UploadPartCommand({ Bucket: "data", Key: key, UploadId, PartNumber: 3, Body: "x" })))).name).toBe("NoSuchUpload");
    expect((await s3Failure(s3.send(new ListPartsCommand({ Bucket: "data", Key: key, UploadId })))).name).toBe("NoSuchUpload");
    expect((await s3Failure(s3.send(new HeadObjectCommand({ Bucket: "data", Key: key })))).status).toBe(404);
  });
});
