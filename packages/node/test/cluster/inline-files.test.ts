// Issue 11: small files kept inside their manifest on three real nodes. A quorum write leaves no chunk file on
// any node; every API reads the bytes through every node (with Content-Length, ranges, copies, a zip), the
// health numbers count the manifest's copies, a file grows past the threshold and shrinks back, and with one
// node killed every file still reads.
import { afterAll, beforeAll, expect, test } from "bun:test";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type S3Client,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { answer, getAnswer } from "../harness/api.ts";
import { put, randomBytes, sha256, type TestCluster, type TestNode, waitFor } from "../harness/cluster.ts";
import { startS3Cluster } from "../s3/s3-cluster.ts";
import { answerBytes, callsMade } from "../harness/walker.ts";

let cluster: TestCluster;
let s3: S3Client[];
const scratch = mkdtempSync(join(tmpdir(), "orrery-inline-"));

beforeAll(async () => {
  // A quick GC, so that the chunk a file had before it shrank back below the threshold is seen to go.
  const gc = { GC_INTERVAL_S: "0.5", GC_MIN_CHUNK_AGE_S: "1", GC_MIN_TOMBSTONE_AGE_S: "1" };
  // Range anti-entropy fetches rows it finds missing with manifests.get, which the read tests below count: off here.
  const noRangeSync = { RANGE_SYNC_INTERVAL_MS: "3600000" };
  ({ cluster, clients: s3 } = await startS3Cluster(3, { key: "inlinekey", secret: "inline-secret-key" }, { ...gc, ...noRangeSync }));
}, 90_000);
afterAll(async () => {
  await cluster?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** Sizes around the edges: one byte, an odd size, and exactly the threshold (4 KiB). */
const SIZES = [1, 777, 4095, 4096];
const files = SIZES.map((size, i) => ({ path: `small/f${i}.bin`, data: randomBytes(size) }));
const nodes = () => cluster.nodes as [TestNode, TestNode, TestNode];
const get = (node: TestNode, path: string, headers: Record<string, string> = {}) => fetch(`${node.url}/api/files/${path}`, { headers });

test("small files written at quorum through every node leave no chunk file anywhere, and every node reads them", async () => {
  await cluster.explain(async () => {
    for (const [i, f] of files.entries()) {
      const written = await answer(await put(nodes()[i % 3]!.url, f.path, f.data), "putFile", 201);
      expect(written).toMatchObject({ size: f.data.length, chunks: [], sha256: sha256(f.data) });
      // At quorum the row (and so the bytes) is on two nodes at least when the 201 comes.
      const holding = await Promise.all(nodes().map(async (n) => (await get(n, `${f.path}?consistency=local`)).status === 200));
      expect(holding.filter(Boolean).length).toBeGreaterThanOrEqual(2);
    }
    for (const n of nodes()) expect(n.chunkFiles()).toEqual([]);
    for (const n of nodes()) expect((await n.status()).chunks.count).toBe(0);
    for (const n of nodes()) {
      for (const f of files) {
        const res = await get(n, f.path);
        expect(res.status).toBe(200);
        expect(res.headers.get("content-length")).toBe(String(f.data.length));
        expect(res.headers.get("etag")).toBe(`"${sha256(f.data)}"`);
        expect(sha256(new Uint8Array(await res.arrayBuffer()))).toBe(sha256(f.data));
      }
    }
  });
});

test("a read through a node that holds the file's row: the owner asked sends no row back, a few bytes instead of its 4 KiB", async () => {
  const [a, b] = nodes();
  const path = "small/held.bin";
  const data = randomBytes(4096);
  const { version } = await answer(await put(a.url, path, data), "putFile", 201);
  const heldOnB = async () => {
    const res = await fetch(`${b.url}/api/stat/${path}?consistency=local`);
    return res.status === 200 && (await answer(res, "stat")).version === version;
  };
  await waitFor(heldOnB, 10_000, "the row on b");
  const reads = async () => ({
    newer: await callsMade(b.url, "manifests.newer"),
    get: await callsMade(b.url, "manifests.get"),
    bytes: (await answerBytes(b.url, "manifests.newer")) + (await answerBytes(b.url, "manifests.get")),
  });
  const before = await reads();
  const count = 5;
  for (let i = 0; i < count; i++) {
    const res = await get(b, path);
    expect(sha256(new Uint8Array(await res.arrayBuffer()))).toBe(sha256(data));
  }
  const after = await reads();
  // One quorum read per GET (b and the owner it asks make R = 2), and no manifests.get: every node knows the method.
  expect(after.newer - before.newer).toBeGreaterThanOrEqual(count);
  expect(after.get - before.get).toBe(0);
  // Each answer is `{"rows":[null,null]}` and its status byte; the row it used to carry was ~5.8 KB of JSON.
  expect((after.bytes - before.bytes) / (after.newer - before.newer)).toBeLessThan(100);
});

test("a listing through a node that holds the folder's rows: the owner asked sends none of them back", async () => {
  const [a, b] = nodes();
  const count = 20;
  const written: Array<{ path: string; version: string }> = [];
  for (let i = 0; i < count; i++) written.push(await answer(await put(a.url, `listed/f${i}.bin`, randomBytes(4096)), "putFile", 201));
  await waitFor(
    async () => {
      const res = await fetch(`${b.url}/api/files/listed/?consistency=local`);
      if (res.status !== 200) return false;
      const { entries } = await answer(res, "getFile");
      return written.every((w) => entries.some((e) => e.path === w.path && e.version === w.version));
    },
    10_000,
    "every row on b",
  );
  const pages = async () => ({
    calls: (await callsMade(b.url, "manifests.newerChildren")) + (await callsMade(b.url, "manifests.children")),
    bytes: (await answerBytes(b.url, "manifests.newerChildren")) + (await answerBytes(b.url, "manifests.children")),
  });
  const before = await pages();
  // The files API's listing and S3's ListObjectsV2 read the folder's page at quorum, through b.
  expect((await answer(await fetch(`${b.url}/api/files/listed/`), "getFile")).entries).toHaveLength(count);
  const listed = await s3[1]!.send(new ListObjectsV2Command({ Bucket: "listed" }));
  expect(listed.KeyCount).toBe(count);
  const after = await pages();
  expect(after.calls - before.calls).toBeGreaterThanOrEqual(2);
  // `{"rows":[]}` per page; each row used to come back with its 4 KiB (~5.8 KB of JSON): ~116 KB a page here.
  expect((after.bytes - before.bytes) / (after.calls - before.calls)).toBeLessThan(100);
});

test("HEAD, ranges, S3 GET/HEAD/range/CopyObject and WebDAV GET/COPY answer the bytes with their Content-Length", async () => {
  const [a, b, c] = nodes();
  const f = files[2]!; // 4095 bytes
  const head = await fetch(`${b.url}/api/files/${f.path}`, { method: "HEAD" });
  expect([head.status, head.headers.get("content-length")]).toEqual([200, "4095"]);
  const part = await get(c, f.path, { range: "bytes=100-199" });
  expect([part.status, part.headers.get("content-length"), part.headers.get("content-range")]).toEqual([206, "100", "bytes 100-199/4095"]);
  expect(new Uint8Array(await part.arrayBuffer())).toEqual(f.data.subarray(100, 200));
  expect((await get(a, f.path, { range: "bytes=5000-" })).status).toBe(416);

  // S3: the bucket is the top folder.
  const obj = await s3[1]!.send(new GetObjectCommand({ Bucket: "small", Key: "f2.bin" }));
  expect(obj.ContentLength).toBe(4095);
  expect(await obj.Body!.transformToByteArray()).toEqual(new Uint8Array(f.data));
  const ranged = await s3[2]!.send(new GetObjectCommand({ Bucket: "small", Key: "f2.bin", Range: "bytes=-10" }));
  expect([ranged.ContentLength, ranged.ContentRange]).toEqual([10, "bytes 4085-4094/4095"]);
  expect(await ranged.Body!.transformToByteArray()).toEqual(new Uint8Array(f.data.subarray(4085)));
  expect((await s3[0]!.send(new HeadObjectCommand({ Bucket: "small", Key: "f2.bin" }))).ContentLength).toBe(4095);
  await s3[0]!.send(new CopyObjectCommand({ Bucket: "small", Key: "s3-copy.bin", CopySource: "small/f2.bin" }));
  const copied = await s3[2]!.send(new GetObjectCommand({ Bucket: "small", Key: "s3-copy.bin" }));
  expect([copied.ContentLength, sha256(await copied.Body!.transformToByteArray())]).toEqual([4095, sha256(f.data)]);

  const dav = await fetch(`${c.url}/dav/${files[1]!.path}`);
  expect([dav.status, dav.headers.get("content-length")]).toEqual([200, "777"]);
  expect(sha256(new Uint8Array(await dav.arrayBuffer()))).toBe(sha256(files[1]!.data));
  const davCopy = await fetch(`${a.url}/dav/${files[1]!.path}`, { method: "COPY", headers: { destination: `${a.url}/dav/small/dav-copy.bin` } });
  expect(davCopy.status).toBe(201);
  expect(sha256(new Uint8Array(await (await get(b, "small/dav-copy.bin")).arrayBuffer()))).toBe(sha256(files[1]!.data));
  // Copies are made by manifest: still no chunk written anywhere.
  for (const n of nodes()) expect(n.chunkFiles()).toEqual([]);
});

test("S3 UploadPartCopy from a small file, whole or a range, makes a multipart object of its bytes", async () => {
  const f = files[2]!; // 4095 bytes
  // One part each (S3 wants 5 MiB of every part but the last).
  for (const [Key, CopySourceRange, expected] of [["whole.bin", undefined, f.data], ["ranged.bin", "bytes=10-19", f.data.subarray(10, 20)]] as const) {
    const { UploadId } = await s3[0]!.send(new CreateMultipartUploadCommand({ Bucket: "small", Key }));
    const { CopyPartResult } = await s3[0]!.send(new UploadPartCopyCommand({ Bucket: "small", Key, UploadId, PartNumber: 1, CopySource: "small/f2.bin", CopySourceRange }));
    await s3[0]!.send(new CompleteMultipartUploadCommand({ Bucket: "small", Key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: CopyPartResult!.ETag! }] } }));
    const got = await s3[1]!.send(new GetObjectCommand({ Bucket: "small", Key }));
    expect(got.ContentLength).toBe(expected.length);
    expect(sha256(await got.Body!.transformToByteArray())).toBe(sha256(expected));
  }
});

