// Users' S3 keys across a cluster-key rotation, on real nodes: their secrets are sealed under the cluster key,
// so `orrery key rotate` seals them again under the new key before removing the old one; afterwards the
// same key pair still signs S3 requests in, on every node, and after a restart.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { TestCluster, type TestNode } from "../harness/cluster.ts";
import { orrery } from "../harness/cli.ts";
import { freePort } from "../harness/ports.ts";
import { ClusterKey } from "../../src/security/cluster-key.ts";

const ADMIN = "admin admin admin";
const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString("base64")}`;
let cluster: TestCluster;
const endpoints: string[] = [];

beforeAll(async () => {
  // The harness gives every node the same env: the second node's S3 port comes as its own setting.
  const ports = [await freePort(), await freePort()];
  cluster = await TestCluster.start(1, { replicationFactor: 2, env: { AUTH: "required", ADMIN_PASSWORD: ADMIN, S3_PORT: String(ports[0]) }, headers: { authorization: basic("admin", ADMIN) } });
  await cluster.add([], { S3_PORT: String(ports[1]) });
  await cluster.waitForMembers(2);
  endpoints.push(...ports.map((p) => `http://127.0.0.1:${p}`));
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

const s3 = (endpoint: string, key: { accessKey: string; secretKey: string }) =>
  new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: key.accessKey, secretAccessKey: key.secretKey } });
const listed = async (endpoint: string, key: { accessKey: string; secretKey: string }) =>
  ((await s3(endpoint, key).send(new ListObjectsV2Command({ Bucket: "home", Prefix: "alice/" }))).Contents ?? []).map((o) => o.Key);

test("an S3 key made before `orrery key rotate` still signs in on every node once the old key is removed", async () => {
  await cluster.explain(async () => {
    const [n1, n2] = cluster.nodes as [TestNode, TestNode];
    const added = await fetch(`${n1.url}/api/users`, {
      method: "POST", headers: { authorization: basic("admin", ADMIN), "content-type": "application/json" }, body: JSON.stringify({ name: "alice", password: "alice password" }),
    });
    expect(added.status).toBe(201);
    const made = await fetch(`${n2.url}/api/s3keys`, { method: "POST", headers: { authorization: basic("alice", "alice password"), "content-type": "application/json" }, body: "{}" });
    expect(made.status).toBe(201);
    const key = (await made.json()) as { accessKey: string; secretKey: string };
    await s3(endpoints[0]!, key).send(new PutObjectCommand({ Bucket: "home", Key: "alice/before.txt", Body: "before" }));

    const oldKey = new ClusterKey(cluster.clusterKey);
    const rotated = await orrery(["key", "rotate", "--node", n1.url], { CLUSTER_KEY: cluster.clusterKey });
    expect(rotated.code, rotated.stderr).toBe(0);
    const newKey = new ClusterKey(/CLUSTER_KEY=(\S+)/.exec(rotated.stdout)![1]!);
    const keys = await orrery(["key", "list", "--node", n2.url, "--json"], { CLUSTER_KEY: newKey.secret });
    const nodes = (JSON.parse(keys.stdout) as { nodes: Array<{ keys: string[] }> }).nodes;
    expect(nodes.map((n) => n.keys)).toEqual([[newKey.id], [newKey.id]]); // the old key is gone everywhere
    expect(newKey.id).not.toBe(oldKey.id);

    for (const endpoint of endpoints) expect(await listed(endpoint, key)).toEqual(["alice/before.txt"]);
    await s3(endpoints[1]!, key).send(new PutObjectCommand({ Bucket: "home", Key: "alice/after.txt", Body: "after" }));

    // What each node keeps on disk is the re-sealed record: a restart changes nothing.
    await n2.stop();
    await cluster.restart(n2);
    await cluster.waitForMembers(2);
    expect(await listed(endpoints[1]!, key)).toEqual(["alice/after.txt", "alice/before.txt"]);
  });
}, 120_000);
