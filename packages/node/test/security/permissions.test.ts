// Every files-API, WebDAV and S3 route against a real node that requires a login (AUTH=required, a process on
// loopback), as anonymous, the owner, the owner's read-only token, another user, a user alice shared her
// home with read-only, one she shared it with read-write, a member of a group she shared it with read-only,
// one of a group she shared it with read-write, a member of a group without a share of it, and an admin:
// one table of who gets what (a share with a group grants exactly as a share with the user does). The resources are in alice's home; each row's target is made fresh (by the admin) per caller.
// On S3 each caller signs with an S3 access key of their own (the owner's read-only one for the read-only column).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TestCluster, TestNode } from "../harness/cluster.ts";
import { freePort } from "../harness/ports.ts";
import { type RawCredentials, signedFetch } from "../s3/raw-client.ts";

const ADMIN = "admin admin admin";
const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString("base64")}`;
const adminAuth = basic("admin", ADMIN);

type Who = "anonymous" | "owner" | "ownerReadOnly" | "other" | "shareRead" | "shareWrite" | "groupRead" | "groupWrite" | "groupOther" | "admin";
const WHO: Who[] = ["anonymous", "owner", "ownerReadOnly", "other", "shareRead", "shareWrite", "groupRead", "groupWrite", "groupOther", "admin"];

interface Row {
  name: string;
  /** Made by the admin before the request (paths under /home/alice, `$` replaced by the caller's name). */
  files?: string[];
  request: (who: Who) => { method: string; path: string; headers?: Record<string, string>; body?: string };
  /**
   * Status per caller: [anonymous, owner, owner read-only, other, read-only share, read-write share,
   * read-only group share, read-write group share, member of another group, admin].
   */
  expect: [number, number, number, number, number, number, number, number, number, number];
}

const H = "/home/alice";
const xml = { "content-type": "application/xml" };
const rows: Row[] = [
  { name: "PUT /api/files", request: (w) => ({ method: "PUT", path: `/api/files${H}/put-${w}.txt`, body: "x" }), expect: [401, 201, 403, 403, 403, 201, 403, 201, 403, 201] },
  { name: "GET /api/files (file)", files: ["f.txt"], request: () => ({ method: "GET", path: `/api/files${H}/f.txt` }), expect: [401, 200, 200, 403, 200, 200, 200, 200, 403, 200] },
  { name: "HEAD /api/files", files: ["f.txt"], request: () => ({ method: "HEAD", path: `/api/files${H}/f.txt` }), expect: [401, 200, 200, 403, 200, 200, 200, 200, 403, 200] },
  { name: "GET /api/files (listing)", request: () => ({ method: "GET", path: `/api/files${H}/` }), expect: [401, 200, 200, 403, 200, 200, 200, 200, 403, 200] },
  { name: "GET /api/files (listing with folder totals)", request: () => ({ method: "GET", path: `/api/files${H}/?totals=1` }), expect: [401, 200, 200, 403, 200, 200, 200, 200, 403, 200] },
  { name: "GET /api/stat", files: ["f.txt"], request: () => ({ method: "GET", path: `/api/stat${H}/f.txt` }), expect: [401, 200, 200, 403, 200, 200, 200, 200, 403, 200] },
  { name: "DELETE /api/files", files: ["del-$.txt"], request: (w) => ({ method: "DELETE", path: `/api/files${H}/del-${w}.txt` }), expect: [401, 200, 403, 403, 403, 200, 403, 200, 403, 200] },
  {
    name: "POST /api/mkdir",
    request: (w) => ({ method: "POST", path: "/api/mkdir", headers: { "content-type": "application/json" }, body: JSON.stringify({ path: `${H}/dir-${w}` }) }),
    expect: [401, 201, 403, 403, 403, 201, 403, 201, 403, 201],
  },
  {
    name: "POST /api/move",
    files: ["mv-$.txt"],
    request: (w) => ({ method: "POST", path: "/api/move", headers: { "content-type": "application/json" }, body: JSON.stringify({ from: `${H}/mv-${w}.txt`, to: `${H}/mv-${w}-2.txt` }) }),
    expect: [401, 200, 403, 403, 403, 200, 403, 200, 403, 200],
  },
  // Zip downloads (zip-routes.ts): every file in the archive is read, so each is asked like a GET.
  { name: "GET /api/zip (file)", files: ["f.txt"], request: () => ({ method: "GET", path: `/api/zip?path=${H}/f.txt` }), expect: [401, 200, 200, 403, 200, 200, 200, 200, 403, 200] },
  { name: "GET /api/zip (folder)", files: ["f.txt"], request: () => ({ method: "GET", path: `/api/zip?path=${H}` }), expect: [401, 200, 200, 403, 200, 200, 200, 200, 403, 200] },
  { name: "GET /api/search", files: ["found.txt"], request: () => ({ method: "GET", path: `/api/search?q=found&path=${H}` }), expect: [401, 200, 200, 403, 200, 200, 200, 200, 403, 200] },
  { name: "GET /api/changes", request: () => ({ method: "GET", path: `/api/changes?path=${H}` }), expect: [401, 200, 200, 403, 200, 200, 200, 200, 403, 200] },
  { name: "PROPFIND /dav", request: () => ({ method: "PROPFIND", path: `/dav${H}/`, headers: { depth: "1" } }), expect: [401, 207, 207, 403, 207, 207, 207, 207, 403, 207] },
  { name: "GET /dav", files: ["f.txt"], request: () => ({ method: "GET", path: `/dav${H}/f.txt` }), expect: [401, 200, 200, 403, 200, 200, 200, 200, 403, 200] },
  { name: "PUT /dav", request: (w) => ({ method: "PUT", path: `/dav${H}/dav-${w}.txt`, body: "x" }), expect: [401, 201, 403, 403, 403, 201, 403, 201, 403, 201] },
  { name: "MKCOL /dav", request: (w) => ({ method: "MKCOL", path: `/dav${H}/col-${w}` }), expect: [401, 201, 403, 403, 403, 201, 403, 201, 403, 201] },
  { name: "DELETE /dav", files: ["ddel-$.txt"], request: (w) => ({ method: "DELETE", path: `/dav${H}/ddel-${w}.txt` }), expect: [401, 204, 403, 403, 403, 204, 403, 204, 403, 204] },
  {
    name: "COPY /dav",
    files: ["f.txt"],
    request: (w) => ({ method: "COPY", path: `/dav${H}/f.txt`, headers: { destination: `/dav${H}/copy-${w}.txt` } }),
    expect: [401, 201, 403, 403, 403, 201, 403, 201, 403, 201],
  },
  {
    name: "MOVE /dav",
    files: ["dmv-$.txt"],
    request: (w) => ({ method: "MOVE", path: `/dav${H}/dmv-${w}.txt`, headers: { destination: `/dav${H}/dmv-${w}-2.txt` } }),
    expect: [401, 201, 403, 403, 403, 201, 403, 201, 403, 201],
  },
  {
    name: "PROPPATCH /dav",
    files: ["f.txt"],
    request: () => ({
      method: "PROPPATCH",
      path: `/dav${H}/f.txt`,
      headers: xml,
      body: '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:x"><D:set><D:prop><Z:color>blue</Z:color></D:prop></D:set></D:propertyupdate>',
    }),
    expect: [401, 207, 403, 403, 403, 207, 403, 207, 403, 207],
  },
  {
    name: "LOCK /dav",
    request: (w) => ({
      method: "LOCK",
      path: `/dav${H}/lock-${w}.txt`,
      headers: { ...xml, timeout: "Second-60" },
      body: '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>',
    }),
    expect: [401, 201, 403, 403, 403, 201, 403, 201, 403, 201],
  },
  { name: "OPTIONS /dav", request: () => ({ method: "OPTIONS", path: `/dav${H}/` }), expect: [401, 200, 200, 403, 200, 200, 200, 200, 403, 200] },
  // Versions (versions-routes.ts): reading a file's versions is reading it; removing or restoring one is writing it.
  { name: "GET /api/versions", files: ["f.txt"], request: () => ({ method: "GET", path: `/api/versions${H}/f.txt` }), expect: [401, 200, 200, 403, 200, 200, 200, 200, 403, 200] },
  {
    name: "POST /api/versions/…/restore",
    files: ["rs-$.txt"],
    request: (w) => ({ method: "POST", path: `/api/versions${H}/rs-${w}.txt/restore`, headers: { "content-type": "application/json" }, body: JSON.stringify({ versionId: "null" }) }),
    expect: [401, 201, 403, 403, 403, 201, 403, 201, 403, 201],
  },
  { name: "DELETE /api/versions", files: ["rm-$.txt"], request: (w) => ({ method: "DELETE", path: `/api/versions${H}/rm-${w}.txt?versionId=null` }), expect: [401, 200, 403, 403, 403, 200, 403, 200, 403, 200] },
  { name: "GET /api/trash", request: () => ({ method: "GET", path: `/api/trash${H}` }), expect: [401, 200, 200, 403, 200, 200, 200, 200, 403, 200] },
  // The switch of a top-level folder: anyone logged in sees it, only who may write the folder itself (an admin for /home) changes it.
  { name: "GET /api/versioning", request: () => ({ method: "GET", path: "/api/versioning/home" }), expect: [401, 200, 200, 200, 200, 200, 200, 200, 200, 200] },
  // Share links: made by whoever may read the target (not with a read-only token), opened by anyone holding one, never written through.
  {
    name: "POST /api/links",
    files: ["f.txt"],
    request: () => ({ method: "POST", path: "/api/links", headers: { "content-type": "application/json" }, body: JSON.stringify({ path: `${H}/f.txt` }) }),
    expect: [401, 201, 403, 403, 201, 201, 201, 201, 403, 201],
  },
  { name: "GET /s/<token>", request: () => ({ method: "GET", path: linkPath }), expect: [200, 200, 200, 200, 200, 200, 200, 200, 200, 200] },
  { name: "PUT /s/<token>/…", request: (w) => ({ method: "PUT", path: `${linkPath}/planted-${w}.txt`, body: "x" }), expect: [404, 404, 404, 404, 404, 404, 404, 404, 404, 404] },
  {
    name: "PUT /api/versioning",
    request: () => ({ method: "PUT", path: "/api/versioning/home", headers: { "content-type": "application/json" }, body: JSON.stringify({ status: "Suspended" }) }),
    expect: [401, 403, 403, 403, 403, 403, 403, 403, 403, 200],
  },
];

/** S3 rows: `path` is `/bucket/key` on the S3 port (alice's home is bucket `home`, keys `alice/…`). */
const s3Rows: Row[] = [
  { name: "S3 PutObject", request: (w) => ({ method: "PUT", path: `/home/alice/s3put-${w}.txt`, body: "x" }), expect: [403, 200, 403, 403, 403, 200, 403, 200, 403, 200] },
  { name: "S3 GetObject", files: ["f.txt"], request: () => ({ method: "GET", path: "/home/alice/f.txt" }), expect: [403, 200, 200, 403, 200, 200, 200, 200, 403, 200] },
  { name: "S3 HeadObject", files: ["f.txt"], request: () => ({ method: "HEAD", path: "/home/alice/f.txt" }), expect: [403, 200, 200, 403, 200, 200, 200, 200, 403, 200] },
  { name: "S3 DeleteObject", files: ["s3del-$.txt"], request: (w) => ({ method: "DELETE", path: `/home/alice/s3del-${w}.txt` }), expect: [403, 204, 403, 403, 403, 204, 403, 204, 403, 204] },
  {
    name: "S3 CopyObject",
    files: ["f.txt"],
    request: (w) => ({ method: "PUT", path: `/home/alice/s3copy-${w}.txt`, headers: { "x-amz-copy-source": "/home/alice/f.txt" } }),
    expect: [403, 200, 403, 403, 403, 200, 403, 200, 403, 200],
  },
  { name: "S3 CreateMultipartUpload", request: (w) => ({ method: "POST", path: `/home/alice/mp-${w}.bin?uploads` }), expect: [403, 200, 403, 403, 403, 200, 403, 200, 403, 200] },
  { name: "S3 GetObjectTagging", files: ["f.txt"], request: () => ({ method: "GET", path: "/home/alice/f.txt?tagging" }), expect: [403, 200, 200, 403, 200, 200, 200, 200, 403, 200] },
  // Listings answer everyone signed in, with only what each may see (the next describe checks what).
  { name: "S3 ListObjectsV2", request: () => ({ method: "GET", path: "/home?list-type=2&prefix=alice/" }), expect: [403, 200, 200, 200, 200, 200, 200, 200, 200, 200] },
  { name: "S3 ListBuckets", request: () => ({ method: "GET", path: "/" }), expect: [403, 200, 200, 200, 200, 200, 200, 200, 200, 200] },
  // A bucket is a top-level folder: only an admin makes or removes one.
  { name: "S3 CreateBucket", request: (w) => ({ method: "PUT", path: `/s3b-${w.toLowerCase()}` }), expect: [403, 403, 403, 403, 403, 403, 403, 403, 403, 200] },
  // Of one that is there and that the key sees, it changes nothing and answers 200 (rclone makes sure of `home`).
  { name: "S3 CreateBucket of bucket home", request: () => ({ method: "PUT", path: "/home" }), expect: [403, 200, 200, 200, 200, 200, 200, 200, 200, 200] },
  { name: "S3 PutBucketVersioning", request: () => ({ method: "PUT", path: "/home?versioning", headers: xml, body: '<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>' }), expect: [403, 403, 403, 403, 403, 403, 403, 403, 403, 200] },
];

let cluster: TestCluster;
let url: string;
/** `/s/<token>` of a link alice made to her home. */
let linkPath: string;
let s3Url: string;
const creds = {} as Record<Who, string | undefined>;
const s3Keys = {} as Record<Who, RawCredentials | undefined>;

async function s3Call(who: Who, r: { method: string; path: string; headers?: Record<string, string>; body?: string }) {
  const target = `${s3Url}${r.path}`;
  const key = s3Keys[who];
  const res = key
    ? await signedFetch(r.method, target, key, new TextEncoder().encode(r.body ?? ""), { headers: r.headers })
    : await fetch(target, { method: r.method, headers: r.headers, body: r.body });
  await res.arrayBuffer();
  return res;
}

async function call(method: string, path: string, auth: string | undefined, init: { headers?: Record<string, string>; body?: string } = {}) {
  const controller = new AbortController();
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { ...(auth ? { authorization: auth } : {}), ...init.headers },
    body: init.body,
    signal: controller.signal,
  });
  // A change feed never ends: the status is the answer.
  if (res.headers.get("content-type")?.startsWith("text/event-stream")) controller.abort();
  else await res.arrayBuffer();
  return res;
}

async function asAdmin(method: string, path: string, body?: unknown) {
  const res = await call(method, path, adminAuth, body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${path} as admin: ${res.status}`);
  return res;
}

