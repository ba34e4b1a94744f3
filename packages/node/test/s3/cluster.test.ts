// S3 on three nodes: one bucket everywhere, and one multipart upload created on n1, fed through n1
// and n2 and completed on n3 (its parts are ordinary replicated files); a Complete retried through
// another node; two uploads of one part number racing through two nodes, completed through a third
// that the later one's manifest has not reached; what a PutObject reads from the other members (one quorum read,
// as a files-API PUT: no page of the bucket's entries, no second read), and that it still reads its bucket at
// quorum (a bucket deleted through another node is gone for it, not made again).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { PassThrough } from "node:stream";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  DeleteObjectTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { randomBytes, sha256, TestCluster, waitFor } from "../harness/cluster.ts";
import { FAULT_ENV, setBlocked } from "../faults/util.ts";
import { callsMade } from "../harness/walker.ts";
import { s3Failure, startS3Cluster } from "./s3-cluster.ts";

const KEY = "cluster-key";
const SECRET = "cluster-secret-0123456789";
let cluster: TestCluster;
let clients: S3Client[] = [];

/**
 * Quorum reads counted by peer calls: of rows (manifests.newer, or manifests.get to a node of an earlier version) and
 * of a folder's page (manifests.newerChildren, or manifests.children).
 */
/**
 * The owners quorum reads asked for rows and for pages, beyond those asked only because an owner was slow or
 * failed (the hedge: timing, which a loaded machine changes, not the number of reads an operation makes).
 */
const quorumReads = async (calls: (method: string) => Promise<number>) => ({
  get: (await calls("manifests.newer")) + (await calls("manifests.get")) - (await extraCalls("rows")),
  children: (await calls("manifests.newerChildren")) + (await calls("manifests.children")) - (await extraCalls("pages")),
});
const extraCalls = async (read: "rows" | "pages") => {
  let sum = 0;
  for (const n of cluster.nodes) {
    const line = (await (await fetch(`${n.url}/metrics`)).text()).split("\n").find((l) => l.startsWith(`orrery_quorum_read_extra_calls_total{read="${read}"}`));
    sum += line ? Number(line.split(" ").pop()) : 0;
  }
  return sum;
};

/** The quorum reads (peer calls over the whole cluster) that `action` makes. */
const readsBetween = async (action: () => Promise<void>) => {
  const calls = async (method: string) => (await Promise.all(cluster.nodes.map((n) => callsMade(n.url, method)))).reduce((a, b) => a + b, 0);
  const count = () => quorumReads(calls);
  const before = await count();
  await action();
  const after = await count();
  return { get: after.get - before.get, children: after.children - before.children };
};

const bytesOf = async (c: S3Client, Key: string) => {
  const out = await c.send(new GetObjectCommand({ Bucket: "shared", Key }));
  return new Uint8Array(await out.Body!.transformToByteArray());
};

beforeAll(async () => {
  // Fault injection: a node can be cut off from one peer, so that a write reaches its quorum without it.
  // Range anti-entropy fetches rows it finds missing with manifests.get too (a third copy still on its way is
  // one): it would count among the reads the tests below compare, so it waits an hour here.
  ({ cluster, clients } = await startS3Cluster(3, { key: KEY, secret: SECRET }, { ...FAULT_ENV, RANGE_SYNC_INTERVAL_MS: "3600000" }));
  await clients[0]!.send(new CreateBucketCommand({ Bucket: "shared" }));
});
afterAll(async () => {
  await cluster?.stop();
});

