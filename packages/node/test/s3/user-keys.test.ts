// S3 access keys that belong to users, on a real two-node cluster that requires logins, through the AWS SDK:
// a user's key acts as that user (authorize() decides as on the files API), ListBuckets shows what they may
// see, a read-only key writes nothing, a shared folder is readable, the config's key is an admin, and a key
// revoked on one node is refused on the other at once.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  CopyObjectCommand, CreateBucketCommand, DeleteObjectsCommand, GetObjectCommand, HeadBucketCommand, ListBucketsCommand,
  ListObjectsV2Command, PutObjectCommand, S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { TestCluster } from "../harness/cluster.ts";
import { freePort } from "../harness/ports.ts";
import { s3Failure } from "./s3-cluster.ts";

const ADMIN = "admin password 1";
const CONFIG = { key: "CONFIGKEY0000000001", secret: "config-secret-0123456789-0123456789" };
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

let cluster: TestCluster;
const endpoints: string[] = [];
const keys: Record<string, { accessKey: string; secretKey: string }> = {};

const client = (creds: { accessKey: string; secretKey: string }, node = 0) =>
  new S3Client({
    endpoint: endpoints[node], region: "us-east-1", forcePathStyle: true, maxAttempts: 1,
    credentials: { accessKeyId: creds.accessKey, secretAccessKey: creds.secretKey },
  });
const admin = () => client({ accessKey: CONFIG.key, secretKey: CONFIG.secret });