test("a zip of the folder from another node holds every small file whole", async () => {
  const res = await fetch(`${nodes()[1]!.url}/api/zip?path=/small`);
  expect(res.status).toBe(200);
  const path = join(scratch, "small.zip");
  writeFileSync(path, new Uint8Array(await res.arrayBuffer()));
  const script = `
import hashlib, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
print(json.dumps({"bad": z.testzip(), "entries": {i.filename: hashlib.sha256(z.read(i)).hexdigest() for i in z.infolist()}}))`;
  const r = Bun.spawnSync(["python3", "-c", script, path]);
  expect(r.exitCode).toBe(0);
  const zip = JSON.parse(r.stdout.toString()) as { bad: string | null; entries: Record<string, string> };
  expect(zip.bad).toBeNull();
  for (const f of files) expect(zip.entries[f.path]).toBe(sha256(f.data));
});

test("stat and the census count the manifest's copies: nothing under-replicated, no chunk missing", async () => {
  for (const n of nodes()) {
    const stat = await getAnswer(`${n.url}/api/stat/${files[0]!.path}`, "stat");
    expect([stat.inline, stat.chunks, stat.minCopies, stat.underReplicated]).toEqual([true, [], 3, false]);
  }
  await waitFor(async () => {
    const hs = await Promise.all(nodes().map((n) => getAnswer(`${n.url}/api/health`, "health")));
    return hs.every((h) => h.replication !== null && !h.replication.stale && h.underReplicatedChunks === 0 && h.replication.missingCopies === 0);
  }, 20_000, "a fresh census on every node with nothing missing");
});

