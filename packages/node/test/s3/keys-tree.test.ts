// S3 keys the file tree used to refuse, on three real nodes: `foo/bar` beside `foo/bar/xyzzy` (a file and a
// directory at one path, two registers), and a key ending in '/' that holds data; listed as S3 lists them,
// deleted one without the other, replicated to every node and caught up by a node that was away, and shown
// by the files API and WebDAV side by side.
import { describe, expect, test } from "bun:test";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { waitFor } from "../harness/cluster.ts";
import { s3ClusterFor, s3Failure } from "./s3-cluster.ts";

const Bucket = "keys";
const f = s3ClusterFor(Bucket, { key: "keytree-key", secret: "keytree-secret-0123456789" });

const text = async (c: S3Client, Key: string) =>
  new TextDecoder().decode(await (await c.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToByteArray());
const putText = (c: S3Client, Key: string, Body: string, ContentType?: string) =>
  c.send(new PutObjectCommand({ Bucket, Key, Body, ...(ContentType ? { ContentType } : {}) }));
const listing = async (c: S3Client, Prefix: string, Delimiter?: string) => {
  const out = await c.send(new ListObjectsV2Command({ Bucket, Prefix, ...(Delimiter ? { Delimiter } : {}) }));
  return { keys: (out.Contents ?? []).map((o) => `${o.Key}:${o.Size}`), prefixes: (out.CommonPrefixes ?? []).map((p) => p.Prefix!) };
};
/** The names a files API listing shows, folders with a '/' (read on one node, from its own rows when `local`). */
const filesListing = async (url: string, dir: string, local = false) => {
  const res = await fetch(`${url}/api/files/${Bucket}/${dir}${local ? "?consistency=local" : ""}`);
  if (res.status !== 200) return [`status ${res.status}`];
  const body = (await res.json()) as { entries: Array<{ name: string; kind: string }> };
  return body.entries.map((e) => `${e.name}${e.kind === "dir" ? "/" : ""}`);
};

describe("a file and a directory at one path", () => {
  test("foo/bar then foo/bar/xyzzy: both readable through every node, listed as S3 lists them", async () => {
    const [n1, n2, n3] = f.s3 as [S3Client, S3Client, S3Client];
    await putText(n1, "a/foo/bar", "the file");
    await putText(n2, "a/foo/bar/xyzzy", "below it");
    for (const c of [n1, n2, n3]) {
      expect(await text(c, "a/foo/bar")).toBe("the file");
      expect(await text(c, "a/foo/bar/xyzzy")).toBe("below it");
    }
    expect(await listing(n3, "a/")).toEqual({ keys: ["a/foo/bar:8", "a/foo/bar/xyzzy:8"], prefixes: [] });
    expect(await listing(n3, "a/foo/", "/")).toEqual({ keys: ["a/foo/bar:8"], prefixes: ["a/foo/bar/"] });
    expect(await listing(n1, "a/foo/bar", "/")).toEqual({ keys: ["a/foo/bar:8"], prefixes: ["a/foo/bar/"] });
    expect(await listing(n2, "a/foo/bar/", "/")).toEqual({ keys: ["a/foo/bar/xyzzy:8"], prefixes: [] });
  });

  test("the reverse order, and deleting either one keeps the other", async () => {
    const [n1, n2, n3] = f.s3 as [S3Client, S3Client, S3Client];
    await putText(n3, "b/foo/bar/xyzzy", "deep");
    await putText(n1, "b/foo/bar", "shallow");
    expect(await listing(n2, "b/")).toEqual({ keys: ["b/foo/bar:7", "b/foo/bar/xyzzy:4"], prefixes: [] });
    await n2.send(new DeleteObjectCommand({ Bucket, Key: "b/foo/bar" }));
    expect(await s3Failure(n3.send(new HeadObjectCommand({ Bucket, Key: "b/foo/bar" })))).toEqual({ name: "NotFound", status: 404 });
    expect(await text(n1, "b/foo/bar/xyzzy")).toBe("deep");
    expect(await listing(n3, "b/", "/")).toEqual({ keys: [], prefixes: ["b/foo/"] });

    await putText(n1, "c/foo/bar", "stays");
    await putText(n2, "c/foo/bar/xyzzy", "goes");
    await n3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: "c/foo/bar/xyzzy" }] } }));
    expect(await text(n2, "c/foo/bar")).toBe("stays");
    expect(await listing(n1, "c/")).toEqual({ keys: ["c/foo/bar:5"], prefixes: [] });
    // The emptied folder went with its last key; the file of its name did not.
    expect(await filesListing(f.cluster.nodes[0]!.url, "c/foo")).toEqual(["bar"]);
  });
});

