// Conditional writes that are linearizable per path (consistency issue, case 6), with real nodes: two
// clients that both "create if absent" (If-None-Match: *) or both "replace if unchanged" (If-Match) through
// different nodes — over the files API, S3 and WebDAV, also across a partition — never both succeed.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { TestCluster, waitFor } from "../harness/cluster.ts";
import { freePort } from "../harness/ports.ts";
import { FAULT_ENV, setBlocked } from "../faults/util.ts";

const KEY = "conditional-key";
const SECRET = "conditional-secret-0123456789";
let cluster: TestCluster;
const s3: S3Client[] = [];

beforeAll(async () => {
  const env: Record<string, string> = { ...FAULT_ENV, S3_CREDENTIALS: `${KEY}:${SECRET}`, S3_PORT: "" };
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    env.S3_PORT = String(port);
    if (i === 0) cluster = await TestCluster.start(1, { env });
    else await cluster.add();
    s3.push(new S3Client({ endpoint: `http://127.0.0.1:${port}`, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: KEY, secretAccessKey: SECRET }, maxAttempts: 1 }));
  }
  await cluster.waitForMembers(3);
  await s3[0]!.send(new CreateBucketCommand({ Bucket: "cond" }));
});
afterAll(async () => {
  await cluster?.stop();
});

const putIf = (url: string, path: string, body: string, headers: Record<string, string>) =>
  fetch(`${url}/api/files/${path}`, { method: "PUT", body, headers });