test("a file that grows past the threshold gets chunks, and shrinking back keeps it in the manifest again (the chunk is collected)", async () => {
  const [a, b, c] = nodes();
  const big = randomBytes(10_000);
  const grown = await answer(await put(a.url, "small/f0.bin", big), "putFile", 201);
  expect(grown.chunks).toEqual([sha256(big)]);
  expect(sha256(new Uint8Array(await (await get(b, "small/f0.bin")).arrayBuffer()))).toBe(sha256(big));
  expect(nodes().filter((n) => n.chunkFiles().includes(sha256(big))).length).toBeGreaterThanOrEqual(2);
  const again = randomBytes(300);
  const shrunk = await answer(await put(c.url, "small/f0.bin", again), "putFile", 201);
  expect(shrunk.chunks).toEqual([]);
  for (const n of nodes()) {
    const res = await get(n, "small/f0.bin");
    expect(res.headers.get("content-length")).toBe("300");
    expect(sha256(new Uint8Array(await res.arrayBuffer()))).toBe(sha256(again));
  }
  files[0] = { path: "small/f0.bin", data: again };
  // The bigger version's chunk is referenced by nothing now: collected on every node, and nothing else was stored.
  await waitFor(() => nodes().every((n) => !n.chunkFiles().includes(sha256(big))), 30_000, "the grown version's chunk collected everywhere");
});

