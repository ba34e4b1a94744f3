// Multipart uploads as clients really use them, on one node through @aws-sdk/client-s3: a Complete
// retried after it succeeded, two uploads of one part number racing, reads of one part
// (GetObject/HeadObject ?partNumber=N), UploadPartCopy ranges past the source, and the object's
// SHA-256 computed as the parts arrive (Complete reads back only what it has to).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { PassThrough } from "node:stream";
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { randomBytes, sha256, TestCluster } from "../harness/cluster.ts";
import { freePort } from "../harness/ports.ts";
import { signedFetch } from "./raw-client.ts";
import { s3Failure } from "./s3-cluster.ts";

const creds = { accessKey: "parts-key", secretKey: "parts-secret-0123456789" };
let cluster: TestCluster;
let endpoint: string;
let s3: S3Client;
const Bucket = "parts";
const MiB = 1024 * 1024;

const md5 = (b: Uint8Array) => new Bun.CryptoHasher("md5").update(b).digest("hex");
const multipartEtag = (parts: Uint8Array[]) =>
  `"${new Bun.CryptoHasher("md5").update(Buffer.concat(parts.map((p) => Buffer.from(md5(p), "hex")))).digest("hex")}-${parts.length}"`;
const bodyOf = async (out: { Body?: unknown }) => new Uint8Array(await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());

/** Creates an upload of `parts` at `Key` and completes it; returns the upload id and the Complete's answer. */
async function multipartObject(Key: string, parts: Uint8Array[]) {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
  const etags: string[] = [];
  for (const [i, Body] of parts.entries()) etags.push((await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1, Body }))).ETag!);
  const Parts = etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 }));
  const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts } }));
  return { UploadId: UploadId!, Parts, done };
}

beforeAll(async () => {
  const s3Port = await freePort();
  cluster = await TestCluster.start(1, { env: { S3_PORT: String(s3Port), S3_CREDENTIALS: `${creds.accessKey}:${creds.secretKey}` } });
  endpoint = `http://127.0.0.1:${s3Port}`;
  s3 = new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: creds.accessKey, secretAccessKey: creds.secretKey },
    maxAttempts: 1,
  });
  await s3.send(new CreateBucketCommand({ Bucket }));
});
afterAll(async () => {
  await cluster?.stop();
});

describe("CompleteMultipartUpload retried", () => {
  test("a second Complete with the same parts answers 200 and the same ETag; other parts or another upload id do not", async () => {
    const Key = "retry/object.bin";
    const parts = [randomBytes(5 * MiB + 17), randomBytes(999)];
    const { UploadId, Parts, done } = await multipartObject(Key, parts);
    expect(done.ETag).toBe(multipartEtag(parts));
    // A client whose connection broke before it read the first answer sends the same request again.
    const again = await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts } }));
    expect({ etag: again.ETag, bucket: again.Bucket, key: again.Key }).toEqual({ etag: done.ETag, bucket: Bucket, key: Key });
    // It changed nothing: the object is still the parts.
    expect(sha256(await bodyOf(await s3.send(new GetObjectCommand({ Bucket, Key }))))).toBe(sha256(Buffer.concat(parts)));
    // Not the same parts, or not this upload: the upload is gone.
    const fewer = [Parts[0]!];
    expect(await s3Failure(s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: fewer } })))).toEqual({
      name: "NoSuchUpload",
      status: 404,
    });
    const other = `${UploadId.slice(0, -4)}0000`;
    expect(await s3Failure(s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId: other, MultipartUpload: { Parts } })))).toEqual({
      name: "NoSuchUpload",
      status: 404,
    });
    // Once the key is overwritten, the upload's object is no longer there to confirm.
    const put = await s3.send(new PutObjectCommand({ Bucket, Key, Body: "replaced" }));
    const late = await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts } })).then(
      async (ok) => ({ answered: ok.$metadata.httpStatusCode, etag: ok.ETag, put: put.ETag, row: await fullStatOf(`${Bucket}/${Key}`) }),
      (err: { name: string }) => err.name,
    );
    // Failed once in CI (answered 200); what the row held then is in the failure's diff.
    expect(late).toBe("NoSuchUpload");
  });
});