beforeAll(async () => {
  const s3Port = await freePort();
  cluster = await TestCluster.start(1, { replicationFactor: 1, env: { AUTH: "required", ADMIN_PASSWORD: ADMIN, S3_PORT: String(s3Port) }, headers: { authorization: adminAuth } });
  url = cluster.nodes[0]!.url;
  s3Url = `http://127.0.0.1:${s3Port}`;
  await asAdmin("POST", "/api/users", { name: "alice", password: "alice password" });
  for (const name of ["bob", "carol", "dave", "erin", "frank", "gina"]) await asAdmin("POST", "/api/users", { name, password: `${name} password` });
  // erin reads through group readers, frank writes through group writers; gina's group has a share of bob's home only.
  for (const [group, member] of [["readers", "erin"], ["writers", "frank"], ["outsiders", "gina"]] as const) {
    await asAdmin("POST", "/api/groups", { name: group });
    await asAdmin("PUT", `/api/groups/${group}/members/${member}`);
  }
  const groupShare = await fetch(`${url}/api/shares`, {
    method: "POST",
    headers: { authorization: basic("bob", "bob password"), "content-type": "application/json" },
    body: JSON.stringify({ path: "/home/bob", group: "outsiders", access: "write" }),
  });
  if (groupShare.status !== 201) throw new Error(`sharing with outsiders: ${groupShare.status} ${await groupShare.text()}`);
  const grantees = [{ user: "carol", access: "read" }, { user: "dave", access: "write" }, { group: "readers", access: "read" }, { group: "writers", access: "write" }];
  for (const grantee of grantees) {
    const shared = await fetch(`${url}/api/shares`, {
      method: "POST",
      headers: { authorization: basic("alice", "alice password"), "content-type": "application/json" },
      body: JSON.stringify({ path: "/home/alice", ...grantee }),
    });
    if (shared.status !== 201) throw new Error(`sharing with ${JSON.stringify(grantee)}: ${shared.status} ${await shared.text()}`);
  }
  const token = await fetch(`${url}/api/tokens`, {
    method: "POST",
    headers: { authorization: basic("alice", "alice password"), "content-type": "application/json" },
    body: JSON.stringify({ readOnly: true, label: "reader" }),
  }).then((r) => r.json() as Promise<{ token: string }>);
  Object.assign(creds, {
    anonymous: undefined,
    owner: basic("alice", "alice password"),
    ownerReadOnly: `Bearer ${token.token}`,
    other: basic("bob", "bob password"),
    shareRead: basic("carol", "carol password"),
    shareWrite: basic("dave", "dave password"),
    groupRead: basic("erin", "erin password"),
    groupWrite: basic("frank", "frank password"),
    groupOther: basic("gina", "gina password"),
    admin: adminAuth,
  });
  const link = await fetch(`${url}/api/links`, { method: "POST", headers: { authorization: creds.owner!, "content-type": "application/json" }, body: JSON.stringify({ path: H }) });
  linkPath = new URL(((await link.json()) as { url: string }).url).pathname;
  const s3Key = async (who: Who, body: Record<string, unknown> = {}) => {
    const res = await fetch(`${url}/api/s3keys`, { method: "POST", headers: { authorization: creds[who === "ownerReadOnly" ? "owner" : who]!, "content-type": "application/json" }, body: JSON.stringify(body) });
    if (res.status !== 201) throw new Error(`S3 key for ${who}: ${res.status} ${await res.text()}`);
    return (await res.json()) as RawCredentials;
  };
  for (const who of WHO) if (who !== "anonymous") s3Keys[who] = await s3Key(who, who === "ownerReadOnly" ? { readOnly: true } : {});
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

describe("who may do what, on every files-API and WebDAV route (AUTH=required)", () => {
  for (const row of rows) {
    test(row.name, async () => {
      await cluster.explain(async () => {
        const got: number[] = [];
        for (const who of WHO) {
          for (const f of row.files ?? []) await asAdmin("PUT", `/api/files${H}/${f.replace("$", who)}`, "content");
          const r = row.request(who);
          const res = await call(r.method, r.path, creds[who], r);
          got.push(res.status);
          if (res.status === 401) expect(res.headers.get("www-authenticate")).toBe('Basic realm="orrery", charset="UTF-8"');
        }
        expect(got).toEqual(row.expect);
      });
    });
  }
});

describe("what each sees above their home, and across homes", () => {
  test("listings of / and /home show a user only the way to their home; an admin sees all", async () => {
    await asAdmin("PUT", "/api/files/photos/p.jpg", "jpg");
    const names = async (who: Who, path: string) => {
      const res = await fetch(`${url}/api/files${path}`, { headers: { authorization: creds[who]! } });
      return ((await res.json()) as { entries: Array<{ name: string }> }).entries.map((e) => e.name);
    };
    expect(await names("owner", "/")).toEqual(["home"]);
    expect(await names("owner", "/home/")).toEqual(["alice"]);
    expect(await names("other", "/home/")).toEqual(["bob"]);
    expect(await names("shareRead", "/home/")).toEqual(["alice", "carol"]); // the share, and her own home
    expect(await names("admin", "/")).toEqual(["home", "photos"]);
    expect((await names("admin", "/home/")).sort()).toEqual(["alice", "bob", "carol", "dave", "erin", "frank", "gina"]);
    expect(await names("groupRead", "/home/")).toEqual(["alice", "erin"]); // the group's share, and her own home
    expect(await names("groupOther", "/home/")).toEqual(["bob", "gina"]);
    const dav = await fetch(`${url}/dav/home/`, { method: "PROPFIND", headers: { authorization: creds.other!, depth: "1" } });
    const body = await dav.text();
    expect(dav.status).toBe(207);
    expect(body).toContain("/dav/home/bob/");
    expect(body).not.toContain("/dav/home/alice/");
  });

  test("a zip of / or /home holds only what the caller may read; a named file of another's is refused", async () => {
    await asAdmin("PUT", `/api/files${H}/zipped.txt`, "alice's");
    await asAdmin("PUT", "/api/files/home/bob/mine.txt", "bob's");
    const names = async (who: Who, path: string) => {
      const res = await fetch(`${url}/api/zip?path=${path}`, { headers: { authorization: creds[who]! } });
      expect(res.status).toBe(200);
      const zip = join(mkdtempSync(join(tmpdir(), "orrery-zip-")), "a.zip");
      await Bun.write(zip, await res.arrayBuffer());
      const listed = Bun.spawnSync(["zipinfo", "-1", zip]).stdout.toString().split("\n").filter(Boolean);
      rmSync(join(zip, ".."), { recursive: true, force: true });
      return listed;
    };
    const bobs = await names("other", "/home");
    expect(bobs).toContain("home/bob/mine.txt");
    expect(bobs.some((n) => n.startsWith("home/alice"))).toBe(false);
    const rootForBob = await names("other", "/");
    expect(rootForBob).toContain("home/bob/mine.txt");
    expect(rootForBob.some((n) => n.startsWith("photos") || n.startsWith("home/alice"))).toBe(false);
    expect(await names("admin", "/home")).toContain("home/alice/zipped.txt");
    const refused = await fetch(`${url}/api/zip?path=/home/bob/mine.txt&path=${H}/zipped.txt`, { headers: { authorization: creds.other! } });
    expect(refused.status).toBe(403);
  });

  test("a user cannot copy or move their own file into another's home, nor write outside their home", async () => {
    await call("PUT", "/dav/home/bob/b.txt", creds.other, { body: "b" });
    expect((await call("COPY", "/dav/home/bob/b.txt", creds.other, { headers: { destination: "/dav/home/alice/b.txt" } })).status).toBe(403);
    expect((await call("MOVE", "/dav/home/bob/b.txt", creds.other, { headers: { destination: "/dav/photos/b.txt" } })).status).toBe(403);
    expect((await call("PUT", "/api/files/photos/x.jpg", creds.other, { body: "x" })).status).toBe(403);
    expect((await call("POST", "/api/mkdir", creds.other, { headers: { "content-type": "application/json" }, body: '{"path":"/home/carol"}' })).status).toBe(403);
  });

  test("shares: only the folder's owner shares it; the shared folder itself stays the owner's; ending a share ends the access", async () => {
    const post = (auth: string, body: unknown) =>
      fetch(`${url}/api/shares`, { method: "POST", headers: { authorization: auth, "content-type": "application/json" }, body: JSON.stringify(body) });
    expect((await post(creds.other!, { path: "/home/alice", user: "bob" })).status).toBe(403);
    expect((await post(creds.shareWrite!, { path: "/home/alice", user: "bob" })).status).toBe(403);
    expect((await post(creds.owner!, { path: "/home/alice/none", user: "bob" })).status).toBe(404);
    expect((await call("DELETE", "/api/files/home/alice?recursive=true", creds.shareWrite)).status).toBe(403);
    const listed = (await (await fetch(`${url}/api/shares`, { headers: { authorization: creds.shareRead! } })).json()) as { shares: Array<{ id: string; user: string }> };
    const mine = listed.shares.find((sh) => sh.user === "carol")!;
    expect((await call("GET", "/api/files/home/alice/", creds.shareRead)).status).toBe(200);
    expect((await call("DELETE", `/api/shares/${mine.id}`, creds.owner)).status).toBe(200);
    expect((await call("GET", "/api/files/home/alice/", creds.shareRead)).status).toBe(403);
    expect((await post(creds.owner!, { path: "/home/alice", user: "carol", access: "read" })).status).toBe(201); // as before, for the other tests
  });

  test("GET /api/me says who is asking and where their home is", async () => {
    const me = (await (await fetch(`${url}/api/me`, { headers: { authorization: creds.owner! } })).json()) as Record<string, unknown>;
    expect(me).toMatchObject({ user: "alice", home: "/home/alice", role: "user" });
    expect((await fetch(`${url}/api/me`)).status).toBe(401);
  });
});

// After the listings above: the admin's CreateBucket row adds a bucket they would see.
describe("who may do what on S3, each with a user's own access key (AUTH=required)", () => {
  for (const row of s3Rows) {
    test(row.name, async () => {
      await cluster.explain(async () => {
        const got: number[] = [];
        for (const who of WHO) {
          for (const f of row.files ?? []) await asAdmin("PUT", `/api/files${H}/${f.replace("$", who)}`, "content");
          const res = await s3Call(who, row.request(who));
          got.push(res.status);
        }
        expect(got).toEqual(row.expect);
      });
    });
  }

  test("S3 listings show each key only what its user may read", async () => {
    await asAdmin("PUT", "/api/files/home/bob/mine.txt", "bob's");
    const tags = async (who: Who, path: string, tag: string) =>
      [...(await (await signedFetch("GET", `${s3Url}${path}`, s3Keys[who]!)).text()).matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, "g"))].map((m) => m[1]);
    const keysOf = (who: Who, path: string) => tags(who, path, "Key");
    const bobs = await keysOf("other", "/home?list-type=2");
    expect(bobs).toContain("bob/mine.txt");
    expect(bobs.filter((k) => !k!.startsWith("bob/"))).toEqual([]);
    expect(await tags("other", "/", "Name")).toEqual(["home"]);
    expect(await keysOf("shareRead", "/home?list-type=2&prefix=alice/")).toContain("alice/f.txt");
    expect(await keysOf("admin", "/home?list-type=2")).toEqual(expect.arrayContaining(["alice/f.txt", "bob/mine.txt"]));
  });
});