test("in a versioned folder, the versions a small file replaced keep their bytes, read through another node", async () => {
  const [a, b] = nodes();
  const json = (url: string, method: string, path: string, body: unknown) =>
    fetch(`${url}${path}`, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect((await json(a.url, "POST", "/api/mkdir", { path: "/kept" })).status).toBe(201);
  expect((await json(a.url, "PUT", "/api/versioning/kept", { status: "Enabled" })).status).toBe(200);
  const contents = ["first", "second", "third"];
  for (const text of contents) expect((await put(a.url, "kept/note.txt", text)).status).toBe(201);
  const listed = (await (await fetch(`${b.url}/api/versions/kept/note.txt`)).json()) as { versions: Array<{ versionId: string; size: number }> };
  expect(listed.versions.map((v) => v.size)).toEqual([5, 6, 5]);
  const read = await Promise.all(listed.versions.map(async (v) => (await fetch(`${b.url}/api/files/kept/note.txt?versionId=${encodeURIComponent(v.versionId)}`)).text()));
  expect(read).toEqual([...contents].reverse());
  for (const n of nodes()) expect(n.chunkFiles().filter((id) => contents.some((t) => sha256(new TextEncoder().encode(t)) === id))).toEqual([]);
});

test("moving a small file, and a folder of them (its listing's rows carry their bytes), keeps every byte", async () => {
  const [a, b, c] = nodes();
  const move = (from: string, to: string) =>
    fetch(`${a.url}/api/move`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ from, to }) });
  for (const [i, text] of ["one", "two", "three"].entries()) expect((await put(b.url, `tree/sub/n${i}.txt`, text)).status).toBe(201);
  expect((await move("/tree/sub/n0.txt", "/tree/first.txt")).status).toBe(200);
  expect(await (await get(c, "tree/first.txt")).text()).toBe("one");
  expect((await move("/tree/sub/", "/moved/")).status).toBe(200);
  for (const n of nodes()) {
    expect(await (await get(n, "moved/n1.txt")).text()).toBe("two");
    expect(await (await get(n, "moved/n2.txt")).text()).toBe("three");
    expect((await get(n, "tree/sub/n1.txt")).status).toBe(404);
  }
  for (const n of nodes()) expect(n.chunkFiles().filter((id) => ["one", "two", "three"].some((t) => sha256(new TextEncoder().encode(t)) === id))).toEqual([]);
});

test("with one node killed, every small file still reads through the other two", async () => {
  const [a, b, c] = nodes();
  await c.kill();
  for (const n of [a, b]) {
    for (const f of files) {
      const res = await get(n, f.path);
      expect(res.status).toBe(200);
      expect(sha256(new Uint8Array(await res.arrayBuffer()))).toBe(sha256(f.data));
    }
  }
  // And a quorum write still makes a new one without a chunk.
  expect((await answer(await put(b.url, "small/after.bin", randomBytes(64)), "putFile", 201)).chunks).toEqual([]);
});
