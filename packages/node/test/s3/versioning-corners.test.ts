// Versioning corners as AWS S3 behaves, with AWS's SDK through three real nodes: the version ids of
// CompleteMultipartUpload and CopyObject, the "null" version of objects written before versioning (readable
// and deletable by ?versionId=null), Suspended writes and deletes replacing the null version, delete markers
// read (405) and removed (un-delete) by id, ListObjectVersions paging with prefix, delimiter and markers, and
// a key ending in '/' (a directory's own content) keeping versions and tags as any object does.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  type ListObjectVersionsCommandOutput,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { type TestCluster, waitFor } from "../harness/cluster.ts";
import { signedFetch } from "./raw-client.ts";
import { s3Failure, startS3Cluster } from "./s3-cluster.ts";

const KEY = "corner-key";
const SECRET = "corner-secret-0123456789";
let cluster: TestCluster;
let s3: S3Client[] = [];
let endpoints: string[] = [];

beforeAll(async () => {
  // A quick garbage collector: the last test prunes versions (no limit until it sets one).
  const gc = { GC_INTERVAL_S: "0.5", GC_MIN_CHUNK_AGE_S: "1", GC_MIN_TOMBSTONE_AGE_S: "1" };
  ({ cluster, clients: s3, endpoints } = await startS3Cluster(3, { key: KEY, secret: SECRET }, gc));
});
afterAll(async () => {
  await cluster?.stop();
});

const setVersioning = (Bucket: string, Status: "Enabled" | "Suspended") =>
  s3[0]!.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status } }));
const put = (node: number, Bucket: string, Key: string, Body: string) => s3[node]!.send(new PutObjectCommand({ Bucket, Key, Body }));
const read = async (node: number, Bucket: string, Key: string, VersionId?: string) => {
  const res = await s3[node]!.send(new GetObjectCommand({ Bucket, Key, VersionId }));
  return { body: await res.Body!.transformToString(), versionId: res.VersionId };
};
const listed = async (node: number, Bucket: string, Prefix?: string) => {
  const res = await s3[node]!.send(new ListObjectVersionsCommand({ Bucket, Prefix }));
  return {
    versions: (res.Versions ?? []).map((v) => [v.Key, v.VersionId, v.IsLatest, v.Size]),
    markers: (res.DeleteMarkers ?? []).map((m) => [m.Key, m.VersionId, m.IsLatest]),
  };
};
const bucket = async (Bucket: string, status?: "Enabled") => {
  await s3[0]!.send(new CreateBucketCommand({ Bucket }));
  if (status) await setVersioning(Bucket, status);
};

describe("version ids of writes that are not PutObject", () => {
  test("CompleteMultipartUpload answers x-amz-version-id in a versioned bucket, and the version is listed", async () => {
    await bucket("mpv", "Enabled");
    const first = await put(0, "mpv", "big", "before the upload");
    const { UploadId } = await s3[1]!.send(new CreateMultipartUploadCommand({ Bucket: "mpv", Key: "big" }));
    const part = await s3[1]!.send(new UploadPartCommand({ Bucket: "mpv", Key: "big", UploadId, PartNumber: 1, Body: "one part" }));
    const done = await s3[2]!.send(
      new CompleteMultipartUploadCommand({ Bucket: "mpv", Key: "big", UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }),
    );
    expect(done.VersionId).toMatch(/^[0-9a-f]{18}@/);
    expect((await listed(0, "mpv", "big")).versions).toEqual([
      ["big", done.VersionId, true, 8],
      ["big", first.VersionId, false, 17],
    ]);
    expect(await read(1, "mpv", "big", done.VersionId)).toEqual({ body: "one part", versionId: done.VersionId });
  });

  test("CopyObject answers the source's version id (named or current) and the copy's", async () => {
    await bucket("cpv", "Enabled");
    const src = await put(0, "cpv", "src", "source bytes");
    const copy = await s3[1]!.send(new CopyObjectCommand({ Bucket: "cpv", Key: "dst", CopySource: "cpv/src" }));
    expect(copy.CopySourceVersionId).toBe(src.VersionId);
    expect(copy.VersionId).toMatch(/^[0-9a-f]{18}@/);
    expect(copy.VersionId).not.toBe(src.VersionId);
    expect(await read(2, "cpv", "dst")).toEqual({ body: "source bytes", versionId: copy.VersionId });
  });
});