/** The files API's record of an object: its size and the SHA-256 the manifest keeps. */
async function statOf(path: string): Promise<{ size: number; sha256: string }> {
  const res = await fetch(`${cluster.nodes[0]!.url}/api/stat/${path}`, { headers: cluster.nodes[0]!.headers });
  expect(res.status).toBe(200);
  return (await res.json()) as { size: number; sha256: string };
}

/** Everything the files API says of an entry (for a failure's diff). */
async function fullStatOf(path: string): Promise<unknown> {
  const res = await fetch(`${cluster.nodes[0]!.url}/api/stat/${path}`, { headers: cluster.nodes[0]!.headers });
  return { status: res.status, body: await res.json() };
}

/** Overwrites the node's copy of every chunk of `data` (cut at the cluster's 1 MiB) with other bytes. */
function damageChunksOf(data: Uint8Array): number {
  let damaged = 0;
  for (let o = 0; o < data.length; o += MiB) {
    const file = cluster.nodes[0]!.chunkPath(sha256(data.subarray(o, o + MiB)));
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.map((b) => b ^ 0xff));
    damaged++;
  }
  return damaged;
}

describe("the object's SHA-256 as its parts arrive", () => {
  // A probe of what Complete reads: every chunk copy of the parts is damaged before it. Reading a part back
  // would find the damage (no other node has a copy here) and fail; hashed as they arrived, none is read.
  test("parts sent in order, or one ahead of the other, are not read back by Complete; the object's SHA-256 is its bytes'", async () => {
    for (const order of [[1, 2, 3], [2, 1, 3]]) {
      const Key = `arrival/${order.join("")}.bin`;
      const parts = [randomBytes(5 * MiB + 11), randomBytes(5 * MiB), randomBytes(777)];
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
      const etags: string[] = [];
      if (order[0] === 2) {
        // Part 2 starts first and is still arriving when part 1 is sent whole: it waits in memory for part 1.
        const stream = new PassThrough();
        stream.write(Buffer.from(parts[1]!.subarray(0, MiB)));
        const second = s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 2, Body: stream, ContentLength: parts[1]!.length }));
        await Bun.sleep(300);
        etags[0] = (await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: parts[0] }))).ETag!;
        stream.end(Buffer.from(parts[1]!.subarray(MiB)));
        etags[1] = (await second).ETag!;
      } else {
        for (const i of [0, 1]) etags[i] = (await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1, Body: parts[i] }))).ETag!;
      }
      etags[2] = (await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 3, Body: parts[2] }))).ETag!;
      expect(parts.reduce((n, p) => n + damageChunksOf(p), 0)).toBe(6 + 5 + 1);
      const Parts = etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 }));
      const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts } }));
      expect(done.ETag).toBe(multipartEtag(parts));
      expect(await statOf(`${Bucket}/${Key}`)).toMatchObject({ size: 10 * MiB + 11 + 777, sha256: sha256(Buffer.concat(parts)) });
    }
  });

  test("a part replaced after it was hashed is read back: the SHA-256 is the parts' that make the object", async () => {
    const Key = "arrival/replaced.bin";
    const parts = [randomBytes(5 * MiB + 1), randomBytes(5 * MiB + 2), randomBytes(100)];
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const etags: string[] = [];
    for (const [i, Body] of parts.entries()) etags[i] = (await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1, Body }))).ETag!;
    parts[1] = randomBytes(5 * MiB + 3);
    etags[1] = (await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 2, Body: parts[1] }))).ETag!;
    const Parts = etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 }));
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts } }));
    expect(done.ETag).toBe(multipartEtag(parts));
    expect((await statOf(`${Bucket}/${Key}`)).sha256).toBe(sha256(Buffer.concat(parts)));
    expect(sha256(await bodyOf(await s3.send(new GetObjectCommand({ Bucket, Key }))))).toBe(sha256(Buffer.concat(parts)));
  });
});