async function api(method: string, path: string, auth: string, body?: unknown, node = 0) {
  const res = await fetch(`${cluster.nodes[node]!.url}${path}`, {
    method, headers: { authorization: auth, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const text = async (p: Promise<{ Body?: { transformToString(): Promise<string> } }>) => (await p).Body!.transformToString();
const keysOf = async (c: S3Client, bucket: string) => ((await c.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key);

beforeAll(async () => {
  const ports = [await freePort(), await freePort()];
  endpoints.push(...ports.map((p) => `http://127.0.0.1:${p}`));
  const env = { AUTH: "required", ADMIN_PASSWORD: ADMIN, S3_CREDENTIALS: `${CONFIG.key}:${CONFIG.secret}`, S3_PORT: String(ports[0]) };
  cluster = await TestCluster.start(1, { replicationFactor: 2, env, headers: { authorization: basic("admin", ADMIN) } });
  await cluster.add([], { S3_PORT: String(ports[1]) });
  await cluster.waitForMembers(2);
  for (const name of ["alice", "bob"]) await api("POST", "/api/users", basic("admin", ADMIN), { name, password: `${name} password` });
  const make = async (who: string, body: Record<string, unknown> = {}) => (await api("POST", "/api/s3keys", basic(who, `${who} password`), body)) as { accessKey: string; secretKey: string };
  keys.alice = await make("alice");
  keys.aliceReadOnly = await make("alice", { readOnly: true });
  keys.bob = await make("bob");
  // A bucket of bob's: made by the admin (users make no top-level folders) and shared with him.
  await admin().send(new CreateBucketCommand({ Bucket: "bobs-bucket" }));
  await admin().send(new PutObjectCommand({ Bucket: "bobs-bucket", Key: "plans.txt", Body: "bob's plans" }));
  await api("POST", "/api/shares", basic("admin", ADMIN), { path: "/bobs-bucket", user: "bob", access: "write" });
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
});

describe("S3 keys of users act as their users", () => {
  test("a user writes and reads in their home; another user's key is refused it, with S3's XML AccessDenied", async () => {
    await cluster.explain(async () => {
      await client(keys.alice!).send(new PutObjectCommand({ Bucket: "home", Key: "alice/secret.txt", Body: "alice's secret" }));
      expect(await text(client(keys.alice!, 1).send(new GetObjectCommand({ Bucket: "home", Key: "alice/secret.txt" })))).toBe("alice's secret");
      expect(await s3Failure(client(keys.bob!).send(new GetObjectCommand({ Bucket: "home", Key: "alice/secret.txt" })))).toEqual({ name: "AccessDenied", status: 403 });
      expect(await s3Failure(client(keys.bob!).send(new PutObjectCommand({ Bucket: "home", Key: "alice/planted.txt", Body: "x" })))).toEqual({ name: "AccessDenied", status: 403 });
      const url = await getSignedUrl(client(keys.bob!), new GetObjectCommand({ Bucket: "home", Key: "alice/secret.txt" }), { expiresIn: 60 });
      const res = await fetch(url);
      expect(res.status).toBe(403);
      expect(res.headers.get("content-type")).toBe("application/xml");
      expect(await res.text()).toContain("<Code>AccessDenied</Code>");
      // Copying it out, or deleting it through a batch, is refused too, key by key.
      expect((await s3Failure(client(keys.bob!).send(new CopyObjectCommand({ Bucket: "home", Key: "bob/copy.txt", CopySource: "home/alice/secret.txt" })))).name).toBe("AccessDenied");
      const batch = await client(keys.bob!).send(new DeleteObjectsCommand({ Bucket: "home", Delete: { Objects: [{ Key: "alice/secret.txt" }] } }));
      expect(batch.Errors?.map((e) => e.Code)).toEqual(["AccessDenied"]);
      expect(await text(admin().send(new GetObjectCommand({ Bucket: "home", Key: "alice/secret.txt" })))).toBe("alice's secret");
    });
  });

  test("ListBuckets shows each key what its user may see; listings leave out the rest; another's bucket is AccessDenied", async () => {
    await cluster.explain(async () => {
      await client(keys.bob!).send(new PutObjectCommand({ Bucket: "home", Key: "bob/b.txt", Body: "b" }));
      const names = async (c: S3Client) => ((await c.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name);
      expect(await names(client(keys.alice!))).toEqual(["home"]);
      expect(await names(client(keys.bob!))).toEqual(["bobs-bucket", "home"]);
      expect(await names(admin())).toEqual(["bobs-bucket", "home"]);
      expect(await keysOf(client(keys.bob!), "bobs-bucket")).toEqual(["plans.txt"]);
      expect(await s3Failure(client(keys.alice!).send(new ListObjectsV2Command({ Bucket: "bobs-bucket" })))).toEqual({ name: "AccessDenied", status: 403 });
      expect((await s3Failure(client(keys.alice!).send(new HeadBucketCommand({ Bucket: "bobs-bucket" })))).status).toBe(403);
      expect(await s3Failure(client(keys.alice!).send(new GetObjectCommand({ Bucket: "bobs-bucket", Key: "plans.txt" })))).toEqual({ name: "AccessDenied", status: 403 });
      expect((await s3Failure(client(keys.alice!).send(new CreateBucketCommand({ Bucket: "alices-own" })))).name).toBe("AccessDenied");
      expect(await keysOf(client(keys.bob!), "home")).toEqual(["bob/b.txt"]);
      expect((await keysOf(admin(), "home")).sort()).toEqual(["alice/secret.txt", "bob/b.txt"]);
    });
  });

  test("a folder shared read-only is readable through S3, not writable", async () => {
    await cluster.explain(async () => {
      await client(keys.alice!).send(new PutObjectCommand({ Bucket: "home", Key: "alice/shared/notes.txt", Body: "notes" }));
      await api("POST", "/api/shares", basic("alice", "alice password"), { path: "/home/alice/shared", user: "bob", access: "read" });
      expect(await text(client(keys.bob!, 1).send(new GetObjectCommand({ Bucket: "home", Key: "alice/shared/notes.txt" })))).toBe("notes");
      expect((await keysOf(client(keys.bob!), "home")).sort()).toEqual(["alice/shared/notes.txt", "bob/b.txt"]);
      expect((await s3Failure(client(keys.bob!).send(new PutObjectCommand({ Bucket: "home", Key: "alice/shared/more.txt", Body: "x" })))).name).toBe("AccessDenied");
      expect((await s3Failure(client(keys.bob!).send(new GetObjectCommand({ Bucket: "home", Key: "alice/secret.txt" })))).name).toBe("AccessDenied");
    });
  });

  test("a read-only key reads and is refused every write", async () => {
    const ro = client(keys.aliceReadOnly!);
    expect(await text(ro.send(new GetObjectCommand({ Bucket: "home", Key: "alice/secret.txt" })))).toBe("alice's secret");
    expect(await s3Failure(ro.send(new PutObjectCommand({ Bucket: "home", Key: "alice/ro.txt", Body: "x" })))).toEqual({ name: "AccessDenied", status: 403 });
    const batch = await ro.send(new DeleteObjectsCommand({ Bucket: "home", Delete: { Objects: [{ Key: "alice/secret.txt" }] } }));
    expect(batch.Errors?.map((e) => e.Code)).toEqual(["AccessDenied"]);
  });

  test("a key revoked on one node is InvalidAccessKeyId on the other at once; the listing no longer shows it", async () => {
    const k = (await api("POST", "/api/s3keys", basic("alice", "alice password"), { label: "short-lived" })) as { accessKey: string; secretKey: string };
    expect(await keysOf(client(k, 1), "home")).toContain("alice/secret.txt");
    const listed = (await api("GET", "/api/s3keys", basic("alice", "alice password"))) as { keys: Array<{ accessKey: string }> };
    expect(listed.keys.map((x) => x.accessKey)).toContain(k.accessKey);
    expect(JSON.stringify(listed)).not.toContain(k.secretKey);
    // Bob may not revoke alice's key (it is not his to see).
    const bobs = await fetch(`${cluster.nodes[0]!.url}/api/s3keys/${k.accessKey}`, { method: "DELETE", headers: { authorization: basic("bob", "bob password") } });
    expect(bobs.status).toBe(404);
    await api("DELETE", `/api/s3keys/${k.accessKey}`, basic("alice", "alice password"));
    expect(await s3Failure(client(k, 1).send(new ListObjectsV2Command({ Bucket: "home" })))).toEqual({ name: "InvalidAccessKeyId", status: 403 });
    expect(await s3Failure(client(k, 0).send(new ListObjectsV2Command({ Bucket: "home" })))).toEqual({ name: "InvalidAccessKeyId", status: 403 });
    const after = (await api("GET", "/api/s3keys", basic("alice", "alice password"))) as { keys: Array<{ accessKey: string }> };
    expect(after.keys.map((x) => x.accessKey)).not.toContain(k.accessKey);
  });

  test("an admin makes a key for a user; a user cannot make one for another", async () => {
    const made = (await api("POST", "/api/s3keys", basic("admin", ADMIN), { user: "bob", label: "for bob" })) as { accessKey: string; secretKey: string; user: string };
    expect(made.user).toBe("bob");
    expect(await keysOf(client(made), "home")).toEqual(expect.arrayContaining(["bob/b.txt"]));
    const refused = await fetch(`${cluster.nodes[0]!.url}/api/s3keys`, {
      method: "POST", headers: { authorization: basic("alice", "alice password"), "content-type": "application/json" }, body: JSON.stringify({ user: "bob" }),
    });
    expect(refused.status).toBe(403);
  });
});
