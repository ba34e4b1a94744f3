// GET /api/zip on real nodes: a folder tree written through one node comes back from another as a ZIP that
// Python's zipfile reads with every byte and CRC intact (a multi-chunk file, an empty one, unicode names, an
// empty folder); a selection of several paths; the errors a client sees before any byte (missing path, too
// many entries, no path).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { errorAnswer } from "../harness/api.ts";
import { put, randomBytes, sha256, TestCluster } from "../harness/cluster.ts";

let cluster: TestCluster;
const scratch = mkdtempSync(join(tmpdir(), "orrery-zip-"));
beforeAll(async () => {
  // Chunks of 64 KiB, so the big file spans several chunks held by different nodes.
  cluster = await TestCluster.start(2, { replicationFactor: 2, chunkSizeMb: 0.0625, env: { ZIP_MAX_ENTRIES: "8" } });
}, 90_000);
afterAll(async () => {
  await cluster?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** Python's zipfile on the archive: testzip() (every CRC), then each entry's name, size and SHA-256. */
async function readZip(res: Response): Promise<{ bad: string | null; entries: [string, number, string][]; bytes: number }> {
  const path = join(scratch, `${crypto.randomUUID()}.zip`);
  const body = new Uint8Array(await res.arrayBuffer());
  writeFileSync(path, body);
  const script = `
import hashlib, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
print(json.dumps({"bad": z.testzip(), "entries": [[i.filename, i.file_size, hashlib.sha256(z.read(i)).hexdigest()] for i in z.infolist()]}))`;
  const r = Bun.spawnSync(["python3", "-c", script, path]);
  if (r.exitCode !== 0) throw new Error(`zipfile: ${r.stderr.toString()}`);
  return { ...JSON.parse(r.stdout.toString()), bytes: body.byteLength };
}

const EMPTY = sha256(new Uint8Array(0));

test("a folder tree comes back from another node as a ZIP with every byte, an empty file and folder, unicode names", async () => {
  const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
  const big = randomBytes(300_000);
  const small = "bonjour\n";
  expect((await put(a.url, "trip/day%201/photo.bin", big)).status).toBe(201);
  expect((await put(a.url, `trip/${encodeURIComponent("été 📷.txt")}`, small)).status).toBe(201);
  expect((await put(a.url, "trip/empty.txt", "")).status).toBe(201);
  const made = await fetch(`${a.url}/api/mkdir`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"path":"/trip/nothing"}' });
  expect(made.status).toBe(201);

  const res = await fetch(`${b.url}/api/zip?path=/trip`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/zip");
  expect(res.headers.get("content-disposition")).toStartWith('attachment; filename="trip.zip"');
  expect(res.headers.get("content-security-policy")).toStartWith("sandbox");
  // Its length is known before the first byte (stored entries, sizes from the manifests): sent, not chunked.
  const length = Number(res.headers.get("content-length"));
  expect(length).toBeGreaterThan(big.byteLength);
  const zip = await readZip(res);
  expect(zip.bytes).toBe(length);
  expect(zip.bad).toBeNull();
  expect(zip.entries).toEqual([
    ["trip/", 0, EMPTY],
    ["trip/day 1/", 0, EMPTY],
    ["trip/empty.txt", 0, EMPTY],
    ["trip/nothing/", 0, EMPTY],
    ["trip/été 📷.txt", 8, sha256(new TextEncoder().encode(small))],
    ["trip/day 1/photo.bin", big.byteLength, sha256(big)],
  ]);
});

test("several paths: named relative to their folder, a path inside another asked one counted once", async () => {
  const url = cluster.nodes[1]!.url;
  const res = await fetch(`${url}/api/zip?path=/trip/empty.txt&path=/trip/day%201&path=/trip/day%201/photo.bin`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-disposition")).toStartWith('attachment; filename="trip.zip"');
  const zip = await readZip(res);
  expect(zip.bad).toBeNull();
  expect(zip.entries.map((e) => e[0])).toEqual(["day 1/", "day 1/photo.bin", "empty.txt"]);
  // The whole store: named after the cluster, paths from the top.
  const all = await fetch(`${url}/api/zip?path=/`);
  expect(all.headers.get("content-disposition")).toStartWith('attachment; filename="orrery.zip"');
  expect((await readZip(all)).entries.map((e) => e[0])).toContain("trip/day 1/photo.bin");
});

test("refusals come before the archive: a missing path 404, too many entries 400, no path or a bad one 400", async () => {
  const url = cluster.nodes[0]!.url;
  const missing = await errorAnswer(await fetch(`${url}/api/zip?path=/trip&path=/nowhere`), 404);
  expect(missing).toEqual({ code: "not_found", error: "no such file or directory: /nowhere" });
  for (let i = 0; i < 8; i++) expect((await put(url, `many/${i}.txt`, `${i}`)).status).toBe(201);
  const many = await errorAnswer(await fetch(`${url}/api/zip?path=/many`), 400);
  expect(many.code).toBe("too_many_entries");
  expect(many.error).toContain("more than 8");
  expect((await errorAnswer(await fetch(`${url}/api/zip`), 400)).code).toBe("invalid_query");
  expect((await errorAnswer(await fetch(`${url}/api/zip?path=/a/../b`), 400)).code).toBe("invalid_path");
});
