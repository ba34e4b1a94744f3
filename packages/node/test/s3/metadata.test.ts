// Object metadata through real nodes: what a client says about an object (content type, the standard
// headers, x-amz-meta-*) is kept with it, replicated, and returned by S3, the files API and WebDAV; copies
// and multipart uploads follow S3's directives; metadata over S3's limits is refused and stores nothing.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { randomBytes, type TestCluster, waitFor } from "../harness/cluster.ts";
import { signedFetch } from "./raw-client.ts";
import { s3Failure, startS3Cluster } from "./s3-cluster.ts";

const KEY = "meta-key";
const SECRET = "meta-secret-0123456789";
let cluster: TestCluster;
let s3: S3Client[] = [];
let endpoints: string[] = [];

/** What a client said about an object, as HeadObject reports it. */
const described = async (c: S3Client, Key: string) => {
  const h = await c.send(new HeadObjectCommand({ Bucket: "meta", Key }));
  return {
    ContentType: h.ContentType,
    CacheControl: h.CacheControl,
    ContentDisposition: h.ContentDisposition,
    ContentEncoding: h.ContentEncoding,
    ContentLanguage: h.ContentLanguage,
    Metadata: h.Metadata,
  };
};
beforeAll(async () => {
  ({ cluster, clients: s3, endpoints } = await startS3Cluster(3, { key: KEY, secret: SECRET }));
  await s3[0]!.send(new CreateBucketCommand({ Bucket: "meta" }));
});
afterAll(async () => {
  await cluster?.stop();
});

const FULL = {
  ContentType: "image/webp",
  CacheControl: "public, max-age=600",
  ContentDisposition: 'inline; filename="a.webp"',
  ContentEncoding: "identity",
  ContentLanguage: "fr",
  Metadata: { mtime: "1700000000.25", colour: "blue" },
};