describe("S3 across three nodes", () => {
  test("an object put through one node is read through the others", async () => {
    const data = randomBytes(2 * 1024 * 1024 + 7);
    await clients[0]!.send(new PutObjectCommand({ Bucket: "shared", Key: "a/b.bin", Body: data }));
    for (const c of clients.slice(1)) {
      await waitFor(async () => sha256(await bytesOf(c, "a/b.bin")) === sha256(data), 10_000, "the object on every node");
    }
  });

  test("a multipart upload created on n1, fed through n1 and n2, completed on n3", async () => {
    const [n1, n2, n3] = clients as [S3Client, S3Client, S3Client];
    const Key = "mp/object.bin";
    const { UploadId } = await n1.send(new CreateMultipartUploadCommand({ Bucket: "shared", Key }));
    const parts = [randomBytes(5 * 1024 * 1024 + 99), randomBytes(4321)];
    await waitFor(
      async () => ((await n2.send(new ListMultipartUploadsCommand({ Bucket: "shared" }))).Uploads ?? []).some((u) => u.UploadId === UploadId),
      10_000,
      "the upload to reach n2",
    );
    const e1 = (await n1.send(new UploadPartCommand({ Bucket: "shared", Key, UploadId, PartNumber: 1, Body: parts[0] }))).ETag!;
    const e2 = (await n2.send(new UploadPartCommand({ Bucket: "shared", Key, UploadId, PartNumber: 2, Body: parts[1] }))).ETag!;
    await waitFor(
      async () => ((await n3.send(new ListPartsCommand({ Bucket: "shared", Key, UploadId }))).Parts ?? []).length === 2,
      10_000,
      "both parts to reach n3",
    );
    await n3.send(
      new CompleteMultipartUploadCommand({
        Bucket: "shared",
        Key,
        UploadId,
        MultipartUpload: { Parts: [{ ETag: e1, PartNumber: 1 }, { ETag: e2, PartNumber: 2 }] },
      }),
    );
    const whole = sha256(Buffer.concat(parts));
    for (const c of clients) await waitFor(async () => sha256(await bytesOf(c, Key)) === whole, 10_000, "the completed object on every node");
  });

  test("a Complete retried through another node answers 200 with the same ETag", async () => {
    const [n1, n2, n3] = clients as [S3Client, S3Client, S3Client];
    const Key = "mp/retried.bin";
    const { UploadId } = await n1.send(new CreateMultipartUploadCommand({ Bucket: "shared", Key }));
    // Straight through another node: the upload's record is read at quorum, not waited for.
    const part = await n2.send(new UploadPartCommand({ Bucket: "shared", Key, UploadId, PartNumber: 1, Body: randomBytes(1000) }));
    const Parts = [{ ETag: part.ETag, PartNumber: 1 }];
    const done = await n3.send(new CompleteMultipartUploadCommand({ Bucket: "shared", Key, UploadId, MultipartUpload: { Parts } }));
    for (const c of [n1, n2, n3]) {
      const again = await c.send(new CompleteMultipartUploadCommand({ Bucket: "shared", Key, UploadId, MultipartUpload: { Parts } }));
      expect(again.ETag).toBe(done.ETag);
    }
  });

  test("two uploads of one part number through two nodes: the one that finished last is the part, even for a node it has not reached", async () => {
    const [n1, n2, n3] = clients as [S3Client, S3Client, S3Client];
    const [node1, , node3] = cluster.nodes;
    const Key = "mp/raced.bin";
    const { UploadId } = await n1.send(new CreateMultipartUploadCommand({ Bucket: "shared", Key }));
    const slow = randomBytes(3 * 1024 * 1024);
    const quick = randomBytes(2 * 1024 * 1024 + 1);
    // n1 stops sending to n3: its part reaches a quorum (n1, n2) but not n3, which holds the other one.
    await setBlocked(node1!, [node3!.id]);
    try {
      const stream = new PassThrough();
      stream.write(Buffer.from(slow.subarray(0, slow.length / 2)));
      const slowSent = n1.send(new UploadPartCommand({ Bucket: "shared", Key, UploadId, PartNumber: 1, Body: stream, ContentLength: slow.length }));
      await Bun.sleep(300);
      const first = await n2.send(new UploadPartCommand({ Bucket: "shared", Key, UploadId, PartNumber: 1, Body: quick }));
      stream.end(Buffer.from(slow.subarray(slow.length / 2)));
      const last = await slowSent;
      const Parts = (ETag: string | undefined) => ({ Parts: [{ ETag, PartNumber: 1 }] });
      // Through n3, at once: the part a read quorum holds is the later one.
      const done = await n3.send(new CompleteMultipartUploadCommand({ Bucket: "shared", Key, UploadId, MultipartUpload: Parts(last.ETag) }));
      expect(done.ETag).toBe(`"${new Bun.CryptoHasher("md5").update(Buffer.from(last.ETag!.replace(/"/g, ""), "hex")).digest("hex")}-1"`);
      expect(first.ETag).not.toBe(last.ETag);
      expect(sha256(await bytesOf(n3, Key))).toBe(sha256(slow));
    } finally {
      await setBlocked(node1!, []);
    }
    for (const c of clients) await waitFor(async () => sha256(await bytesOf(c, Key)) === sha256(slow), 10_000, "the completed object on every node");
  });

  test("a PutObject reads from the other members what a files-API PUT does: one quorum read, no page of the bucket's entries", async () => {
    const [node1] = cluster.nodes;
    const calls = async (method: string) => (await Promise.all(cluster.nodes.map((n) => callsMade(n.url, method)))).reduce((a, b) => a + b, 0);
    const reads = () => quorumReads(calls);
    // The folder exists first (and the bucket holds other entries), so every write below is one new file in it.
    await clients[0]!.send(new PutObjectCommand({ Bucket: "shared", Key: "reads/first", Body: randomBytes(100) }));
    for (let i = 0; i < 5; i++) await clients[0]!.send(new PutObjectCommand({ Bucket: "shared", Key: `top-${i}`, Body: randomBytes(100) }));
    const count = 5;
    const t0 = await reads();
    for (let i = 0; i < count; i++) {
      const res = await fetch(`${node1!.url}/api/files/shared/reads/files-${i}?durability=quorum`, { method: "PUT", body: randomBytes(4096) });
      expect(res.status).toBe(201);
    }
    const t1 = await reads();
    for (let i = 0; i < count; i++) await clients[0]!.send(new PutObjectCommand({ Bucket: "shared", Key: `reads/s3-${i}`, Body: randomBytes(4096) }));
    const t2 = await reads();
    const files = { get: t1.get - t0.get, children: t1.children - t0.children };
    const s3 = { get: t2.get - t1.get, children: t2.children - t1.children };
    expect(files.get).toBeGreaterThanOrEqual(count); // the files API's reads are counted at all
    expect(s3).toEqual(files);
  });

  test("DeleteObject, CopyObject, GetObject and HeadObject read what their files-API twins read: one quorum read each", async () => {
    const [node1] = cluster.nodes;
    const s3 = clients[0]!;
    const count = 5;
    const file = (name: string) => `${node1!.url}/api/files/shared/twins/${name}`;
    // The folder keeps one entry throughout, so no delete below empties it (and prunes it).
    await s3.send(new PutObjectCommand({ Bucket: "shared", Key: "twins/keep", Body: randomBytes(100) }));
    for (let i = 0; i < count; i++) {
      await s3.send(new PutObjectCommand({ Bucket: "shared", Key: `twins/files-${i}`, Body: randomBytes(4096) }));
      await s3.send(new PutObjectCommand({ Bucket: "shared", Key: `twins/s3-${i}`, Body: randomBytes(4096) }));
    }
    const reads = () => readsBetween(async () => {});
    const twins = async (files: (i: number) => Promise<unknown>, s3op: (i: number) => Promise<unknown>) => {
      const viaFiles = await readsBetween(async () => {
        for (let i = 0; i < count; i++) await files(i);
      });
      const viaS3 = await readsBetween(async () => {
        for (let i = 0; i < count; i++) await s3op(i);
      });
      return { viaFiles, viaS3 };
    };
    expect(await reads()).toEqual({ get: 0, children: 0 });

    // A GET and a HEAD: one read of the key (and its bucket, in the same call).
    const gets = await twins(
      async (i) => expect((await fetch(file(`files-${i}`))).status).toBe(200),
      (i) => s3.send(new GetObjectCommand({ Bucket: "shared", Key: `twins/s3-${i}` })).then((o) => o.Body!.transformToByteArray()),
    );
    expect(gets.viaFiles.get).toBeGreaterThanOrEqual(count);
    expect(gets.viaS3).toEqual(gets.viaFiles);
    const heads = await twins(
      async (i) => expect((await fetch(file(`files-${i}`), { method: "HEAD" })).status).toBe(200),
      (i) => s3.send(new HeadObjectCommand({ Bucket: "shared", Key: `twins/s3-${i}` })),
    );
    expect(heads.viaS3).toEqual(heads.viaFiles);

    // A CopyObject reads its source and its destination with its folders in one quorum read, as a PutObject reads
    // the latter (no second read of the destination by the write).
    const copies = await twins(
      (i) => s3.send(new PutObjectCommand({ Bucket: "shared", Key: `twins/put-${i}`, Body: randomBytes(4096) })),
      (i) => s3.send(new CopyObjectCommand({ Bucket: "shared", Key: `twins/copy-${i}`, CopySource: `shared/twins/s3-${i}` })),
    );
    expect(copies.viaFiles.get).toBeGreaterThanOrEqual(count);
    expect(copies.viaS3).toEqual(copies.viaFiles);

    // A DeleteObject reads the key once, as a files-API DELETE (the delete does not read it again).
    const deletes = await twins(
      async (i) => expect((await fetch(`${file(`files-${i}`)}?durability=quorum`, { method: "DELETE" })).status).toBe(200),
      (i) => s3.send(new DeleteObjectCommand({ Bucket: "shared", Key: `twins/s3-${i}` })),
    );
    expect(deletes.viaFiles.get).toBeGreaterThanOrEqual(count);
    expect(deletes.viaS3).toEqual(deletes.viaFiles);
    for (let i = 0; i < count; i++) {
      expect(await s3Failure(s3.send(new HeadObjectCommand({ Bucket: "shared", Key: `twins/s3-${i}` })))).toMatchObject({ status: 404 });
    }
  });

  test("a PutObjectTagging and a DeleteObjectTagging read what a GetObject reads: one quorum read each", async () => {
    const s3 = clients[0]!;
    const count = 4;
    for (let i = 0; i < count; i++) await s3.send(new PutObjectCommand({ Bucket: "shared", Key: `tags/o-${i}`, Body: randomBytes(100) }));
    const gets = await readsBetween(async () => {
      for (let i = 0; i < count; i++) await s3.send(new GetObjectCommand({ Bucket: "shared", Key: `tags/o-${i}` })).then((o) => o.Body!.transformToByteArray());
    });
    expect(gets.get).toBeGreaterThanOrEqual(count);
    const TagSet = [{ Key: "colour", Value: "blue" }];
    const puts = await readsBetween(async () => {
      for (let i = 0; i < count; i++) await s3.send(new PutObjectTaggingCommand({ Bucket: "shared", Key: `tags/o-${i}`, Tagging: { TagSet } }));
    });
    expect(puts).toEqual(gets);
    const deletes = await readsBetween(async () => {
      for (let i = 0; i < count; i++) await s3.send(new DeleteObjectTaggingCommand({ Bucket: "shared", Key: `tags/o-${i}` }));
    });
    expect(deletes).toEqual(gets);
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: "shared", Key: "tags/o-0" }))).TagSet).toEqual([]);
  });

  test("a DeleteObjects of many keys reads them in one quorum read, not one per key", async () => {
    const s3 = clients[0]!;
    const keys = Array.from({ length: 40 }, (_, i) => `multi/k-${i}`);
    await s3.send(new PutObjectCommand({ Bucket: "shared", Key: "multi/keep", Body: randomBytes(10) }));
    for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket: "shared", Key, Body: randomBytes(100) }));
    const read = await readsBetween(async () => {
      const out = await s3.send(new DeleteObjectsCommand({ Bucket: "shared", Delete: { Objects: keys.map((Key) => ({ Key })) } }));
      expect(out.Deleted?.length).toBe(keys.length);
    });
    // The request's own read of the bucket, then the keys: one call to the one owner a read asks, each.
    expect(read).toEqual({ get: 2, children: 0 });
    for (const Key of keys.slice(0, 3)) expect(await s3Failure(s3.send(new HeadObjectCommand({ Bucket: "shared", Key })))).toMatchObject({ status: 404 });
  });

  test("a PutObject through a node that missed its bucket's delete is NoSuchBucket, and makes no bucket again", async () => {
    const [n1, , n3] = clients as [S3Client, S3Client, S3Client];
    const [node1, , node3] = cluster.nodes;
    await n1.send(new CreateBucketCommand({ Bucket: "short-lived" }));
    await waitFor(async () => (await fetch(`${node3!.url}/api/stat/short-lived?consistency=local`)).status === 200, 10_000, "the bucket on n3");
    // n1 stops sending to n3: the delete reaches a quorum (n1, n2), and n3 still holds the bucket's live row.
    await setBlocked(node1!, [node3!.id]);
    try {
      await n1.send(new DeleteBucketCommand({ Bucket: "short-lived" }));
      expect((await fetch(`${node3!.url}/api/stat/short-lived?consistency=local`)).status).toBe(200);
      expect(await s3Failure(n3.send(new PutObjectCommand({ Bucket: "short-lived", Key: "k", Body: randomBytes(10) })))).toEqual({ name: "NoSuchBucket", status: 404 });
    } finally {
      await setBlocked(node1!, []);
    }
    expect((await fetch(`${node1!.url}/api/stat/short-lived`)).status).toBe(404);
  });
});