describe("conditional writes", () => {
  test("files API: create-if-absent raced through two nodes, 10 times: one 201, one 412, the winner's bytes everywhere", async () => {
    const [a, b, c] = cluster.nodes;
    for (let i = 0; i < 10; i++) {
      const path = `cond/f${i}.txt`;
      const [ra, rb] = await Promise.all([putIf(a!.url, path, "from a", { "if-none-match": "*" }), putIf(b!.url, path, "from b", { "if-none-match": "*" })]);
      expect([ra.status, rb.status].sort()).toEqual([201, 412]);
      const loser = ra.status === 412 ? ra : rb;
      expect(((await loser.json()) as { code: string }).code).toBe("precondition_failed");
      const winner = ra.status === 201 ? "from a" : "from b";
      for (const n of [a!, b!, c!]) expect(await (await fetch(`${n.url}/api/files/${path}`)).text()).toBe(winner);
    }
  });

  test("files API: replace-if-unchanged raced with the same ETag: one wins; a stale ETag and a missing file are 412", async () => {
    const [a, b] = cluster.nodes;
    expect((await putIf(a!.url, "cond/doc", "v1", {})).status).toBe(201);
    const etag = (await fetch(`${b!.url}/api/files/cond/doc`, { method: "HEAD" })).headers.get("etag")!;
    const [ra, rb] = await Promise.all([putIf(a!.url, "cond/doc", "edit a", { "if-match": etag }), putIf(b!.url, "cond/doc", "edit b", { "if-match": etag })]);
    expect([ra.status, rb.status].sort()).toEqual([201, 412]);
    expect((await putIf(a!.url, "cond/doc", "stale", { "if-match": etag })).status).toBe(412);
    expect((await putIf(a!.url, "cond/missing", "x", { "if-match": "*" })).status).toBe(412);
    // A conditional delete too.
    const now = (await fetch(`${a!.url}/api/files/cond/doc`, { method: "HEAD" })).headers.get("etag")!;
    expect((await fetch(`${b!.url}/api/files/cond/doc`, { method: "DELETE", headers: { "if-match": etag } })).status).toBe(412);
    expect((await fetch(`${b!.url}/api/files/cond/doc`, { method: "DELETE", headers: { "if-match": now } })).status).toBe(200);
  });

  test("S3 PutObject If-None-Match raced through two nodes: one succeeds, one PreconditionFailed; DeleteObject If-Match", async () => {
    for (let i = 0; i < 5; i++) {
      const Key = `race/k${i}`;
      const results = await Promise.allSettled([0, 1].map((n) => s3[n]!.send(new PutObjectCommand({ Bucket: "cond", Key, Body: `node ${n}`, IfNoneMatch: "*" }))));
      expect(results.filter((r) => r.status === "fulfilled").length).toBe(1);
      const failed = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      expect((failed.reason as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(412);
    }
    const got = await s3[2]!.send(new GetObjectCommand({ Bucket: "cond", Key: "race/k0" }));
    await expect(s3[1]!.send(new DeleteObjectCommand({ Bucket: "cond", Key: "race/k0", IfMatch: '"0123456789abcdef0123456789abcdef"' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
    await s3[1]!.send(new DeleteObjectCommand({ Bucket: "cond", Key: "race/k0", IfMatch: got.ETag }));
  });

  test("S3 PutObject If-Match raced through two nodes with the S3 ETag: one replaces, one PreconditionFailed; a stale or absent one too", async () => {
    const Key = "race/edited";
    const first = await s3[0]!.send(new PutObjectCommand({ Bucket: "cond", Key, Body: "first" }));
    const results = await Promise.allSettled([0, 1].map((n) => s3[n]!.send(new PutObjectCommand({ Bucket: "cond", Key, Body: `edit ${n}`, IfMatch: first.ETag }))));
    expect(results.map((r) => (r.status === "fulfilled" ? 200 : (r.reason as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode)).sort()).toEqual([200, 412]);
    const won = results.findIndex((r) => r.status === "fulfilled");
    const got = await s3[2]!.send(new GetObjectCommand({ Bucket: "cond", Key }));
    expect(await got.Body!.transformToString()).toBe(`edit ${won}`);
    // The ETag it replaced is stale now; a key that is not there matches no ETag.
    await expect(s3[2]!.send(new PutObjectCommand({ Bucket: "cond", Key, Body: "late", IfMatch: first.ETag }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
    await expect(s3[2]!.send(new PutObjectCommand({ Bucket: "cond", Key: "race/absent", Body: "x", IfMatch: first.ETag }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
    expect(await (await s3[0]!.send(new GetObjectCommand({ Bucket: "cond", Key }))).Body!.transformToString()).toBe(`edit ${won}`);
    expect((await fetch(`${cluster.nodes[0]!.url}/api/files/cond/race/absent`)).status).toBe(404);
  });

  test("WebDAV PUT If-None-Match raced through two nodes: one 201, one 412", async () => {
    const [a, b] = cluster.nodes;
    const dav = (url: string, body: string) => fetch(`${url}/dav/cond/dav.txt`, { method: "PUT", body, headers: { "if-none-match": "*" } });
    const [ra, rb] = await Promise.all([dav(a!.url, "a"), dav(b!.url, "b")]);
    expect([ra.status, rb.status].sort()).toEqual([201, 412]);
  });

  test("across a partition: the side with a majority of owners decides, the other cannot (503), never both", async () => {
    const [a, b, c] = cluster.nodes;
    await Promise.all([setBlocked(a!, ["n2", "n3"]), setBlocked(b!, ["n1"]), setBlocked(c!, ["n1"])]);
    try {
      const [lonely, majority] = await Promise.all([putIf(a!.url, "cond/split.txt", "alone", { "if-none-match": "*" }), putIf(b!.url, "cond/split.txt", "together", { "if-none-match": "*" })]);
      expect(lonely.status).toBe(503);
      expect(majority.status).toBe(201);
    } finally {
      await Promise.all(cluster.nodes.map((n) => setBlocked(n, [])));
    }
    await cluster.waitForMembers(3, 30_000);
    await waitFor(async () => (await fetch(`${a!.url}/api/files/cond/split.txt`)).status === 200, 15_000, "n1 to learn the file");
    expect(await (await fetch(`${a!.url}/api/files/cond/split.txt`)).text()).toBe("together");
    expect((await putIf(a!.url, "cond/split.txt", "again", { "if-none-match": "*" })).status).toBe(412);
  });
});