describe("the null version: objects written before versioning was enabled", () => {
  test("keep version id null once overwritten, and are read and deleted by ?versionId=null", async () => {
    await bucket("nulls");
    await put(0, "nulls", "k", "plain");
    await setVersioning("nulls", "Enabled");
    const v1 = await put(1, "nulls", "k", "versioned");
    expect((await listed(2, "nulls", "k")).versions).toEqual([
      ["k", v1.VersionId, true, 9],
      ["k", "null", false, 5],
    ]);
    expect(await read(0, "nulls", "k", "null")).toEqual({ body: "plain", versionId: "null" });
    const head = await s3[2]!.send(new HeadObjectCommand({ Bucket: "nulls", Key: "k", VersionId: "null" }));
    expect([head.ContentLength, head.VersionId]).toEqual([5, "null"]);
    const del = await s3[1]!.send(new DeleteObjectCommand({ Bucket: "nulls", Key: "k", VersionId: "null" }));
    expect(del.VersionId).toBe("null");
    expect((await listed(0, "nulls", "k")).versions).toEqual([["k", v1.VersionId, true, 9]]);
    expect((await s3Failure(s3[0]!.send(new GetObjectCommand({ Bucket: "nulls", Key: "k", VersionId: "null" })))).name).toBe("NoSuchVersion");
    expect(await read(2, "nulls", "k")).toEqual({ body: "versioned", versionId: v1.VersionId });
  });

  test("the current null object is deleted by ?versionId=null; the version before it becomes current", async () => {
    await bucket("nullcur", "Enabled");
    const v1 = await put(0, "nullcur", "k", "kept");
    await setVersioning("nullcur", "Suspended");
    expect((await put(1, "nullcur", "k", "null body")).VersionId).toBe("null");
    await s3[2]!.send(new DeleteObjectCommand({ Bucket: "nullcur", Key: "k", VersionId: "null" }));
    expect(await read(0, "nullcur", "k")).toEqual({ body: "kept", versionId: v1.VersionId });
    expect((await listed(1, "nullcur", "k")).versions).toEqual([["k", v1.VersionId, true, 4]]);
  });
});

describe("suspended versioning", () => {
  test("a PUT replaces the null version and keeps the others", async () => {
    await bucket("sput");
    await put(0, "sput", "k", "plain");
    await setVersioning("sput", "Enabled");
    const v1 = await put(0, "sput", "k", "versioned");
    await setVersioning("sput", "Suspended");
    expect((await put(1, "sput", "k", "null one")).VersionId).toBe("null");
    expect((await put(2, "sput", "k", "null two!")).VersionId).toBe("null");
    // "plain" was the null version (kept when "versioned" replaced it); each Suspended PUT replaced it.
    expect((await listed(0, "sput", "k")).versions).toEqual([
      ["k", "null", true, 9],
      ["k", v1.VersionId, false, 9],
    ]);
    expect(await read(1, "sput", "k", "null")).toEqual({ body: "null two!", versionId: "null" });
    expect(await read(2, "sput", "k", v1.VersionId)).toEqual({ body: "versioned", versionId: v1.VersionId });
  });

  test("a DELETE makes a null delete marker, replacing the null version and keeping the others", async () => {
    await bucket("sdel", "Enabled");
    const v1 = await put(0, "sdel", "k", "versioned");
    await setVersioning("sdel", "Suspended");
    await put(1, "sdel", "k", "null body");
    const del = await s3[2]!.send(new DeleteObjectCommand({ Bucket: "sdel", Key: "k" }));
    expect([del.DeleteMarker, del.VersionId]).toEqual([true, "null"]);
    expect(await listed(0, "sdel", "k")).toEqual({ versions: [["k", v1.VersionId, false, 9]], markers: [["k", "null", true]] });
    // Removing the null marker by its id un-deletes: the version before it is current again.
    const undo = await s3[1]!.send(new DeleteObjectCommand({ Bucket: "sdel", Key: "k", VersionId: "null" }));
    expect([undo.DeleteMarker, undo.VersionId]).toEqual([true, "null"]);
    expect(await read(0, "sdel", "k")).toEqual({ body: "versioned", versionId: v1.VersionId });
  });
});

