// What a node enumerates of kept versions comes from the members, not its own rows. A key's versions are rows of
// `.orrery-versions/<key>`, pushed to that folder's manifest owners only (RF of five here); the others get them by
// anti-entropy, later. A node that read the keys with versions from its own rows listed, in ListObjectVersions, a
// key it was not pushed as its live object alone (a "null" version, its kept ones missing) or, once deleted, not at
// all, and left it out of a folder's trash. The walker, n5, pulls rows from its peers once when it joins and then
// not for an hour, so what it has not been pushed is what it must read from the owners.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectVersionsCommand, S3Client } from "@aws-sdk/client-s3";
import { put, type TestCluster, type TestNode, waitFor } from "../harness/cluster.ts";
import { freePort } from "../harness/ports.ts";
import { startWithWalker } from "../harness/walker.ts";

let cluster: TestCluster;
let writer: TestNode;
let walker: TestNode;
let s3: S3Client;
const CREDS = { key: "vwalks-key", secret: "vwalks-secret-0123456789" };

interface VersionJson {
  versionId: string;
  deleteMarker: boolean;
}

const send = (url: string, method: string, path: string, body: unknown) =>
  fetch(`${url}${path}`, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

async function versionsOf(url: string, path: string, consistency = "quorum"): Promise<VersionJson[]> {
  const res = await fetch(`${url}/api/versions/${path}?consistency=${consistency}`);
  expect({ path, status: res.status }).toEqual({ path, status: 200 });
  return ((await res.json()) as { versions: VersionJson[] }).versions;
}

beforeAll(async () => {
  const s3Port = await freePort();
  ({ cluster, writer, walker } = await startWithWalker({ walker: { S3_CREDENTIALS: `${CREDS.key}:${CREDS.secret}`, S3_PORT: String(s3Port) } }));
  s3 = new S3Client({
    endpoint: `http://127.0.0.1:${s3Port}`,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: CREDS.key, secretAccessKey: CREDS.secret },
    maxAttempts: 1,
  });
  expect((await send(writer.url, "POST", "/api/mkdir", { path: "/vw" })).status).toBe(201);
  expect((await send(writer.url, "PUT", "/api/versioning/vw", { status: "Enabled" })).status).toBe(200);
  // Settings go to every member at once: the walker keeps versions of vw too.
  await waitFor(async () => ((await (await fetch(`${walker.url}/api/versioning/vw`)).json()) as { status: string }).status === "Enabled", 10_000, "versioning on the walker");
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

/**
 * Files `vw/<folder>/kN.txt` written through the writer (twice each, or once and then deleted) until `hidden` of
 * them have versions the walker does not hold (its own rows list other versions than a read quorum's: the setup
 * this test is about); returns every path and each one's versions as a read quorum has them.
 */
async function writeVersions(folder: string, deleted: boolean, hidden: number): Promise<{ versions: Map<string, VersionJson[]>; hidden: string[] }> {
  const versions = new Map<string, VersionJson[]>();
  const out: string[] = [];
  for (let i = 0; out.length < hidden; i++) {
    expect(i).toBeLessThan(40);
    const path = `vw/${folder}/k${i}.txt`;
    expect((await put(writer.url, path, `first ${i}`)).status).toBe(201);
    if (deleted) expect((await fetch(`${writer.url}/api/files/${path}`, { method: "DELETE" })).status).toBe(200);
    else expect((await put(writer.url, path, `second ${i}, longer`)).status).toBe(201);
    const kept = await versionsOf(writer.url, path);
    expect(kept.map((v) => v.deleteMarker)).toEqual([deleted, false]);
    versions.set(path, kept);
    const local = await versionsOf(walker.url, path, "local");
    if (JSON.stringify(local) !== JSON.stringify(kept)) out.push(path);
  }
  return { versions, hidden: out };
}

describe("kept versions are enumerated from the members", () => {
  test("ListObjectVersions through a node that was not pushed the versions lists every one of them", async () => {
    const live = await writeVersions("live", false, 3);
    const gone = await writeVersions("gone", true, 2);
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: "vw" }));
    const got = [
      ...(listed.Versions ?? []).map((v) => `${v.Key} ${v.VersionId} version`),
      ...(listed.DeleteMarkers ?? []).map((m) => `${m.Key} ${m.VersionId} marker`),
    ].sort();
    const want = [...live.versions, ...gone.versions]
      .flatMap(([path, vs]) => vs.map((v) => `${path.slice("vw/".length)} ${v.versionId} ${v.deleteMarker ? "marker" : "version"}`))
      .concat(["gone/ null version"]) // the folder its files were deleted from: an empty one, listed as S3 lists `dir/`
      .sort();
    expect(got).toEqual(want);
    expect(listed.IsTruncated).toBe(false);
  });

  test("GetObject, HeadObject and CopyObject through that node name the current version, and a delete marker's 404 its marker", async () => {
    const live = await writeVersions("heads", false, 2);
    for (const path of live.hidden) {
      const key = path.slice("vw/".length);
      const current = live.versions.get(path)![0]!.versionId;
      const head = await s3.send(new HeadObjectCommand({ Bucket: "vw", Key: key }));
      const got = await s3.send(new GetObjectCommand({ Bucket: "vw", Key: key }));
      expect(await got.Body!.transformToString()).toBe(`second ${key.slice("heads/k".length, -".txt".length)}, longer`);
      const copy = await s3.send(new CopyObjectCommand({ Bucket: "vw", Key: `${key}.copy`, CopySource: `vw/${key}` }));
      expect({ key, head: head.VersionId, get: got.VersionId, copySource: copy.CopySourceVersionId }).toEqual({ key, head: current, get: current, copySource: current });
    }
    const gone = await writeVersions("heads-gone", true, 1);
    for (const path of gone.hidden) {
      const marker = gone.versions.get(path)![0]!;
      expect(marker.deleteMarker).toBe(true);
      const res = await fetch(`${walker.url}/api/files/${path}`);
      expect(res.status).toBe(404);
      const err = await s3.send(new GetObjectCommand({ Bucket: "vw", Key: path.slice("vw/".length) })).then(
        () => undefined,
        (e: { $response?: { headers: Record<string, string> } }) => e,
      );
      expect({ path, headers: err?.$response?.headers }).toMatchObject({ path, headers: { "x-amz-delete-marker": "true", "x-amz-version-id": marker.versionId } });
    }
  });

  test("a folder's trash through that node lists the files deleted through another", async () => {
    const gone = await writeVersions("trash", true, 3);
    const res = await fetch(`${walker.url}/api/trash/vw/trash`);
    expect(res.status).toBe(200);
    const trash = (await res.json()) as { entries: Array<{ path: string; versionId: string }>; more: boolean };
    const want = [...gone.versions].map(([path, vs]) => `/${path} ${vs[1]!.versionId}`).sort();
    expect(trash.entries.map((e) => `${e.path} ${e.versionId}`).sort()).toEqual(want);
    for (const path of gone.hidden) expect(trash.entries.map((e) => e.path)).toContain(`/${path}`);
  });
});
