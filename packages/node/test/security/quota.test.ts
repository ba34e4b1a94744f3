// Quotas on a real node (AUTH=required): a user's files may take at most their quota (each file once);
// an upload that would pass it is refused with 507 quota_exceeded on the files API and WebDAV and leaves
// no file behind (no chunk either, when its length was declared); copies and moves into the home count;
// uploads racing through one node hold their bytes against each other; S3 with a user's key is held to the same,
// multipart parts waiting for Complete included; and `orrery put`.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { orrery } from "../harness/cli.ts";
import { TestCluster } from "../harness/cluster.ts";
import { freePort } from "../harness/ports.ts";
import { signedFetch } from "../s3/raw-client.ts";

const ADMIN = "admin admin admin";
const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString("base64")}`;
const admin = basic("admin", ADMIN);
const alice = basic("alice", "alice password");
let cluster: TestCluster;
let url: string;
let s3: string;

const send = (method: string, path: string, auth: string, body?: BodyInit, headers: Record<string, string> = {}) =>
  fetch(`${url}${path}`, { method, headers: { authorization: auth, ...headers }, body, ...(body instanceof ReadableStream ? { duplex: "half" } : {}) } as RequestInit);
const bytes = (n: number) => new Uint8Array(n).fill(7);
/** A body without Content-Length (sent chunked): its size is known only as it arrives. */
const chunked = (n: number) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      for (let sent = 0; sent < n; sent += 100) c.enqueue(bytes(Math.min(100, n - sent)));
      c.close();
    },
  });

async function expectRefused(res: Response) {
  expect(res.status).toBe(507);
  const text = await res.text();
  if (res.headers.get("content-type")?.includes("json")) expect(JSON.parse(text).code).toBe("quota_exceeded");
}

beforeAll(async () => {
  const s3Port = await freePort();
  cluster = await TestCluster.start(1, { replicationFactor: 1, env: { AUTH: "required", ADMIN_PASSWORD: ADMIN, S3_PORT: String(s3Port) }, headers: { authorization: admin } });
  url = cluster.nodes[0]!.url;
  s3 = `http://127.0.0.1:${s3Port}`;
  const made = await send("POST", "/api/users", admin, JSON.stringify({ name: "alice", password: "alice password", quotaBytes: 1000 }), { "content-type": "application/json" });
  expect(made.status).toBe(201);
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