describe("object metadata", () => {
  test("PutObject keeps the content type, standard headers and user metadata; every node returns them", async () => {
    await s3[0]!.send(new PutObjectCommand({ Bucket: "meta", Key: "pics/a.webp", Body: randomBytes(5000), ...FULL }));
    expect(await described(s3[0]!, "pics/a.webp")).toEqual(FULL);
    // Replicated with the manifest: the other nodes answer the same.
    await waitFor(async () => (await described(s3[2]!, "pics/a.webp").catch(() => undefined))?.ContentType === "image/webp", 10_000, "replicated metadata");
    expect(await described(s3[1]!, "pics/a.webp")).toEqual(FULL);
    const get = await s3[2]!.send(new GetObjectCommand({ Bucket: "meta", Key: "pics/a.webp" }));
    expect({ type: get.ContentType, meta: get.Metadata, length: get.ContentLength }).toEqual({ type: "image/webp", meta: FULL.Metadata, length: 5000 });
    // rclone's modification time is the object's too.
    expect(get.LastModified?.getTime()).toBe(1_700_000_000_000);
  });

  test("without a content type one is inferred from the name's extension; none for a name without one", async () => {
    const url = cluster.nodes[0]!.url;
    // A byte body: fetch sends no Content-Type of its own.
    for (const name of ["page.html", "blob"]) {
      expect((await fetch(`${url}/api/files/meta/doc/${name}`, { method: "PUT", body: new TextEncoder().encode("<p>hi</p>") })).status).toBe(201);
    }
    expect((await described(s3[0]!, "doc/page.html")).ContentType).toStartWith("text/html");
    expect((await described(s3[0]!, "doc/blob")).ContentType).toBe("binary/octet-stream");
    expect((await fetch(`${url}/api/files/meta/doc/blob`)).headers.get("content-type")).toBe("application/octet-stream");
    // A type the client gave is kept, even the generic one.
    await s3[0]!.send(new PutObjectCommand({ Bucket: "meta", Key: "doc/given.html", Body: "x", ContentType: "application/octet-stream" }));
    expect((await described(s3[0]!, "doc/given.html")).ContentType).toBe("application/octet-stream");
  });

  test("a name with no extension and no type given: the type is sniffed from the first bytes, for every API", async () => {
    const [a, b] = cluster.nodes.map((n) => n.url) as [string, string];
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...randomBytes(3000)]);
    const pdf = new TextEncoder().encode("%PDF-1.7\n%\u00e2\u00e3\n1 0 obj\n");
    expect((await fetch(`${a}/api/files/meta/sniff/photo`, { method: "PUT", body: png })).status).toBe(201);
    // The extension wins over the bytes, a type given wins over both.
    expect((await fetch(`${a}/api/files/meta/sniff/photo.txt`, { method: "PUT", body: png })).status).toBe(201);
    expect((await fetch(`${a}/api/files/meta/sniff/given`, { method: "PUT", body: png, headers: { "content-type": "application/x-mine" } })).status).toBe(201);
    // A PutObject with no Content-Type at all (the SDK would send application/octet-stream, which is kept as given).
    expect((await signedFetch("PUT", `${endpoints[1]}/meta/sniff/report`, { accessKey: KEY, secretKey: SECRET }, pdf)).status).toBe(200);

    await waitFor(async () => (await fetch(`${b}/api/files/meta/sniff/photo`)).headers.get("content-type") === "image/png", 10_000, "the sniffed type on another node");
    expect((await described(s3[2]!, "sniff/photo")).ContentType).toBe("image/png");
    expect((await described(s3[2]!, "sniff/photo.txt")).ContentType).toStartWith("text/plain");
    expect((await described(s3[2]!, "sniff/given")).ContentType).toBe("application/x-mine");
    expect((await described(s3[0]!, "sniff/report")).ContentType).toBe("application/pdf");
    expect((await fetch(`${a}/api/files/meta/sniff/report`)).headers.get("content-type")).toBe("application/pdf");
    const dav = await fetch(`${b}/dav/meta/sniff/photo`, { method: "PROPFIND", headers: { depth: "0" } });
    expect(await dav.text()).toContain("image/png</D:getcontenttype>");
  });

  test("CopyObject: COPY keeps the source's metadata, REPLACE takes the request's; a copy onto itself must change something", async () => {
    await s3[0]!.send(new PutObjectCommand({ Bucket: "meta", Key: "c/src.bin", Body: randomBytes(100), ...FULL }));
    await s3[1]!.send(new CopyObjectCommand({ Bucket: "meta", Key: "c/copied.bin", CopySource: "meta/c/src.bin" }));
    expect(await described(s3[1]!, "c/copied.bin")).toEqual(FULL);
    await s3[1]!.send(
      new CopyObjectCommand({ Bucket: "meta", Key: "c/replaced.bin", CopySource: "meta/c/src.bin", MetadataDirective: "REPLACE", ContentType: "text/csv", Metadata: { k: "v" } }),
    );
    expect(await described(s3[1]!, "c/replaced.bin")).toEqual({
      ContentType: "text/csv",
      CacheControl: undefined,
      ContentDisposition: undefined,
      ContentEncoding: undefined,
      ContentLanguage: undefined,
      // S3 answers every object's modification time as x-amz-meta-mtime (rclone reads it).
      Metadata: { k: "v", mtime: expect.stringMatching(/^\d+\.\d{3}$/) },
    });
    expect(await s3Failure(s3[1]!.send(new CopyObjectCommand({ Bucket: "meta", Key: "c/src.bin", CopySource: "meta/c/src.bin" })))).toEqual({
      name: "InvalidRequest",
      status: 400,
    });
    await s3[1]!.send(new CopyObjectCommand({ Bucket: "meta", Key: "c/src.bin", CopySource: "meta/c/src.bin", MetadataDirective: "REPLACE", ContentType: "text/plain" }));
    expect((await described(s3[0]!, "c/src.bin")).ContentType).toBe("text/plain");
  });

  test("a multipart upload's metadata, given at its creation, is the completed object's", async () => {
    const { UploadId } = await s3[0]!.send(
      new CreateMultipartUploadCommand({ Bucket: "meta", Key: "mp/video.bin", ContentType: "video/mp4", Metadata: { mtime: "1600000000", who: "me" } }),
    );
    const part = await s3[0]!.send(new UploadPartCommand({ Bucket: "meta", Key: "mp/video.bin", UploadId, PartNumber: 1, Body: randomBytes(1000) }));
    await s3[0]!.send(
      new CompleteMultipartUploadCommand({ Bucket: "meta", Key: "mp/video.bin", UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }),
    );
    const head = await s3[0]!.send(new HeadObjectCommand({ Bucket: "meta", Key: "mp/video.bin" }));
    expect({ type: head.ContentType, meta: head.Metadata, modified: head.LastModified?.getTime() }).toEqual({
      type: "video/mp4",
      meta: { mtime: "1600000000", who: "me" },
      modified: 1_600_000_000_000,
    });
  });

  test("a multipart upload given no type, to a key without an extension, is typed by its first bytes; a type given wins", async () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...randomBytes(2000)]);
    const upload = async (Key: string, ContentType?: string) => {
      const { UploadId } = await s3[0]!.send(new CreateMultipartUploadCommand({ Bucket: "meta", Key, ...(ContentType ? { ContentType } : {}) }));
      const part = await s3[1]!.send(new UploadPartCommand({ Bucket: "meta", Key, UploadId, PartNumber: 1, Body: png }));
      await s3[2]!.send(new CompleteMultipartUploadCommand({ Bucket: "meta", Key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
      return (await described(s3[0]!, Key)).ContentType;
    };
    expect(await upload("mp/snapshot")).toBe("image/png");
    expect(await upload("mp/given", "application/x-given")).toBe("application/x-given");
  });

  test("a non-ASCII metadata value passes the signature check and goes back as the bytes that came, RFC 2047-encoded or not", async () => {
    const creds = { accessKey: KEY, secretKey: SECRET };
    // Header values are bytes; fetch reads and writes them one character per byte (Latin-1).
    const head = async (node: number, key: string) => (await signedFetch("HEAD", `${endpoints[node]}/meta/${key}`, creds)).headers;
    const utf8Bytes = (text: string) => Buffer.from(text, "utf8").toString("latin1");
    /** The text a client meant by the bytes it sent: UTF-8 when they are UTF-8 (the SDK on Bun sends a body's headers so), else Latin-1. */
    const textOf = (value: string | null) => {
      const bytes = Buffer.from(value ?? "", "latin1");
      try {
        return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      } catch {
        return value;
      }
    };
    const Metadata = { note: "café crème, naïve", encoded: "=?UTF-8?B?5pel5pys6Kqe?=" };
    await s3[0]!.send(new PutObjectCommand({ Bucket: "meta", Key: "intl/a.txt", Body: "x", Metadata }));
    await waitFor(async () => (await described(s3[2]!, "intl/a.txt").catch(() => undefined)) !== undefined, 10_000, "the object on n3");
    for (const node of [0, 1, 2]) {
      const h = await head(node, "intl/a.txt");
      expect({ note: textOf(h.get("x-amz-meta-note")), encoded: h.get("x-amz-meta-encoded") }).toEqual(Metadata);
    }
    expect((await described(s3[1]!, "intl/a.txt")).Metadata?.encoded).toBe(Metadata.encoded);
    // CreateMultipartUpload and a CopyObject that replaces metadata: accepted, kept the same way.
    const { UploadId } = await s3[1]!.send(new CreateMultipartUploadCommand({ Bucket: "meta", Key: "intl/mp.txt", Metadata }));
    const part = await s3[1]!.send(new UploadPartCommand({ Bucket: "meta", Key: "intl/mp.txt", UploadId, PartNumber: 1, Body: "y" }));
    await s3[1]!.send(new CompleteMultipartUploadCommand({ Bucket: "meta", Key: "intl/mp.txt", UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    expect(textOf((await head(1, "intl/mp.txt")).get("x-amz-meta-note"))).toBe(Metadata.note);
    await s3[2]!.send(new CopyObjectCommand({ Bucket: "meta", Key: "intl/copy.txt", CopySource: "meta/intl/a.txt", MetadataDirective: "REPLACE", Metadata: { who: "Zoë" } }));
    expect(textOf((await head(2, "intl/copy.txt")).get("x-amz-meta-who"))).toBe("Zoë");
    // Exact bytes both ways: Latin-1 text signed as UTF-8 (the SDK on Node.js, botocore), and UTF-8 bytes
    // (curl, Go clients such as rclone) for text Latin-1 cannot hold.
    for (const [key, value] of [["intl/latin1.txt", "Zoë, Ærø"], ["intl/utf8.txt", utf8Bytes("日本語 ✓")]] as const) {
      const put = await signedFetch("PUT", `${endpoints[0]}/meta/${key}`, creds, new TextEncoder().encode("z"), { headers: { "x-amz-meta-who": value } });
      expect({ key, status: put.status }).toEqual({ key, status: 200 });
      expect((await head(0, key)).get("x-amz-meta-who")).toBe(value);
    }
  });

  test("user metadata over 2 KB is MetadataTooLarge and stores nothing", async () => {
    const big = { a: "x".repeat(1500), b: "y".repeat(600) };
    expect(await s3Failure(s3[0]!.send(new PutObjectCommand({ Bucket: "meta", Key: "big/o.txt", Body: "data", Metadata: big })))).toEqual({
      name: "MetadataTooLarge",
      status: 400,
    });
    expect((await s3Failure(s3[0]!.send(new HeadObjectCommand({ Bucket: "meta", Key: "big/o.txt" })))).status).toBe(404);
  });

  test("the files API keeps a PUT's Content-Type and X-Orrery-Meta-*; S3 and WebDAV see the same", async () => {
    const url = cluster.nodes[0]!.url;
    const put = await fetch(`${url}/api/files/meta/f/notes.dat`, {
      method: "PUT",
      body: "some notes",
      headers: { "content-type": "text/markdown", "x-orrery-meta-project": "orrery", "cache-control": "no-cache" },
    });
    expect(put.status).toBe(201);
    const get = await fetch(`${cluster.nodes[1]!.url}/api/files/meta/f/notes.dat`);
    expect(await get.text()).toBe("some notes");
    expect({ type: get.headers.get("content-type"), project: get.headers.get("x-orrery-meta-project"), cache: get.headers.get("cache-control") }).toEqual({
      type: "text/markdown",
      project: "orrery",
      cache: "no-cache",
    });
    // The user content sandbox is still ours, whatever type the writer gave.
    expect(get.headers.get("content-security-policy")).toContain("sandbox");
    expect((await described(s3[2]!, "f/notes.dat")).Metadata).toEqual({ project: "orrery", mtime: expect.any(String) });
    const dav = await fetch(`${url}/dav/meta/f/notes.dat`, { method: "PROPFIND", headers: { depth: "0" } });
    expect(await dav.text()).toContain("text/markdown</D:getcontenttype>");
    // Too much user metadata, or a name that means something to a JavaScript object, is refused; nothing is stored.
    const refused: Array<Record<string, string>> = [{ "x-orrery-meta-a": "x".repeat(2100) }, { "x-orrery-meta-__proto__": "polluted" }];
    for (const headers of refused) {
      const bad = await fetch(`${url}/api/files/meta/f/bad.dat`, { method: "PUT", body: "x", headers });
      expect({ status: bad.status, code: ((await bad.json()) as { code: string }).code }).toEqual({ status: 400, code: "invalid_metadata" });
    }
    expect((await fetch(`${url}/api/files/meta/f/bad.dat`)).status).toBe(404);
  });
});