describe("AUTH=auto on a node bound beyond loopback", () => {
  test("logins are asked for; the first admin's generated password is printed once and works; admin routes take it", async () => {
    const root = mkdtempSync(join(tmpdir(), "orrery-auth-"));
    const node = new TestNode("b1", join(root, "b1"), await freePort(), await freePort(), await freePort(), { BIND_ADDRESS: "0.0.0.0", DISCOVERY: "off", S3_PORT: "0" });
    try {
      node.start();
      await node.waitReady();
      const base = `http://127.0.0.1:${node.httpPort}`;
      expect((await fetch(`${base}/api/files/`)).status).toBe(401);
      expect((await fetch(`${base}/dav/`, { method: "PROPFIND" })).status).toBe(401);
      const bare = await fetch(`${base}/api/cluster/leave`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      expect([bare.status, bare.headers.get("www-authenticate")]).toEqual([401, "Orrery-Admin"]);
      const password = /made user 'admin' with the password (\S+)/.exec(node.logTail(200))?.[1];
      expect(password).toBeDefined();
      expect(node.logTail(200).split(password!).length).toBe(2); // printed once, never logged
      const auth = { authorization: basic("admin", password!), "content-type": "application/json" };
      expect((await fetch(`${base}/api/files/`, { headers: auth })).status).toBe(200);
      const set = await fetch(`${base}/api/cluster/settings`, { method: "PUT", headers: auth, body: JSON.stringify({ replicationFactor: 1 }) });
      expect(set.status).toBe(200);
    } finally {
      await node.stop();
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);
});
