// Bucket versioning through three real nodes with AWS's own SDK: overwrites keep the old version (read back
// through another node by versionId), deletes leave a delete marker, removing the marker restores the object,
// DELETE ?versionId removes a version for good, suspended versioning writes "null" versions, listings page by
// key and version markers, copies name a source version, and the versions' namespace is out of reach.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import type { TestCluster } from "../harness/cluster.ts";
import { s3Failure, startS3Cluster } from "./s3-cluster.ts";

const KEY = "ver-key";
const SECRET = "ver-secret-0123456789";
const Bucket = "vers";
let cluster: TestCluster;
let s3: S3Client[] = [];

beforeAll(async () => {
  ({ cluster, clients: s3 } = await startS3Cluster(3, { key: KEY, secret: SECRET }));
  await s3[0]!.send(new CreateBucketCommand({ Bucket }));
  await s3[0]!.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: "Enabled" } }));
});
afterAll(async () => {
  await cluster?.stop();
});

const put = (node: number, Key: string, body: string) => s3[node]!.send(new PutObjectCommand({ Bucket, Key, Body: body }));
const get = async (node: number, Key: string, VersionId?: string) => {
  const res = await s3[node]!.send(new GetObjectCommand({ Bucket, Key, VersionId }));
  return { body: await res.Body!.transformToString(), versionId: res.VersionId };
};
const versions = (node: number, Prefix: string) => s3[node]!.send(new ListObjectVersionsCommand({ Bucket, Prefix }));