describe("a key ending in '/' holding data", () => {
  test("dir/ with content is an object beside the keys below it, and deleting it keeps them", async () => {
    const [n1, n2, n3] = f.s3 as [S3Client, S3Client, S3Client];
    await putText(n1, "d/dir/", "folder content", "text/plain");
    await putText(n2, "d/dir/inner", "inner");
    await putText(n2, "d/logs_$folder$", "");
    for (const c of [n1, n2, n3]) expect(await text(c, "d/dir/")).toBe("folder content");
    const head = await n3.send(new HeadObjectCommand({ Bucket, Key: "d/dir/" }));
    expect([head.ContentLength, head.ContentType]).toEqual([14, "text/plain"]);
    expect(await listing(n1, "d/")).toEqual({ keys: ["d/dir/:14", "d/dir/inner:5", "d/logs_$folder$:0"], prefixes: [] });
    expect(await listing(n1, "d/", "/")).toEqual({ keys: ["d/logs_$folder$:0"], prefixes: ["d/dir/"] });
    expect(await listing(n1, "d/dir/", "/")).toEqual({ keys: ["d/dir/:14", "d/dir/inner:5"], prefixes: [] });
    // `d/dir` (no slash) is another key: absent. The key "/" would be the bucket itself: refused.
    expect(await s3Failure(n1.send(new HeadObjectCommand({ Bucket, Key: "d/dir" })))).toEqual({ name: "NotFound", status: 404 });
    expect(await s3Failure(putText(n2, "/", "x"))).toEqual({ name: "InvalidArgument", status: 400 });

    await n3.send(new DeleteObjectCommand({ Bucket, Key: "d/dir/" }));
    expect(await s3Failure(n1.send(new HeadObjectCommand({ Bucket, Key: "d/dir/" })))).toEqual({ name: "NotFound", status: 404 });
    expect(await text(n2, "d/dir/inner")).toBe("inner");
    expect(await listing(n2, "d/dir/")).toEqual({ keys: ["d/dir/inner:5"], prefixes: [] });
  });

  test("an empty dir/ put is still an object once keys are put below it", async () => {
    const [n1, n2] = f.s3 as [S3Client, S3Client];
    await putText(n1, "e/folder/", "");
    await putText(n2, "e/folder/x", "x");
    expect(await listing(n1, "e/")).toEqual({ keys: ["e/folder/:0", "e/folder/x:1"], prefixes: [] });
  });

  test("CopyObject and multipart uploads to and from a key ending in '/'", async () => {
    const [n1, n2, n3] = f.s3 as [S3Client, S3Client, S3Client];
    await putText(n1, "h/src", "copied content");
    await putText(n1, "h/dst/below", "b");
    await n2.send(new CopyObjectCommand({ Bucket, Key: "h/dst/", CopySource: `${Bucket}/h/src` }));
    expect(await text(n3, "h/dst/")).toBe("copied content");
    await n3.send(new CopyObjectCommand({ Bucket, Key: "h/back", CopySource: `${Bucket}/h/dst/` }));
    expect(await text(n1, "h/back")).toBe("copied content");
    const { UploadId } = await n1.send(new CreateMultipartUploadCommand({ Bucket, Key: "h/mp/" }));
    const { ETag } = await n2.send(new UploadPartCommand({ Bucket, Key: "h/mp/", UploadId, PartNumber: 1, Body: "one part" }));
    await n3.send(new CompleteMultipartUploadCommand({ Bucket, Key: "h/mp/", UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] } }));
    expect(await text(n1, "h/mp/")).toBe("one part");
    expect(await listing(n2, "h/")).toEqual({ keys: ["h/back:14", "h/dst/:14", "h/dst/below:1", "h/mp/:8", "h/src:14"], prefixes: [] });
  });
});

describe("across nodes and the other interfaces", () => {
  test("a node that was away catches up on both rows of a path", async () => {
    const [n1] = f.s3 as [S3Client];
    const away = f.cluster.nodes[2]!;
    await away.stop();
    await putText(n1, "g/p", "file at p");
    await putText(n1, "g/p/q", "file below p");
    await putText(n1, "g/p/", "p's own content");
    await f.cluster.restart(away);
    await f.cluster.waitForMembers(3);
    // Its own rows, without a quorum read: delta sync brought both registers of g/p.
    await waitFor(async () => (await filesListing(away.url, "g/p/", true)).join() === "q", 20_000, "g/p/q on the returning node");
    await waitFor(async () => (await filesListing(away.url, "g", true)).join() === "p/,p", 20_000, "g/p both ways on the returning node");
    expect(await text(f.s3[2]!, "g/p/")).toBe("p's own content");
    expect(await text(f.s3[2]!, "g/p")).toBe("file at p");
  });

  test("the files API and WebDAV show the file and the folder side by side", async () => {
    const [n1] = f.s3 as [S3Client];
    await putText(n1, "w/foo/bar", "file bar");
    await putText(n1, "w/foo/bar/xyzzy", "below");
    const url = f.cluster.nodes[1]!.url;
    expect(await filesListing(url, "w/foo")).toEqual(["bar/", "bar"]);
    expect(await (await fetch(`${url}/api/files/${Bucket}/w/foo/bar`)).text()).toBe("file bar");
    expect(await filesListing(url, "w/foo/bar/")).toEqual(["xyzzy"]);

    const propfind = await fetch(`${url}/dav/${Bucket}/w/foo/`, { method: "PROPFIND", headers: { depth: "1" } });
    expect(propfind.status).toBe(207);
    const hrefs = [...(await propfind.text()).matchAll(/<D:href>([^<]*)<\/D:href>/gi)].map((m) => m[1]);
    expect(hrefs).toEqual([`/dav/${Bucket}/w/foo/`, `/dav/${Bucket}/w/foo/bar/`, `/dav/${Bucket}/w/foo/bar`]);
    expect(await (await fetch(`${url}/dav/${Bucket}/w/foo/bar`)).text()).toBe("file bar");
    // WebDAV's DELETE of the collection URL takes the folder and what is in it; the file stays.
    expect((await fetch(`${url}/dav/${Bucket}/w/foo/bar/`, { method: "DELETE" })).status).toBe(204);
    expect(await filesListing(url, "w/foo")).toEqual(["bar"]);
    expect(await text(n1, "w/foo/bar")).toBe("file bar");
  });
});
