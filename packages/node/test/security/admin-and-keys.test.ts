// Operating a keyed cluster with real nodes: admin requests need the key beyond loopback; the key rotates
// on every live node without downtime (and the old key stops working); a restarted node keeps the new key.
import { errorAnswer } from "../harness/api.ts";
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ClusterKey } from "../../src/security/cluster-key.ts";
import { signAdminRequest } from "../../src/security/admin-auth.ts";
import { orrery } from "../harness/cli.ts";
import { freePort } from "../harness/ports.ts";
import { getBytes, put, randomBytes, sha256, TestCluster, TestNode, waitFor } from "../harness/cluster.ts";

const clusters: TestCluster[] = [];
afterAll(async () => {
  await Promise.all(clusters.map((c) => c.stop()));
});

describe("admin requests on a node bound beyond loopback", () => {
  test("need a request signed with the cluster key: none, a wrong key, a replay and a tampered path are 401", async () => {
    // AUTH=off: this test is about the cluster-key signature, which a node beyond loopback asks for whether or
    // not its files API asks for logins (test/security/permissions.test.ts covers AUTH=auto beyond loopback).
    const cluster = await TestCluster.start(1, { env: { BIND_ADDRESS: "0.0.0.0", DISCOVERY: "off", AUTH: "off" } });
    clusters.push(cluster);
    const [n] = cluster.nodes;
    const url = `http://127.0.0.1:${n!.httpPort}`;
    const post = (path: string, headers: Record<string, string> = {}) =>
      fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: "{}" });
    const body = new TextEncoder().encode("{}");

    const bare = await post("/api/cluster/leave");
    expect(bare.headers.get("www-authenticate")).toBe("Orrery-Admin");
    expect((await errorAnswer(bare, 401)).code).toBe("admin_credential_required");
    const wrong = new ClusterKey("not-this-clusters-key-but-long-enough-0000");
    expect((await post("/api/cluster/leave", { authorization: signAdminRequest(wrong, "POST", "/api/cluster/leave", body) })).status).toBe(401);
    // Signed for another path: no good here.
    const right = new ClusterKey(cluster.clusterKey);
    expect((await post("/api/cluster/leave", { authorization: signAdminRequest(right, "POST", "/api/cluster/members/x/forget", body) })).status).toBe(401);
    // Signed properly, once: the same header again is a replay.
    const once = signAdminRequest(right, "POST", "/api/cluster/members/nobody/forget", body);
    expect((await post("/api/cluster/members/nobody/forget", { authorization: once })).status).toBe(404);
    expect((await post("/api/cluster/members/nobody/forget", { authorization: once })).status).toBe(401);
    // Changing the cluster's settings is an admin request too.
    const settings = await fetch(`${url}/api/cluster/settings`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ replicationFactor: 1 }) });
    expect(settings.status).toBe(401);
    expect(((await (await fetch(`${url}/api/cluster/settings`)).json()) as { set: object }).set).toEqual({});
    expect(n!.running).toBe(true);

    // The CLI without the key is refused with the reason; with it, the node leaves.
    const refused = await orrery(["leave", "--node", url], { CLUSTER_KEY: "", DATA_DIR: join(cluster.root, "none") });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("admin_credential_required");
    const ok = await orrery(["leave", "--node", url], { CLUSTER_KEY: cluster.clusterKey });
    expect(ok.code, ok.stderr).toBe(0);
    await waitFor(() => !n!.running, 20_000, "the node to leave and exit");
  });
});

describe("key rotation", () => {
  test("orrery key rotate switches every node to a new key without downtime; the old key is locked out", async () => {
    const cluster = await TestCluster.start(3);
    clusters.push(cluster);
    const [a, b, c] = cluster.nodes;
    const before = randomBytes(600_000);
    expect((await put(a!.url, "rot/before.bin", before)).status).toBe(201);
    const oldKey = new ClusterKey(cluster.clusterKey);

    const rotated = await orrery(["key", "rotate", "--node", a!.url], { CLUSTER_KEY: cluster.clusterKey });
    expect(rotated.code, rotated.stderr).toBe(0);
    const secret = /CLUSTER_KEY=(\S+)/.exec(rotated.stdout)?.[1];
    expect(secret).toBeDefined();
    const newKey = new ClusterKey(secret!);
    expect(newKey.id).not.toBe(oldKey.id);

    const listed = await orrery(["key", "list", "--node", b!.url, "--json"], { CLUSTER_KEY: secret! });
    expect(listed.code, listed.stderr).toBe(0);
    const nodes = (JSON.parse(listed.stdout) as { nodes: Array<{ id: string; primary: string; keys: string[] }> }).nodes;
    expect(nodes.map((n) => [n.id, n.primary, n.keys.join()])).toEqual(["n1", "n2", "n3"].map((id) => [id, newKey.id, newKey.id]));

    // The cluster keeps working across nodes: new connections use the new key.
    await cluster.waitForMembers(3);
    const after = randomBytes(900_000);
    expect((await put(b!.url, "rot/after.bin", after, "all")).status).toBe(201);
    for (const n of cluster.nodes) {
      expect(sha256(await getBytes(n.url, "rot/before.bin"))).toBe(sha256(before));
      expect(sha256(await getBytes(n.url, "rot/after.bin"))).toBe(sha256(after));
    }

    // A node restarted with its old CLUSTER_KEY setting keeps the rotated key from its data dir.
    await c!.stop();
    await cluster.restart(c!);
    await cluster.waitForMembers(3);
    expect(c!.logTail(200)).toContain("was retired by a key rotation");

    // A node that only has the old key cannot join any more.
    const stale = new TestNode("stale", join(cluster.root, "stale"), await freePort(), await freePort(), await freePort(), {
      CLUSTER_KEY: oldKey.secret,
      GOSSIP_INTERVAL_MS: "200",
      S3_PORT: "0",
    });
    stale.start([a!.gossipAddr]);
    try {
      await stale.waitReady();
      await Bun.sleep(4000);
      for (const n of cluster.nodes) expect((await n.members()).map((m) => m.id)).not.toContain("stale");
      expect((await stale.members()).map((m) => m.id)).toEqual(["stale"]);
    } finally {
      await stale.kill();
    }
  }, 120_000);
});