describe("a versioned bucket", () => {
  test("GetBucketVersioning says Enabled on every node", async () => {
    for (const c of s3) expect((await c.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBe("Enabled");
  });

  test("an overwrite keeps the old version, read back by versionId through another node", async () => {
    const first = await put(0, "doc.txt", "first bytes");
    const second = await put(1, "doc.txt", "second bytes, longer");
    expect(first.VersionId).toMatch(/^[0-9a-f]{18}@/);
    expect(second.VersionId).toMatch(/^[0-9a-f]{18}@/);
    expect(second.VersionId).not.toBe(first.VersionId);
    const listed = await versions(2, "doc.txt");
    expect(listed.Versions?.map((v) => [v.VersionId, v.IsLatest, v.Size])).toEqual([
      [second.VersionId, true, 20],
      [first.VersionId, false, 11],
    ]);
    expect(await get(2, "doc.txt", first.VersionId)).toEqual({ body: "first bytes", versionId: first.VersionId });
    expect(await get(0, "doc.txt")).toEqual({ body: "second bytes, longer", versionId: second.VersionId });
    const head = await s3[2]!.send(new HeadObjectCommand({ Bucket, Key: "doc.txt", VersionId: first.VersionId }));
    expect([head.ContentLength, head.VersionId]).toEqual([11, first.VersionId]);
  });

  test("a delete leaves a delete marker: GET is 404, the old versions stay readable; removing the marker restores", async () => {
    const v1 = await put(0, "gone.txt", "keep me");
    const del = await s3[1]!.send(new DeleteObjectCommand({ Bucket, Key: "gone.txt" }));
    expect(del.DeleteMarker).toBe(true);
    expect(del.VersionId).toMatch(/^[0-9a-f]{18}@/);
    expect((await s3Failure(s3[2]!.send(new GetObjectCommand({ Bucket, Key: "gone.txt" })))).status).toBe(404);
    const listed = await versions(2, "gone.txt");
    expect(listed.DeleteMarkers?.map((m) => [m.VersionId, m.IsLatest])).toEqual([[del.VersionId, true]]);
    expect(listed.Versions?.map((v) => [v.VersionId, v.IsLatest])).toEqual([[v1.VersionId, false]]);
    expect((await get(0, "gone.txt", v1.VersionId)).body).toBe("keep me");
    // A plain listing does not show the deleted key.
    const plain = await s3[0]!.send(new ListObjectsV2Command({ Bucket, Prefix: "gone" }));
    expect(plain.Contents ?? []).toEqual([]);
    // Reading the marker itself is 405, as S3 answers.
    expect((await s3Failure(s3[0]!.send(new GetObjectCommand({ Bucket, Key: "gone.txt", VersionId: del.VersionId })))).status).toBe(405);

    const undo = await s3[2]!.send(new DeleteObjectCommand({ Bucket, Key: "gone.txt", VersionId: del.VersionId }));
    expect(undo.DeleteMarker).toBe(true);
    expect(await get(1, "gone.txt")).toEqual({ body: "keep me", versionId: v1.VersionId });
    expect((await versions(0, "gone.txt")).Versions?.map((v) => [v.VersionId, v.IsLatest])).toEqual([[v1.VersionId, true]]);
  });

  test("DELETE ?versionId removes a version for good; removing the newest brings back the one before", async () => {
    const a = await put(0, "perm.txt", "version a");
    const b = await put(0, "perm.txt", "version b");
    await s3[1]!.send(new DeleteObjectCommand({ Bucket, Key: "perm.txt", VersionId: a.VersionId }));
    expect((await s3Failure(s3[2]!.send(new GetObjectCommand({ Bucket, Key: "perm.txt", VersionId: a.VersionId })))).name).toBe("NoSuchVersion");
    expect((await versions(2, "perm.txt")).Versions?.map((v) => v.VersionId)).toEqual([b.VersionId]);
    const c = await put(1, "perm.txt", "version c");
    await s3[2]!.send(new DeleteObjectCommand({ Bucket, Key: "perm.txt", VersionId: c.VersionId }));
    expect(await get(0, "perm.txt")).toEqual({ body: "version b", versionId: b.VersionId });
    await s3[0]!.send(new DeleteObjectCommand({ Bucket, Key: "perm.txt", VersionId: b.VersionId }));
    expect((await s3Failure(s3[1]!.send(new GetObjectCommand({ Bucket, Key: "perm.txt" })))).status).toBe(404);
    expect((await versions(1, "perm.txt")).Versions ?? []).toEqual([]);
  });

  test("DeleteObjects with and without version ids", async () => {
    const v = await put(0, "batch/a", "a");
    await put(0, "batch/b", "b");
    const res = await s3[1]!.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: "batch/a", VersionId: v.VersionId }, { Key: "batch/b" }] } }));
    expect(res.Errors ?? []).toEqual([]);
    const byKey = Object.fromEntries((res.Deleted ?? []).map((d) => [d.Key, d]));
    expect(byKey["batch/a"]?.VersionId).toBe(v.VersionId);
    expect(byKey["batch/b"]?.DeleteMarker).toBe(true);
    const listed = await versions(2, "batch/");
    expect(listed.Versions?.map((x) => x.Key)).toEqual(["batch/b"]);
    expect(listed.DeleteMarkers?.map((x) => x.Key)).toEqual(["batch/b"]);
  });

  test("removing a key's last version empties its folder as a plain delete does", async () => {
    // The other key goes first (a marker), then the last version of this one: the folder is empty only after the
    // second delete, a version's removal, which must prune it as a plain delete would (in a DeleteObjects of both
    // the two race, and which one ends last is timing).
    const a = await put(0, "solo/a", "a");
    await put(0, "solo/b", "b");
    await s3[1]!.send(new DeleteObjectCommand({ Bucket, Key: "solo/b" }));
    await s3[1]!.send(new DeleteObjectCommand({ Bucket, Key: "solo/a", VersionId: a.VersionId }));
    const listed = await versions(2, "solo/");
    expect(listed.Versions?.map((x) => x.Key)).toEqual(["solo/b"]);
    expect(listed.DeleteMarkers?.map((x) => x.Key)).toEqual(["solo/b"]);
  });

  test("CopyObject from a source version", async () => {
    const old = await put(0, "src.txt", "old source");
    await put(0, "src.txt", "new source");
    const copy = await s3[1]!.send(new CopyObjectCommand({ Bucket, Key: "copy.txt", CopySource: `${Bucket}/src.txt?versionId=${encodeURIComponent(old.VersionId!)}` }));
    expect(copy.CopySourceVersionId).toBe(old.VersionId);
    expect(copy.VersionId).toMatch(/^[0-9a-f]{18}@/);
    expect(await get(2, "copy.txt")).toEqual({ body: "old source", versionId: copy.VersionId });
  });

  test("ListObjectVersions pages by key and version id markers", async () => {
    const ids: string[] = [];
    for (const body of ["p1", "p2", "p3"]) ids.unshift((await put(0, "page/x", body)).VersionId!);
    await put(0, "page/y", "y1");
    const seen: Array<[string, string]> = [];
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await s3[i % 3]!.send(new ListObjectVersionsCommand({ Bucket, Prefix: "page/", MaxKeys: 2, KeyMarker, VersionIdMarker }));
      seen.push(...(page.Versions ?? []).map((v): [string, string] => [v.Key!, v.VersionId!]));
      if (!page.IsTruncated) break;
      expect(page.Versions?.length).toBe(2);
      ({ NextKeyMarker: KeyMarker, NextVersionIdMarker: VersionIdMarker } = page);
    }
    expect(seen.map(([k]) => k)).toEqual(["page/x", "page/x", "page/x", "page/y"]);
    expect(seen.slice(0, 3).map(([, v]) => v)).toEqual(ids);
  });

  test("bad version ids are refused", async () => {
    expect((await s3Failure(s3[0]!.send(new GetObjectCommand({ Bucket, Key: "doc.txt", VersionId: "not-a-version" })))).name).toBe("InvalidArgument");
    expect((await s3Failure(s3[0]!.send(new GetObjectCommand({ Bucket, Key: "doc.txt", VersionId: "000000000000000000@nobody" })))).name).toBe("NoSuchVersion");
  });

  test("the versions' namespace is no bucket and no key", async () => {
    expect((await s3Failure(s3[0]!.send(new ListObjectsV2Command({ Bucket: ".orrery-versions" })))).status).toBeGreaterThanOrEqual(400);
    expect((await s3Failure(s3[0]!.send(new PutObjectCommand({ Bucket: ".orrery-versions", Key: "vers/doc.txt/x", Body: "x" })))).status).toBeGreaterThanOrEqual(400);
    const buckets = await (await fetch(`${cluster.nodes[0]!.url}/api/files/`)).json() as { entries: Array<{ name: string }> };
    expect(buckets.entries.map((e) => e.name)).not.toContain(".orrery-versions");
  });
});