describe("delete markers by version id", () => {
  test("GET and HEAD of a delete marker by versionId are 405 with x-amz-delete-marker; DELETE of it un-deletes", async () => {
    await bucket("dmark", "Enabled");
    const v1 = await put(0, "dmark", "gone", "still here");
    const del = await s3[1]!.send(new DeleteObjectCommand({ Bucket: "dmark", Key: "gone" }));
    const url = `${endpoints[2]}/dmark/gone?versionId=${encodeURIComponent(del.VersionId!)}`;
    for (const method of ["GET", "HEAD"]) {
      const res = await signedFetch(method, url, { accessKey: KEY, secretKey: SECRET });
      expect([method, res.status, res.headers.get("x-amz-delete-marker"), res.headers.get("x-amz-version-id")]).toEqual([method, 405, "true", del.VersionId!]);
      // AWS sends Last-Modified with it; HTTP wants a 405 to say what is allowed.
      expect([res.headers.get("last-modified") !== null, res.headers.get("allow")]).toEqual([true, "DELETE"]);
    }
    const undo = await s3[0]!.send(new DeleteObjectCommand({ Bucket: "dmark", Key: "gone", VersionId: del.VersionId }));
    expect([undo.DeleteMarker, undo.VersionId]).toEqual([true, del.VersionId]);
    expect(await read(2, "dmark", "gone")).toEqual({ body: "still here", versionId: v1.VersionId });
  });
});

describe("ListObjectVersions paging", () => {
  const B = "lpage";
  const all: Array<[string, string]> = [];
  beforeAll(async () => {
    await bucket(B, "Enabled");
    // Keys whose order differs from their version rows' path order ("a-b" < "a" + "/"), nested keys, a deleted one.
    for (const key of ["a", "a-b", "a/x", "a/y/z", "b", "c/d", "c/e", "e"]) {
      for (const body of ["1", "22"]) all.push([key, (await put(0, B, key, body)).VersionId!]);
    }
    const del = await s3[0]!.send(new DeleteObjectCommand({ Bucket: B, Key: "b" }));
    all.push(["b", del.VersionId!]);
  });

  const byKeyNewestFirst = (entries: Array<[string, string]>) =>
    [...entries].sort(([k1, v1], [k2, v2]) => (k1 < k2 ? -1 : k1 > k2 ? 1 : v1 < v2 ? 1 : -1));

  async function pages(params: { Prefix?: string; Delimiter?: string; MaxKeys: number }) {
    const out: { entries: Array<[string, string]>; prefixes: string[]; sizes: number[] } = { entries: [], prefixes: [], sizes: [] };
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    for (let i = 0; i < 50; i++) {
      const page: ListObjectVersionsCommandOutput = await s3[i % 3]!.send(new ListObjectVersionsCommand({ Bucket: B, ...params, KeyMarker, VersionIdMarker }));
      const entries = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])];
      // The SDK parts a page into Versions and DeleteMarkers: put the page back in one order (versions of a key newest first).
      out.entries.push(...byKeyNewestFirst(entries.map((v): [string, string] => [v.Key!, v.VersionId!])));
      out.prefixes.push(...(page.CommonPrefixes ?? []).map((p) => p.Prefix!));
      out.sizes.push(entries.length + (page.CommonPrefixes ?? []).length);
      if (!page.IsTruncated) return out;
      ({ NextKeyMarker: KeyMarker, NextVersionIdMarker: VersionIdMarker } = page);
    }
    throw new Error("no last page");
  }

  test("every version once, in key order then newest first, at most max-keys a page", async () => {
    for (const MaxKeys of [1, 2, 3, 5, 1000]) {
      const got = await pages({ MaxKeys });
      expect(got.entries.map(([k]) => k)).toEqual(byKeyNewestFirst(all).map(([k]) => k));
      expect(new Set(got.entries.map(([k, v]) => `${k} ${v}`)).size).toBe(all.length);
      expect(Math.max(...got.sizes)).toBeLessThanOrEqual(MaxKeys);
    }
  });

  test("a delimiter rolls keys up into common prefixes, each once, across pages", async () => {
    for (const MaxKeys of [1, 2, 4, 1000]) {
      const got = await pages({ Delimiter: "/", MaxKeys });
      expect(got.prefixes).toEqual(["a/", "c/"]);
      expect([...new Set(got.entries.map(([k]) => k))]).toEqual(["a", "a-b", "b", "e"]);
      expect(got.entries.length).toBe(9);
      expect(Math.max(...got.sizes)).toBeLessThanOrEqual(MaxKeys);
    }
  });

  test("a prefix and a delimiter inside it", async () => {
    const got = await pages({ Prefix: "a/", Delimiter: "/", MaxKeys: 1 });
    expect(got.prefixes).toEqual(["a/y/"]);
    expect(got.entries.map(([k]) => k)).toEqual(["a/x", "a/x"]);
    const flat = await pages({ Prefix: "c/", MaxKeys: 3 });
    expect(flat.entries).toEqual(byKeyNewestFirst(all.filter(([k]) => k.startsWith("c/"))));
  });

  test("a key marker alone starts after that key, a version marker after that version", async () => {
    const after = await s3[1]!.send(new ListObjectVersionsCommand({ Bucket: B, KeyMarker: "a-b" }));
    expect((after.Versions ?? [])[0]?.Key).toBe("a/x");
    const a = byKeyNewestFirst(all).filter(([k]) => k === "a");
    const within = await s3[2]!.send(new ListObjectVersionsCommand({ Bucket: B, KeyMarker: "a", VersionIdMarker: a[0]![1], MaxKeys: 1 }));
    expect((within.Versions ?? []).map((v) => [v.Key, v.VersionId])).toEqual([a[1]!]);
  });
});

