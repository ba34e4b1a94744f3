// The audit log with real node processes (AUTH=required): who did what on node A — logins and a failed one,
// users, tokens, shares, deletes through the files API and WebDAV, a quota change — appears in node B's log,
// newest first, filtered by user and action; a user who is not an admin gets 403; the log holds at most
// AUDIT_KEEP records on every node, a node that was away catches up, and `orrery audit` prints it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { AuditRecord } from "@orrery/api";
import { join } from "node:path";
import { TestCluster } from "../harness/cluster.ts";
import { freePort } from "../harness/ports.ts";
import { signedFetch } from "../s3/raw-client.ts";

const PKG = join(import.meta.dir, "../..");
const ADMIN = "admin admin admin";
const KEEP = 40;
const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString("base64")}`;
const admin = basic("admin", ADMIN);
const alice = basic("alice", "alice password");
const json = { "content-type": "application/json" };

let cluster: TestCluster;
let s3Port: number;
const S3 = { accessKey: "audit-key", secretKey: "audit-secret" };
let a: string;
let b: string;

async function call(base: string, method: string, path: string, auth: string | undefined, body?: unknown): Promise<Response> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(auth ? { authorization: auth } : {}), ...(body === undefined ? {} : json) },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return res;
}

async function audit(base: string, query = ""): Promise<{ records: AuditRecord[]; next: string | null; kept: number; keep: number }> {
  const res = await call(base, "GET", `/api/audit${query}`, admin);
  if (res.status !== 200) throw new Error(`GET /api/audit${query}: ${res.status} ${await res.text()}`);
  return res.json() as never;
}

/** Polls B's log until `check` holds (pushed at once; a missed push arrives with the next sync round). */
async function eventually<T>(read: () => Promise<T>, check: (v: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (check(v) || Date.now() > deadline) return v;
    await Bun.sleep(100);
  }
}

beforeAll(async () => {
  cluster = await TestCluster.start(1, { replicationFactor: 2, env: { AUTH: "required", ADMIN_PASSWORD: ADMIN, AUDIT_KEEP: String(KEEP) }, headers: { authorization: admin } });
  s3Port = await freePort();
  await cluster.add([], { S3_PORT: String(s3Port), S3_ACCESS_KEY: S3.accessKey, S3_SECRET_KEY: S3.secretKey });
  await cluster.waitForMembers(2);
  [a, b] = cluster.nodes.map((n) => n.url) as [string, string];
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

describe("the audit log", () => {
  test("what is done on node A is in node B's log: who, what, through which interface, newest first", async () => {
    expect((await call(a, "POST", "/api/users", admin, { name: "alice", password: "alice password" })).status).toBe(201);
    expect((await call(a, "POST", "/api/users", admin, { name: "bob", password: "bob password" })).status).toBe(201);
    expect((await call(a, "PATCH", "/api/users/bob", admin, { quotaBytes: 1_000_000 })).status).toBe(200);
    expect((await call(a, "GET", "/api/files/", basic("alice", "wrong password"))).status).toBe(401);
    const login = await call(a, "POST", "/api/login", undefined, { user: "alice", password: "alice password" });
    expect(login.status).toBe(200);
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    const token = (await (await call(a, "POST", "/api/tokens", alice, { label: "script" })).json()) as { id: string };
    expect((await call(a, "DELETE", `/api/tokens/${token.id}`, alice)).status).toBe(200);
    expect((await call(a, "POST", "/api/mkdir", alice, { path: "/home/alice/photos" })).status).toBe(201);
    const share = (await (await call(a, "POST", "/api/shares", alice, { path: "/home/alice/photos", user: "bob" })).json()) as { id: string };
    expect((await call(a, "DELETE", `/api/shares/${share.id}`, alice)).status).toBe(200);
    expect((await call(a, "PUT", "/api/files/home/alice/a.txt", alice, "a")).status).toBe(201);
    expect((await call(a, "PUT", "/api/files/home/alice/b.txt", alice, "b")).status).toBe(201);
    expect((await call(a, "DELETE", "/api/files/home/alice/a.txt", alice)).status).toBe(200);
    expect((await call(a, "DELETE", "/dav/home/alice/b.txt", alice)).status).toBe(204);
    const logout = await fetch(`${a}/api/logout`, { method: "POST", headers: { cookie, ...json }, body: "{}" });
    expect(logout.status).toBe(200);
    expect((await call(a, "DELETE", "/api/users/bob", admin)).status).toBe(200);

    const expected = [
      ["admin", "user_add", "alice", "api"], ["admin", "user_add", "bob", "api"], ["admin", "user_quota", "bob", "api"],
      ["alice", "login_failed", "alice", "api"], ["alice", "login", "alice", "ui"],
      ["alice", "token_create", token.id, "api"], ["alice", "token_revoke", token.id, "api"],
      ["alice", "share_add", "/home/alice/photos", "api"], ["alice", "share_rm", "/home/alice/photos", "api"],
      ["alice", "delete", "/home/alice/a.txt", "api"], ["alice", "delete", "/home/alice/b.txt", "webdav"],
      ["alice", "logout", "alice", "ui"], ["admin", "user_rm", "bob", "api"],
    ];
    const onB = await eventually(() => audit(b), (p) => p.records.length >= expected.length);
    const seen = onB.records.map((r) => [r.actor, r.action, r.target, r.via]);
    expect(seen).toEqual(expected.reverse()); // newest first
    expect(onB.records.every((r) => r.node === cluster.nodes[0]!.id && r.address === "127.0.0.1")).toBe(true);
    expect(onB.records.find((r) => r.action === "user_quota")!.detail).toEqual({ quotaBytes: 1_000_000 });
    expect(onB.records.find((r) => r.action === "login_failed")!.detail).toEqual({ with: "password" });

    // Filters and pages.
    expect((await audit(b, "?user=admin")).records.map((r) => r.action)).toEqual(["user_rm", "user_quota", "user_add", "user_add"]);
    expect((await audit(b, "?action=delete")).records.map((r) => r.via)).toEqual(["webdav", "api"]);
    const first = await audit(b, "?limit=5");
    const second = await audit(b, `?limit=5&before=${first.next}`);
    expect([...first.records, ...second.records].map((r) => r.id)).toEqual(onB.records.slice(0, 10).map((r) => r.id));
    expect((await call(b, "GET", "/api/audit?limit=0", admin)).status).toBe(400);
    expect((await call(b, "GET", "/api/audit?action=dance", admin)).status).toBe(400);
  }, 60_000);

  test("is an admin's alone: a user gets 403, an anonymous client 401", async () => {
    const res = await call(b, "GET", "/api/audit", alice);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe("admin_required");
    // Anonymous: 401 naming both ways in, as every admin route does (a user login, or the cluster key).
    const anonymous = await call(b, "GET", "/api/audit", undefined);
    expect([anonymous.status, anonymous.headers.get("www-authenticate")]).toEqual([401, "Orrery-Admin"]);
    const readOnly = (await (await call(b, "POST", "/api/tokens", admin, { readOnly: true })).json()) as { token: string };
    expect((await call(b, "GET", "/api/audit", `Bearer ${readOnly.token}`)).status).toBe(200); // reading is what a read-only admin token may do
  });

  test("a delete through S3 on node B is in node A's log: by access key, and by user for a user's key", async () => {
    const s3 = `http://127.0.0.1:${s3Port}`;
    expect((await signedFetch("PUT", `${s3}/photos`, S3)).status).toBe(200);
    expect((await signedFetch("PUT", `${s3}/photos/cat.jpg`, S3, new TextEncoder().encode("meow"))).status).toBe(200);
    expect((await signedFetch("DELETE", `${s3}/photos/cat.jpg`, S3)).status).toBe(204);
    const onA = await eventually(() => audit(a, "?action=delete&limit=1"), (p) => p.records[0]?.via === "s3");
    expect(onA.records[0]).toMatchObject({ actor: null, target: "/photos/cat.jpg", via: "s3", node: cluster.nodes[1]!.id, detail: { op: "DeleteObject", accessKey: S3.accessKey } });
    // A user's own S3 key: the record names the user, and the key.
    const made = await call(a, "POST", "/api/s3keys", basic("alice", "alice password"), { label: "audit" });
    expect(made.status).toBe(201);
    const key = (await made.json()) as { accessKey: string; secretKey: string };
    const aliceKey = { accessKey: key.accessKey, secretKey: key.secretKey };
    expect((await signedFetch("PUT", `${s3}/home/alice/note.txt`, aliceKey, new TextEncoder().encode("hi"))).status).toBe(200);
    expect((await signedFetch("DELETE", `${s3}/home/alice/note.txt`, aliceKey)).status).toBe(204);
    const byAlice = await eventually(() => audit(a, "?action=delete&limit=1"), (p) => p.records[0]?.target === "/home/alice/note.txt");
    expect(byAlice.records[0]).toMatchObject({ actor: "alice", via: "s3", detail: { op: "DeleteObject", accessKey: key.accessKey } });
  }, 30_000);

  test("switching a folder's versioning and removing a version for good are recorded", async () => {
    expect((await call(a, "POST", "/api/mkdir", admin, { path: "/docs" })).status).toBe(201);
    expect((await call(a, "PUT", "/api/versioning/docs", admin, { status: "Enabled" })).status).toBe(200);
    expect((await call(a, "PUT", "/api/files/docs/v.txt", admin, "one")).status).toBe(201);
    expect((await call(a, "PUT", "/api/files/docs/v.txt", admin, "two")).status).toBe(201);
    const { versions } = (await (await call(a, "GET", "/api/versions/docs/v.txt", admin)).json()) as { versions: { versionId: string }[] };
    const oldest = versions.at(-1)!.versionId;
    expect((await call(a, "DELETE", `/api/versions/docs/v.txt?versionId=${oldest}`, admin)).status).toBe(200);
    const onB = await eventually(() => audit(b, "?user=admin&limit=2"), (p) => p.records[0]?.detail.versionId === oldest);
    expect(onB.records.map((r) => [r.action, r.target, r.detail])).toEqual([
      ["delete", "/docs/v.txt", { versionId: oldest }],
      ["settings_change", "/docs", { versioning: "Enabled" }],
    ]);
  }, 30_000);

  test("a cluster key change is recorded; a refused one is not", async () => {
    const keys = (await (await call(a, "GET", "/api/cluster/keys", admin)).json()) as { nodes: { primary?: string }[] };
    const primary = keys.nodes[0]!.primary!;
    expect((await call(a, "POST", "/api/cluster/members/nobody/forget", admin, {})).status).toBe(404);
    const used = await call(a, "POST", "/api/cluster/keys/use", admin, { keyId: primary });
    expect(used.status).toBe(200);
    const onB = await eventually(() => audit(b, "?action=cluster_change"), (p) => p.records.length > 0);
    expect(onB.records.map((r) => [r.actor, r.target, r.via])).toEqual([["admin", "keys/use", "api"]]);
  }, 30_000);

  test("holds the newest AUDIT_KEEP records on every node, and a node that was away catches up", async () => {
    const [, nodeB] = cluster.nodes;
    await nodeB!.stop();
    // One copy is enough with B away (replication factor 2): the writes and deletes are what is recorded.
    for (let i = 0; i < KEEP + 10; i++) expect((await call(a, "PUT", `/api/files/home/alice/x${i}?durability=fast`, alice, "x")).status).toBe(201);
    for (let i = 0; i < KEEP + 10; i++) expect((await call(a, "DELETE", `/api/files/home/alice/x${i}?durability=fast`, alice)).status).toBe(200);
    const onA = await audit(a, "?limit=1000");
    expect([onA.kept, onA.keep, onA.records.length]).toEqual([KEEP, KEEP, KEEP]);
    expect(onA.records[0]!.target).toBe(`/home/alice/x${KEEP + 9}`);
    expect(onA.records.at(-1)!.target).toBe("/home/alice/x10"); // the older ones collected
    nodeB!.start([cluster.nodes[0]!.gossipAddr]);
    await nodeB!.waitReady();
    const onB = await eventually(() => audit(b, "?limit=1000"), (p) => p.records[0]?.id === onA.records[0]!.id && p.records.length === KEEP, 20_000);
    expect(onB.records.map((r) => r.id)).toEqual(onA.records.map((r) => r.id));
    expect(onB.kept).toBe(KEEP);
  }, 90_000);

  test("orrery audit prints the log as a table, filtered by user and action", async () => {
    const run = async (args: string[]) => {
      const p = Bun.spawn([process.execPath, "src/main.ts", ...args, "--node", b, "--user", "admin", "--password", ADMIN], { cwd: PKG, stdout: "pipe", stderr: "pipe" });
      const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
      return { out, err, code };
    };
    const table = await run(["audit", "--action", "delete", "--limit", "3"]);
    expect(table.code).toBe(0);
    const lines = table.out.trim().split("\n");
    expect(lines[0]).toMatch(/^time\s+user\s+action\s+target\s+via\s+from/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(2, 6))).toEqual([
      ["alice", "delete", `/home/alice/x${KEEP + 9}`, "api"], ["alice", "delete", `/home/alice/x${KEEP + 8}`, "api"], ["alice", "delete", `/home/alice/x${KEEP + 7}`, "api"],
    ]);
    const asJson = await run(["audit", "--by", "nobody", "--json"]);
    expect([asJson.code, JSON.parse(asJson.out)]).toEqual([0, []]);
  }, 30_000);
});