describe("suspended versioning", () => {
  const B = "susp";
  beforeAll(async () => {
    await s3[0]!.send(new CreateBucketCommand({ Bucket: B }));
  });

  test("a bucket that never had versioning reports no status and 'null' versions", async () => {
    expect((await s3[1]!.send(new GetBucketVersioningCommand({ Bucket: B }))).Status).toBeUndefined();
    const w = await s3[0]!.send(new PutObjectCommand({ Bucket: B, Key: "k", Body: "plain" }));
    expect(w.VersionId).toBeUndefined();
    const listed = await s3[1]!.send(new ListObjectVersionsCommand({ Bucket: B }));
    expect(listed.Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest])).toEqual([["k", "null", true]]);
  });

  test("once suspended, versions kept stay and new writes are the 'null' version, replaced by the next", async () => {
    await s3[0]!.send(new PutBucketVersioningCommand({ Bucket: B, VersioningConfiguration: { Status: "Enabled" } }));
    const kept = await s3[0]!.send(new PutObjectCommand({ Bucket: B, Key: "k", Body: "versioned" }));
    await s3[0]!.send(new PutBucketVersioningCommand({ Bucket: B, VersioningConfiguration: { Status: "Suspended" } }));
    expect((await s3[2]!.send(new GetBucketVersioningCommand({ Bucket: B }))).Status).toBe("Suspended");
    const n1 = await s3[1]!.send(new PutObjectCommand({ Bucket: B, Key: "k", Body: "null one" }));
    expect(n1.VersionId).toBe("null");
    await s3[1]!.send(new PutObjectCommand({ Bucket: B, Key: "k", Body: "null two" }));
    const listed = await s3[2]!.send(new ListObjectVersionsCommand({ Bucket: B, Prefix: "k" }));
    // The plain write made before versioning was enabled was the null version, kept when "versioned" replaced it;
    // as in S3, a write while Suspended replaces the null version (one per key), the versioned ones stay.
    expect(listed.Versions?.map((v) => [v.VersionId === "null" ? "null" : "id", v.IsLatest, v.Size])).toEqual([
      ["null", true, 8],
      ["id", false, 9],
    ]);
    expect(listed.Versions?.[1]?.VersionId).toBe(kept.VersionId);
    expect((await get2(0, B, "k", "null")).body).toBe("null two");
    expect((await get2(0, B, "k", kept.VersionId!)).body).toBe("versioned");
  });
});

describe("an unversioned bucket", () => {
  test("deleting the 'null' version deletes the object, a folder marker too (tools emptying a bucket do this)", async () => {
    const P = "plain-null";
    await s3[0]!.send(new CreateBucketCommand({ Bucket: P }));
    await s3[0]!.send(new PutObjectCommand({ Bucket: P, Key: "a.txt", Body: "a" }));
    await s3[0]!.send(new PutObjectCommand({ Bucket: P, Key: "marker/", Body: "" }));
    const listed = await s3[1]!.send(new ListObjectVersionsCommand({ Bucket: P }));
    const objects = (listed.Versions ?? []).map((v) => ({ Key: v.Key!, VersionId: v.VersionId! }));
    expect(objects).toEqual([{ Key: "a.txt", VersionId: "null" }, { Key: "marker/", VersionId: "null" }]);
    const res = await s3[2]!.send(new DeleteObjectsCommand({ Bucket: P, Delete: { Objects: objects } }));
    expect(res.Errors ?? []).toEqual([]);
    expect((await s3[0]!.send(new ListObjectVersionsCommand({ Bucket: P }))).Versions ?? []).toEqual([]);
    await s3[0]!.send(new PutObjectCommand({ Bucket: P, Key: "b.txt", Body: "b" }));
    await s3[1]!.send(new DeleteObjectCommand({ Bucket: P, Key: "b.txt", VersionId: "null" }));
    expect((await s3Failure(s3[2]!.send(new GetObjectCommand({ Bucket: P, Key: "b.txt" })))).status).toBe(404);
  });
});

async function get2(node: number, B: string, Key: string, VersionId: string) {
  const res = await s3[node]!.send(new GetObjectCommand({ Bucket: B, Key, VersionId }));
  return { body: await res.Body!.transformToString() };
}
