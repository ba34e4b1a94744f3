// The S3 API of a real node through @aws-sdk/client-s3, its checks of who sends and what: presigned URLs,
// signatures (headers, aws-chunked chunk signatures, trailers), body integrity (x-amz-content-sha256,
// Content-MD5), and a large streamed body held in bounded memory.
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { PassThrough } from "node:stream";
import { crc32 } from "node:zlib";
import { GetObjectCommand, HeadObjectCommand, ListBucketsCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { getBytes, randomBytes, sha256, type TestCluster } from "../harness/cluster.ts";
import { s3ClusterFor, s3Failure } from "./s3-cluster.ts";
import { chunkedPut, signedFetch, streamedChunkedPut, unsignedTrailerPut } from "./raw-client.ts";

const creds = { accessKey: "sdk-auth-key", secretKey: "sdk-auth-secret-0123456789" };
const f = s3ClusterFor("data", { key: creds.accessKey, secret: creds.secretKey }, 1, { LOG_LEVEL: process.env.S3_TEST_LOG_LEVEL ?? "info" });
let cluster: TestCluster;
let endpoint: string;
let url: string;
let s3: S3Client;
beforeAll(() => {
  cluster = f.cluster;
  endpoint = f.endpoints[0]!;
  url = cluster.nodes[0]!.url;
  s3 = f.s3[0]!;
});
const clientFor = (secretAccessKey: string, accessKeyId = creds.accessKey) =>
  new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });
const md5 = (b: Uint8Array) => new Bun.CryptoHasher("md5").update(b).digest("hex");

describe("presigned URLs", () => {
  test("GET and PUT through presigned URLs; an expired or altered one is refused", async () => {
    const data = randomBytes(5000);
    const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: "data", Key: "presigned/x.bin" }), { expiresIn: 300 });
    expect((await fetch(putUrl, { method: "PUT", body: data })).status).toBe(200);
    const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: "data", Key: "presigned/x.bin" }), { expiresIn: 300 });
    const res = await fetch(getUrl);
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(data);
    const ranged = await fetch(getUrl, { headers: { range: "bytes=0-9" } });
    expect(ranged.status).toBe(206);
    const expired = await getSignedUrl(s3, new GetObjectCommand({ Bucket: "data", Key: "presigned/x.bin" }), {
      expiresIn: 60,
      signingDate: new Date(Date.now() - 120_000),
    });
    const old = await fetch(expired);
    expect(old.status).toBe(403);
    expect(await old.text()).toContain("<Code>AccessDenied</Code>");
    const altered = await fetch(getUrl.replace("presigned/x.bin", "presigned/y.bin"));
    expect(altered.status).toBe(403);
    expect(await altered.text()).toContain("<Code>SignatureDoesNotMatch</Code>");
    // A tampered signature, whatever its form, is S3's 403 SignatureDoesNotMatch, not a malformed URL.
    const sig = new URL(getUrl).searchParams.get("X-Amz-Signature")!;
    const flip = (c: string) => (c === "0" ? "1" : "0");
    for (const tampered of [`${sig.slice(0, -1)}${flip(sig.at(-1)!)}`, `${sig.slice(0, -1)}z`, sig.slice(0, 20), sig.toUpperCase()]) {
      const res = await fetch(getUrl.replace(`X-Amz-Signature=${sig}`, `X-Amz-Signature=${tampered}`));
      expect({ tampered, status: res.status }).toEqual({ tampered, status: 403 });
      expect(await res.text()).toContain("<Code>SignatureDoesNotMatch</Code>");
    }
  });
});

