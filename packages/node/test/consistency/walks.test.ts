// Walks over a tree read every folder from its manifest owners. A write's rows are pushed to the owners of its
// folder only (RF of them); the other members get them by anti-entropy, later. A node that walks a subtree from
// its own rows (an S3 listing without a delimiter, a ListObjectVersions, a WebDAV COPY of a collection, a folder's
// move) would miss files written moments ago through another node: a listing that leaves out an acknowledged
// object, a copy without it, a move that leaves it behind under the old name. Five nodes, RF 3; the walker, n5,
// pulls rows from its peers once when it joins and then not for an hour, so what it has not been pushed is
// what it must read from the owners (a name search at any depth asks every member). n4 serves S3 too, for a multipart upload fed through it and completed
// through the walker.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { answer, getAnswer } from "../harness/api.ts";
import { put, type TestCluster, type TestNode } from "../harness/cluster.ts";
import { freePort } from "../harness/ports.ts";
import { startWithWalker } from "../harness/walker.ts";

let cluster: TestCluster;
let writer: TestNode;
let walker: TestNode;
let s3: S3Client;
let feeder: S3Client;
const CREDS = { key: "walks-key", secret: "walks-secret-0123456789" };
const S3_ENV = { S3_CREDENTIALS: `${CREDS.key}:${CREDS.secret}` };

const clientOf = (port: number) =>
  new S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: CREDS.key, secretAccessKey: CREDS.secret },
    maxAttempts: 1,
  });