describe("a dir/ object keeps versions and tags like any other", () => {
  const B = "dirver";
  beforeAll(async () => {
    await bucket(B);
    // Written before versioning: the null version of "site/", with a file below it and a file "site" beside it.
    await put(0, B, "site/", "index v0");
    await put(0, B, "site/page", "page");
    await put(0, B, "site", "a file named like the folder");
    await setVersioning(B, "Enabled");
  });

  test("overwrites keep versions, read back by id; the null version is the one from before versioning", async () => {
    const v1 = await put(1, B, "site/", "index v1");
    const v2 = await put(2, B, "site/", "index v2!");
    expect(v1.VersionId).toMatch(/^[0-9a-f]{18}@/);
    expect((await listed(0, B, "site/")).versions.filter(([k]) => k === "site/")).toEqual([
      ["site/", v2.VersionId, true, 9],
      ["site/", v1.VersionId, false, 8],
      ["site/", "null", false, 8],
    ]);
    expect(await read(0, B, "site/", v1.VersionId)).toEqual({ body: "index v1", versionId: v1.VersionId });
    expect(await read(1, B, "site/", "null")).toEqual({ body: "index v0", versionId: "null" });
    expect(await read(2, B, "site/")).toEqual({ body: "index v2!", versionId: v2.VersionId });
    // The file beside it and the file below it keep their own, untouched.
    expect((await listed(1, B, "site")).versions.map(([k, v]) => [k, v === "null" ? "null" : "id"])).toEqual([
      ["site", "null"],
      ["site/", "id"],
      ["site/", "id"],
      ["site/", "null"],
      ["site/page", "null"],
    ]);
  });

  test("a delete leaves a delete marker, removing it by id un-deletes; the keys below stay", async () => {
    const current = await s3[0]!.send(new HeadObjectCommand({ Bucket: B, Key: "site/" }));
    const del = await s3[1]!.send(new DeleteObjectCommand({ Bucket: B, Key: "site/" }));
    expect([del.DeleteMarker, del.VersionId]).toEqual([true, expect.stringMatching(/^[0-9a-f]{18}@/)]);
    expect((await s3Failure(s3[2]!.send(new HeadObjectCommand({ Bucket: B, Key: "site/" })))).status).toBe(404);
    expect(await read(0, B, "site/page")).toEqual({ body: "page", versionId: "null" });
    expect((await listed(0, B, "site/")).markers).toEqual([["site/", del.VersionId, true]]);
    await s3[2]!.send(new DeleteObjectCommand({ Bucket: B, Key: "site/", VersionId: del.VersionId }));
    expect(await read(1, B, "site/")).toEqual({ body: "index v2!", versionId: current.VersionId });
  });

  test("DELETE ?versionId removes one version of it for good", async () => {
    const listedBefore = (await listed(0, B, "site/")).versions.filter(([k]) => k === "site/");
    const oldest = listedBefore[1]![1] as string;
    await s3[1]!.send(new DeleteObjectCommand({ Bucket: B, Key: "site/", VersionId: oldest }));
    expect((await s3Failure(s3[2]!.send(new GetObjectCommand({ Bucket: B, Key: "site/", VersionId: oldest })))).name).toBe("NoSuchVersion");
    expect((await listed(2, B, "site/")).versions.filter(([k]) => k === "site/").length).toBe(listedBefore.length - 1);
  });

  test("tags: put, read, delete through every node", async () => {
    await s3[0]!.send(new PutObjectTaggingCommand({ Bucket: B, Key: "site/", Tagging: { TagSet: [{ Key: "team", Value: "web" }] } }));
    expect((await s3[1]!.send(new GetObjectTaggingCommand({ Bucket: B, Key: "site/" }))).TagSet).toEqual([{ Key: "team", Value: "web" }]);
    expect((await s3[2]!.send(new GetObjectTaggingCommand({ Bucket: B, Key: "site/page" }))).TagSet).toEqual([]);
    await s3[2]!.send(new DeleteObjectTaggingCommand({ Bucket: B, Key: "site/" }));
    expect((await s3[0]!.send(new GetObjectTaggingCommand({ Bucket: B, Key: "site/" }))).TagSet).toEqual([]);
    // A folder with no object of its own has nothing to tag.
    await put(0, B, "deep/x", "x");
    expect((await s3Failure(s3[0]!.send(new PutObjectTaggingCommand({ Bucket: B, Key: "deep/", Tagging: { TagSet: [] } })))).status).toBeGreaterThanOrEqual(400);
  });

  test("KEEP_VERSIONS (the live keepVersions) prunes its versions as a file's", async () => {
    for (const body of ["p1", "p2", "p3"]) await put(0, B, "pruned/", body);
    expect((await listed(1, B, "pruned/")).versions.filter(([k]) => k === "pruned/").length).toBe(3);
    const res = await fetch(`${cluster.nodes[0]!.url}/api/cluster/settings`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ keepVersions: 2 }) });
    expect(res.status).toBe(200);
    const count = async () => (await listed(2, B, "pruned/")).versions.filter(([k]) => k === "pruned/").map(([, , , size]) => size);
    await waitFor(async () => (await count()).length === 2, 30_000, "the dir/ object's versions pruned to 2");
    expect(await read(0, B, "pruned/")).toMatchObject({ body: "p3" });
  });

  test("CopyObject to and from dir/ answers version ids", async () => {
    const copy = await s3[0]!.send(new CopyObjectCommand({ Bucket: B, Key: "copied/", CopySource: `${B}/site/` }));
    const head = await s3[1]!.send(new HeadObjectCommand({ Bucket: B, Key: "site/" }));
    expect([copy.CopySourceVersionId, copy.VersionId]).toEqual([head.VersionId, expect.stringMatching(/^[0-9a-f]{18}@/)]);
    expect(await read(2, B, "copied/", copy.VersionId)).toEqual({ body: "index v2!", versionId: copy.VersionId });
  });
});