describe("quotas", () => {
  test("uploads within the quota are taken; one past it is refused before anything is stored", async () => {
    expect((await send("PUT", "/api/files/home/alice/a.bin", alice, bytes(600))).status).toBe(201);
    const chunksBefore = cluster.nodes[0]!.chunkFiles().length;
    await expectRefused(await send("PUT", "/api/files/home/alice/b.bin", alice, bytes(500)));
    expect(cluster.nodes[0]!.chunkFiles().length).toBe(chunksBefore);
    expect((await send("GET", "/api/files/home/alice/b.bin", alice)).status).toBe(404);
    // Replacing a file gives its bytes back first: 900 in place of 600 fits in 1000.
    expect((await send("PUT", "/api/files/home/alice/a.bin", alice, bytes(900))).status).toBe(201);
    const me = (await (await send("GET", "/api/me", alice)).json()) as { usedBytes: number; quotaBytes: number };
    expect([me.usedBytes, me.quotaBytes]).toEqual([900, 1000]);
  });

  test("a body of unknown length is cut off once it passes the quota, and no file is left", async () => {
    await expectRefused(await send("PUT", "/api/files/home/alice/c.bin", alice, chunked(400)));
    expect((await send("GET", "/api/files/home/alice/c.bin", alice)).status).toBe(404);
    expect((await send("PUT", "/api/files/home/alice/small.bin", alice, chunked(100))).status).toBe(201);
  });

  test("WebDAV: PUT and COPY past the quota are refused with 507", async () => {
    await expectRefused(await send("PUT", "/dav/home/alice/d.bin", alice, bytes(200)));
    expect((await send("GET", "/dav/home/alice/d.bin", alice)).status).toBe(404);
    await expectRefused(await send("COPY", "/dav/home/alice/a.bin", alice, undefined, { destination: "/dav/home/alice/a-copy.bin" }));
    expect((await send("GET", "/dav/home/alice/a-copy.bin", alice)).status).toBe(404);
  });

  test("two uploads racing through one node cannot together pass the quota", async () => {
    const made = await send("POST", "/api/users", admin, JSON.stringify({ name: "carol", password: "carol password", quotaBytes: 1000 }), { "content-type": "application/json" });
    expect(made.status).toBe(201);
    const carol = basic("carol", "carol password");
    // Bodies of unknown length that arrive slowly, so the two are received at the same time.
    const slow = (n: number) =>
      new ReadableStream<Uint8Array>({
        async pull(c) {
          await Bun.sleep(15);
          c.enqueue(bytes(100));
          if ((n -= 100) <= 0) c.close();
        },
      });
    const results = await Promise.all([send("PUT", "/api/files/home/carol/x.bin", carol, slow(700)), send("PUT", "/api/files/home/carol/y.bin", carol, slow(700))]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201).length).toBeLessThanOrEqual(1); // both were taken before
    expect(statuses.every((s) => s === 201 || s === 507)).toBe(true);
    const me = (await (await send("GET", "/api/me", carol)).json()) as { usedBytes: number };
    expect(me.usedBytes).toBeLessThanOrEqual(1000);
  });

  test("S3 with a user's key: PutObject, CopyObject and CompleteMultipartUpload past the quota are QuotaExceeded, nothing stored", async () => {
    const json = { "content-type": "application/json" };
    expect((await send("POST", "/api/users", admin, JSON.stringify({ name: "dave", password: "dave password", quotaBytes: 1000 }), json)).status).toBe(201);
    const made = await send("POST", "/api/s3keys", basic("dave", "dave password"), JSON.stringify({}), json);
    expect(made.status).toBe(201);
    const key = (await made.json()) as { accessKey: string; secretKey: string };
    const creds = { accessKey: key.accessKey, secretKey: key.secretKey };
    const refused = async (res: Response) => {
      expect(res.status).toBe(403);
      expect(await res.text()).toContain("<Code>QuotaExceeded</Code>");
    };
    // A multipart upload begun first: its part waits outside the home (it fits: nothing else is there yet).
    const created = await signedFetch("POST", `${s3}/home/dave/mp.bin?uploads`, creds);
    expect(created.status).toBe(200);
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(await created.text())![1]!;
    const part = await signedFetch("PUT", `${s3}/home/dave/mp.bin?partNumber=1&uploadId=${uploadId}`, creds, bytes(400));
    expect(part.status).toBe(200);
    expect((await signedFetch("PUT", `${s3}/home/dave/a.bin`, creds, bytes(700))).status).toBe(200);
    await refused(await signedFetch("PUT", `${s3}/home/dave/b.bin`, creds, bytes(400)));
    expect((await signedFetch("GET", `${s3}/home/dave/b.bin`, creds)).status).toBe(404);
    await refused(await signedFetch("PUT", `${s3}/home/dave/copy.bin`, creds, undefined, { headers: { "x-amz-copy-source": "/home/dave/a.bin" } }));
    // Complete of the 400 bytes on top of a.bin's 700 is refused.
    const etag = part.headers.get("etag")!;
    const complete = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${etag}</ETag></Part></CompleteMultipartUpload>`;
    await refused(await signedFetch("POST", `${s3}/home/dave/mp.bin?uploadId=${uploadId}`, creds, new TextEncoder().encode(complete)));
    expect((await signedFetch("GET", `${s3}/home/dave/mp.bin`, creds)).status).toBe(404);
    // Replacing the object gives its bytes back first, as on the files API.
    expect((await signedFetch("PUT", `${s3}/home/dave/a.bin`, creds, bytes(900))).status).toBe(200);
  });

  test("S3 multipart: parts waiting in uploads not yet completed count, so they cannot pile up past the quota", async () => {
    const json = { "content-type": "application/json" };
    expect((await send("POST", "/api/users", admin, JSON.stringify({ name: "eve", password: "eve password", quotaBytes: 1000 }), json)).status).toBe(201);
    const made = await send("POST", "/api/s3keys", basic("eve", "eve password"), JSON.stringify({}), json);
    const creds = (await made.json()) as { accessKey: string; secretKey: string };
    const start = async (key: string) => /<UploadId>([^<]+)<\/UploadId>/.exec(await (await signedFetch("POST", `${s3}/home/eve/${key}?uploads`, creds)).text())![1]!;
    const part = (key: string, id: string, n: number, size: number) => signedFetch("PUT", `${s3}/home/eve/${key}?partNumber=${n}&uploadId=${id}`, creds, bytes(size));
    const parts = async (key: string, id: string) => (await (await signedFetch("GET", `${s3}/home/eve/${key}?uploadId=${id}`, creds)).text()).match(/<PartNumber>/g)?.length ?? 0;
    const [one, two] = [await start("one.bin"), await start("two.bin")];
    expect((await part("one.bin", one, 1, 600)).status).toBe(200);
    const refused = await part("two.bin", two, 1, 600);
    expect([refused.status, await refused.text()]).toEqual([403, expect.stringContaining("<Code>QuotaExceeded</Code>")]);
    expect(await parts("two.bin", two)).toBe(0);
    // A part sent again gives back the bytes of the one it replaces.
    expect((await part("one.bin", one, 1, 900)).status).toBe(200);
    // UploadPartCopy is held to the same: a file of 80 bytes (900 waiting + 80) copied as a part of the other upload.
    expect((await signedFetch("PUT", `${s3}/home/eve/small.bin`, creds, bytes(80))).status).toBe(200);
    const copy = await signedFetch("PUT", `${s3}/home/eve/two.bin?partNumber=1&uploadId=${two}`, creds, undefined, { headers: { "x-amz-copy-source": "/home/eve/small.bin" } });
    expect([copy.status, await copy.text()]).toEqual([403, expect.stringContaining("<Code>QuotaExceeded</Code>")]);
    // Aborting an upload frees what its parts held.
    expect((await signedFetch("DELETE", `${s3}/home/eve/one.bin?uploadId=${one}`, creds)).status).toBe(204);
    expect((await part("two.bin", two, 1, 900)).status).toBe(200);
  });

  test("the CLI: orrery put past the quota exits 1 naming quota_exceeded, refused before the body is sent; nothing is stored", async () => {
    const made = await send("POST", "/api/users", admin, JSON.stringify({ name: "fay", password: "fay password", quotaBytes: 1_000_000 }), { "content-type": "application/json" });
    expect(made.status).toBe(201);
    const env = { CLUSTER_KEY: "", DATA_DIR: join(cluster.root, "none"), XDG_CONFIG_HOME: join(cluster.root, "cli-config"), ORRERY_NODE: url, ORRERY_USER: "fay", ORRERY_PASSWORD: "fay password" };
    const fits = join(cluster.root, "fits.bin");
    writeFileSync(fits, bytes(600_000));
    const put = await orrery(["put", fits, "/home/fay/fits.bin"], env);
    expect(put.code, put.stderr).toBe(0);
    const chunksBefore = cluster.nodes[0]!.chunkFiles().length;
    for (const size of [500_000, 24 * 1024 * 1024]) {
      const local = join(cluster.root, `big-${size}.bin`);
      writeFileSync(local, new Uint8Array(size).fill(size % 251));
      const refused = await orrery(["put", local, `/home/fay/big-${size}.bin`], env);
      expect([refused.code, refused.stderr]).toEqual([1, expect.stringContaining("quota_exceeded")]);
      // The file's length went ahead of it (Content-Length), so the node refused the whole at once.
      expect(refused.stderr).toContain(`writing ${size} bytes to /home/fay/big-${size}.bin would pass the quota of fay`);
      expect((await send("GET", `/api/files/home/fay/big-${size}.bin`, basic("fay", "fay password"))).status).toBe(404);
    }
    expect(cluster.nodes[0]!.chunkFiles().length).toBe(chunksBefore);
    const me = (await (await send("GET", "/api/me", basic("fay", "fay password"))).json()) as { usedBytes: number };
    expect(me.usedBytes).toBe(600_000);
  }, 60_000);

  test("an admin moving a file into a home counts it against that user's quota; files outside homes have none", async () => {
    expect((await send("PUT", "/api/files/shared/big.bin", admin, bytes(5000))).status).toBe(201);
    const move = await send("POST", "/api/move", admin, JSON.stringify({ from: "/shared/big.bin", to: "/home/alice/big.bin" }), { "content-type": "application/json" });
    await expectRefused(move);
    expect((await send("GET", "/api/files/shared/big.bin", admin)).status).toBe(200);
  });
});