describe("authentication and body integrity", () => {
  test("a wrong secret is SignatureDoesNotMatch, an unknown key InvalidAccessKeyId, an unsigned request AccessDenied", async () => {
    expect(await s3Failure(clientFor("wrong-secret-000").send(new ListBucketsCommand({})))).toEqual({ name: "SignatureDoesNotMatch", status: 403 });
    expect(await s3Failure(clientFor(creds.secretKey, "nobody").send(new ListBucketsCommand({})))).toEqual({ name: "InvalidAccessKeyId", status: 403 });
    const res = await fetch(`${endpoint}/data/docs/report.bin`);
    expect(res.status).toBe(403);
    const text = await res.text();
    expect(text).toContain("<Code>AccessDenied</Code>");
    expect(text).toMatch(/<Message>[^<]+<\/Message>/);
  });

  test("an aws-chunked body with chunk signatures is decoded; a tampered chunk commits nothing", async () => {
    const chunks = [randomBytes(64 * 1024), randomBytes(64 * 1024), randomBytes(1000)];
    const ok = await chunkedPut(`${endpoint}/data/chunked/ok.bin`, creds, chunks);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("etag")).toBe(`"${md5(Buffer.concat(chunks))}"`);
    expect(sha256(await getBytes(url, "data/chunked/ok.bin"))).toBe(sha256(Buffer.concat(chunks)));
    const bad = await chunkedPut(`${endpoint}/data/chunked/bad.bin`, creds, chunks, (i, d) => (i === 1 ? Buffer.concat([d.subarray(0, -1), Buffer.from([d[d.length - 1]! ^ 1])]) : d));
    expect(bad.status).toBe(403);
    expect(await bad.text()).toContain("<Code>SignatureDoesNotMatch</Code>");
    expect((await fetch(`${url}/api/files/data/chunked/bad.bin`)).status).toBe(404);
  });

  test("a streamed SDK body (aws-chunked, unsigned, CRC32 trailer) is stored; a wrong trailer commits nothing", async () => {
    const data = randomBytes(200_000);
    const stream = new PassThrough();
    const sent = s3.send(new PutObjectCommand({ Bucket: "data", Key: "streamed/sdk.bin", Body: stream, ContentLength: data.length }));
    stream.end(Buffer.from(data));
    expect((await sent).ETag).toBe(`"${md5(data)}"`);
    expect(sha256(await getBytes(url, "data/streamed/sdk.bin"))).toBe(sha256(data));
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(data));
    expect((await unsignedTrailerPut(`${endpoint}/data/streamed/raw.bin`, creds, data, crc.toString("base64"))).status).toBe(200);
    crc.writeUInt32BE((crc32(data) ^ 1) >>> 0);
    const bad = await unsignedTrailerPut(`${endpoint}/data/streamed/bad.bin`, creds, data, crc.toString("base64"));
    expect(await bad.text()).toContain("<Code>BadDigest</Code>");
    expect((await fetch(`${url}/api/files/data/streamed/bad.bin`)).status).toBe(404);
  });

  test("a body that does not match x-amz-content-sha256 or Content-MD5 commits nothing", async () => {
    const data = randomBytes(10_000);
    const lie = await signedFetch("PUT", `${endpoint}/data/integrity/sha.bin`, creds, data, { payloadHash: sha256(randomBytes(10)) });
    expect(lie.status).toBe(400);
    expect(await lie.text()).toContain("<Code>XAmzContentSHA256Mismatch</Code>");
    expect((await fetch(`${url}/api/files/data/integrity/sha.bin`)).status).toBe(404);
    const badMd5 = await signedFetch("PUT", `${endpoint}/data/integrity/md5.bin`, creds, data, {
      headers: { "content-md5": Buffer.from(md5(randomBytes(10)), "hex").toString("base64") },
    });
    expect(await badMd5.text()).toContain("<Code>BadDigest</Code>");
    expect((await fetch(`${url}/api/files/data/integrity/md5.bin`)).status).toBe(404);
  });
});

describe("bounded memory", () => {
  test("a 256 MiB aws-chunked PutObject streams through: the node's memory grows by far less than the body", async () => {
    const pid = cluster.nodes[0]!.proc!.pid;
    const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;
    const block = randomBytes(1024 * 1024);
    const chunkOf = (i: number) => {
      const c = Buffer.from(block);
      c.writeUInt32BE(i); // every chunk distinct, so every one is really stored
      return c;
    };
    // A 64 MiB upload first: what any first large upload costs once (heap and allocator segments, buffers the
    // runtime keeps) is not growth with the body, and left in it made the bound depend on what ran before.
    const warm = await streamedChunkedPut(`${endpoint}/data/warm-up.bin`, creds, 64, block.length, (i) => chunkOf(100_000 + i));
    expect(warm.status).toBe(200);
    const before = rss();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rss())), 20);
    const res = await streamedChunkedPut(`${endpoint}/data/huge.bin`, creds, 256, block.length, chunkOf);
    clearInterval(sampler);
    expect(res.status).toBe(200);
    const head = await s3.send(new HeadObjectCommand({ Bucket: "data", Key: "huge.bin" }));
    expect(head.ContentLength).toBe(256 * 1024 * 1024);
    console.log(`node RSS before ${(before / 2 ** 20).toFixed(0)} MiB, peak during the upload ${(peak / 2 ** 20).toFixed(0)} MiB`);
    expect(peak - before).toBeLessThan(96 * 1024 * 1024);
  });
});