beforeAll(async () => {
  const feederPort = await freePort();
  const s3Port = await freePort();
  ({ cluster, writer, walker } = await startWithWalker({
    feeder: { ...S3_ENV, S3_PORT: String(feederPort) },
    walker: { ...S3_ENV, S3_PORT: String(s3Port) },
  }));
  s3 = clientOf(s3Port);
  feeder = clientOf(feederPort);
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

/**
 * Files `root/dN/sub/f.txt` written through the writer until `hidden` of them are in folders whose manifest owners
 * do not include the walker; returns every path written and the hidden ones, each checked absent from the walker's
 * own rows (the setup this test is about).
 */
async function writeFiles(root: string, hidden: number): Promise<{ all: string[]; hidden: string[] }> {
  const all: string[] = [];
  const out: string[] = [];
  for (let i = 0; out.length < hidden; i++) {
    expect(i).toBeLessThan(60);
    const path = `${root}/d${i}/sub/f.txt`;
    await answer(await put(writer.url, path, `file ${i} of ${root}`), "putFile", 201);
    all.push(path);
    const stat = await getAnswer(`${writer.url}/api/stat/${path}`, "stat");
    if (!stat.manifestOwners.includes(walker.id)) out.push(path);
  }
  for (const path of out) {
    const res = await fetch(`${walker.url}/api/files/${path}?consistency=local`);
    expect({ path, status: res.status }).toEqual({ path, status: 404 });
  }
  return { all, hidden: out };
}

describe("walks over a tree read each folder from its owners", () => {
  test("an S3 listing without a delimiter, and ListObjectVersions, through a node that was not pushed the rows", async () => {
    const { all } = await writeFiles("walks-s3/v2", 3);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: "walks-s3", Prefix: "v2/" }));
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual(all.map((p) => p.slice("walks-s3/".length)).sort());

    const versioned = await writeFiles("walks-s3/ver", 3);
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: "walks-s3", Prefix: "ver/" }));
    expect((versions.Versions ?? []).map((v) => v.Key).sort()).toEqual(versioned.all.map((p) => p.slice("walks-s3/".length)).sort());
  });

  test("a multipart Complete through that node removes every part of the upload, also one it was not pushed", async () => {
    // An upload whose staging folder's owners leave out the walker: its parts' rows reach it only by anti-entropy.
    let uploadId = "";
    let key = "";
    for (let i = 0; uploadId === ""; i++) {
      expect(i).toBeLessThan(40);
      key = `mp/obj${i}`;
      const created = await feeder.send(new CreateMultipartUploadCommand({ Bucket: "walks-s3", Key: key }));
      const stat = await getAnswer(`${writer.url}/api/stat/.s3-uploads/${created.UploadId}/upload.json`, "stat");
      if (!stat.manifestOwners.includes(walker.id)) uploadId = created.UploadId!;
    }
    const parts = [];
    for (const n of [1, 2]) {
      const up = await feeder.send(new UploadPartCommand({ Bucket: "walks-s3", Key: key, UploadId: uploadId, PartNumber: n, Body: `part ${n}` }));
      parts.push({ PartNumber: n, ETag: up.ETag! });
    }
    const staged = `.s3-uploads/${uploadId}/part-00002`;
    expect((await fetch(`${writer.url}/api/files/${staged}`)).status).toBe(200);
    expect((await fetch(`${walker.url}/api/files/${staged}?consistency=local`)).status).toBe(404);
    // Only part 1 makes the object; part 2 was uploaded and left out, as a client that retried a part may.
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: "walks-s3", Key: key, UploadId: uploadId, MultipartUpload: { Parts: [parts[0]!] } }));
    expect(await (await fetch(`${writer.url}/api/files/walks-s3/${key}`)).text()).toBe("part 1");
    expect({ staged, status: (await fetch(`${writer.url}/api/files/${staged}`)).status }).toEqual({ staged, status: 404 });
  });

  test("a WebDAV COPY of a collection through that node copies every file", async () => {
    const { all } = await writeFiles("walks-dav", 3);
    const res = await fetch(`${walker.url}/dav/walks-dav`, { method: "COPY", headers: { destination: `${walker.url}/dav/walks-dav-copy`, depth: "infinity" } });
    expect(res.status).toBe(201);
    for (const path of all) {
      const copy = path.replace("walks-dav/", "walks-dav-copy/");
      const got = await fetch(`${writer.url}/api/files/${copy}`);
      expect({ copy, status: got.status }).toEqual({ copy, status: 200 });
      expect(await got.text()).toBe(await (await fetch(`${writer.url}/api/files/${path}`)).text());
    }
  });

  test("a name search through that node finds what was written through another, and not what was deleted there", async () => {
    const { all } = await writeFiles("walks-find", 3);
    // A file the walker itself wrote (so it holds the row) into a folder it does not own, then deleted through the
    // writer: the tombstone goes to the folder's owners, and the walker's own row stays live.
    let gone = "";
    const kept: string[] = [];
    for (let i = 0; gone === ""; i++) {
      expect(i).toBeLessThan(60);
      const path = `walks-find/gone${i}/f.txt`;
      await answer(await put(walker.url, path, "to be deleted"), "putFile", 201);
      if (!(await getAnswer(`${writer.url}/api/stat/${path}`, "stat")).manifestOwners.includes(walker.id)) gone = path;
      else kept.push(path);
    }
    const live = [...all, ...kept].sort();
    expect((await fetch(`${writer.url}/api/files/${gone}`, { method: "DELETE" })).status).toBe(200);
    expect((await fetch(`${walker.url}/api/files/${gone}?consistency=local`)).status).toBe(200);

    const found = await getAnswer(`${walker.url}/api/search?path=/walks-find&q=F.TXT`, "search");
    expect(found.entries.map((e) => e.path.slice(1))).toEqual(live);
    expect(found.more).toBe(false);
    // Page by page (two matches a page) the same matches, in path order, each once.
    const paged: string[] = [];
    let after = "";
    for (let pages = 0; ; pages++) {
      expect(pages).toBeLessThan(10);
      const page = await getAnswer(`${walker.url}/api/search?path=/walks-find&q=f.txt&limit=2${after ? `&after=${encodeURIComponent(after)}` : ""}`, "search");
      paged.push(...page.entries.map((e) => e.path.slice(1)));
      if (!page.more) break;
      after = page.next!;
    }
    expect(paged).toEqual(live);
  });

  test("a folder's move through that node moves every file and leaves nothing behind", async () => {
    const { all } = await writeFiles("walks-mv", 3);
    const moved = await fetch(`${walker.url}/api/move`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ from: "/walks-mv", to: "/walks-moved" }),
    });
    expect(moved.status).toBe(200);
    for (const path of all) {
      const to = path.replace("walks-mv/", "walks-moved/");
      expect({ to, status: (await fetch(`${writer.url}/api/files/${to}`)).status }).toEqual({ to, status: 200 });
      expect({ path, status: (await fetch(`${writer.url}/api/files/${path}`)).status }).toEqual({ path, status: 404 });
    }
  });
});