describe("UploadPart racing itself", () => {
  /** Starts an UploadPart whose body arrives in two halves; `finish` sends the second. */
  function slowPart(Key: string, UploadId: string, body: Uint8Array) {
    const stream = new PassThrough();
    stream.write(Buffer.from(body.subarray(0, body.length / 2)));
    const sent = s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: stream, ContentLength: body.length }));
    return { sent, finish: () => stream.end(Buffer.from(body.subarray(body.length / 2))) };
  }

  for (const same of [false, true]) {
    test(`the upload that finishes last is the part, and Complete takes its ETag (${same ? "the same bytes twice, a client's retry" : "different bytes"})`, async () => {
      const Key = `race/${same ? "same" : "different"}.bin`;
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
      const first = randomBytes(6 * MiB);
      const second = same ? first : randomBytes(5 * MiB + 3);
      // The first begins, the second begins and ends while the first is still arriving, then the first ends.
      const slow = slowPart(Key, UploadId!, first);
      await Bun.sleep(300);
      const quick = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: second }));
      slow.finish();
      const last = await slow.sent;
      expect({ quick: quick.ETag, last: last.ETag }).toEqual({ quick: `"${md5(second)}"`, last: `"${md5(first)}"` });
      const listed = await s3.send(new ListPartsCommand({ Bucket, Key, UploadId }));
      expect(listed.Parts?.map((p) => [p.PartNumber, p.ETag, p.Size])).toEqual([[1, last.ETag, first.length]]);
      if (!same) {
        expect((await s3Failure(s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: quick.ETag }] } })))).name).toBe(
          "InvalidPart",
        );
      }
      const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: last.ETag }] } }));
      expect(done.ETag).toBe(multipartEtag([first]));
      expect((await statOf(`${Bucket}/${Key}`)).sha256).toBe(sha256(first));
      expect(sha256(await bodyOf(await s3.send(new GetObjectCommand({ Bucket, Key }))))).toBe(sha256(first));
    });
  }
});

describe("reads by part number", () => {
  // Parts that are not multiples of the 1 MiB chunk size, so parts and chunks do not line up.
  const parts = [randomBytes(5 * MiB + 300_001), randomBytes(5 * MiB + 7), randomBytes(123_457)];
  const whole = Buffer.concat(parts);
  const Key = "by-part/object.bin";
  beforeAll(async () => {
    await multipartObject(Key, parts);
    await s3.send(new PutObjectCommand({ Bucket, Key: "by-part/single.bin", Body: parts[2] }));
  });

  test("GetObject ?partNumber=N answers that part's bytes, its range and the count of parts", async () => {
    let offset = 0;
    for (const [i, part] of parts.entries()) {
      const got = await s3.send(new GetObjectCommand({ Bucket, Key, PartNumber: i + 1 }));
      expect({ length: got.ContentLength, range: got.ContentRange, count: got.PartsCount, etag: got.ETag }).toEqual({
        length: part.length,
        range: `bytes ${offset}-${offset + part.length - 1}/${whole.length}`,
        count: parts.length,
        etag: multipartEtag(parts),
      });
      expect(sha256(await bodyOf(got))).toBe(sha256(part));
      offset += part.length;
    }
    const raw = await signedFetch("GET", `${endpoint}/${Bucket}/${Key}?partNumber=2`, creds);
    expect(raw.status).toBe(206);
    expect(raw.headers.get("x-amz-mp-parts-count")).toBe("3");
    await raw.arrayBuffer();
  });

  test("HeadObject ?partNumber=N answers the part's length and the count of parts", async () => {
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key, PartNumber: 3 }));
    expect({ length: head.ContentLength, count: head.PartsCount, range: head.ContentRange }).toEqual({
      length: parts[2]!.length,
      count: 3,
      range: `bytes ${whole.length - parts[2]!.length}-${whole.length - 1}/${whole.length}`,
    });
  });

  test("an object not uploaded in parts has one part, the whole object as a range, and no parts count", async () => {
    const size = parts[2]!.length;
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: "by-part/single.bin", PartNumber: 1 }));
    expect({ length: got.ContentLength, count: got.PartsCount, range: got.ContentRange }).toEqual({ length: size, count: undefined, range: `bytes 0-${size - 1}/${size}` });
    expect(sha256(await bodyOf(got))).toBe(sha256(parts[2]!));
    // As S3 answers it: 206 and a Content-Range even though the range is everything.
    const raw = await signedFetch("HEAD", `${endpoint}/${Bucket}/by-part/single.bin?partNumber=1`, creds);
    expect({ status: raw.status, range: raw.headers.get("content-range"), count: raw.headers.has("x-amz-mp-parts-count") }).toEqual({
      status: 206,
      range: `bytes 0-${size - 1}/${size}`,
      count: false,
    });
  });

  test("a part number past the count is InvalidPartNumber (416); one out of 1..10000, or with a Range, is refused", async () => {
    expect(await s3Failure(s3.send(new GetObjectCommand({ Bucket, Key, PartNumber: 4 })))).toEqual({ name: "InvalidPartNumber", status: 416 });
    expect(await s3Failure(s3.send(new GetObjectCommand({ Bucket, Key: "by-part/single.bin", PartNumber: 2 })))).toEqual({ name: "InvalidPartNumber", status: 416 });
    expect((await s3Failure(s3.send(new HeadObjectCommand({ Bucket, Key, PartNumber: 4 })))).status).toBe(416);
    for (const bad of ["0", "10001", "x", "1.5"]) {
      const res = await signedFetch("GET", `${endpoint}/${Bucket}/${Key}?partNumber=${bad}`, creds);
      expect({ bad, status: res.status }).toEqual({ bad, status: 400 });
      expect(await res.text()).toContain("<Code>InvalidArgument</Code>");
    }
    const both = await signedFetch("GET", `${endpoint}/${Bucket}/${Key}?partNumber=1`, creds, undefined, { headers: { range: "bytes=0-9" } });
    expect(both.status).toBe(400);
    expect(await both.text()).toContain("<Code>InvalidRequest</Code>");
  });
});

describe("UploadPartCopy ranges", () => {
  test("a range past the end of the source is InvalidRange (416); a malformed one InvalidArgument", async () => {
    const source = randomBytes(1000);
    await s3.send(new PutObjectCommand({ Bucket, Key: "copy/source.bin", Body: source }));
    const Key = "copy/target.bin";
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const copy = (CopySourceRange: string) =>
      s3.send(new UploadPartCopyCommand({ Bucket, Key, UploadId, PartNumber: 1, CopySource: `${Bucket}/copy/source.bin`, CopySourceRange }));
    expect(await s3Failure(copy("bytes=0-1000"))).toEqual({ name: "InvalidRange", status: 416 });
    expect(await s3Failure(copy("bytes=1000-1000"))).toEqual({ name: "InvalidRange", status: 416 });
    expect(await s3Failure(copy("bytes=5-4"))).toEqual({ name: "InvalidArgument", status: 400 });
    expect(await s3Failure(copy("bytes=0-"))).toEqual({ name: "InvalidArgument", status: 400 });
    expect((await s3.send(new ListPartsCommand({ Bucket, Key, UploadId }))).Parts ?? []).toEqual([]);
    const ok = await copy("bytes=0-999");
    expect(ok.CopyPartResult?.ETag).toBe(`"${md5(source)}"`);
  });
});
