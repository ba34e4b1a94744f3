// Accounts across real node processes (AUTH=required): a user or token made on one node logs in on every
// node, and a node that was down while a password changed and a user was removed catches up: the old
// password and the removed user stop working there too. A quota holds across the cluster: a user's file counts
// once however many nodes keep a copy, and an upload through any node is checked against it.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { TestCluster, waitFor } from "../harness/cluster.ts";

const ADMIN = "admin admin admin";
const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString("base64")}`;
const adminAuth = basic("admin", ADMIN);
let cluster: TestCluster;

const me = (url: string, auth: string) => fetch(`${url}/api/me`, { headers: { authorization: auth } });
const json = (auth: string, body: unknown) => ({ headers: { authorization: auth, "content-type": "application/json" }, body: JSON.stringify(body) });

beforeAll(async () => {
  cluster = await TestCluster.start(3, { env: { AUTH: "required", ADMIN_PASSWORD: ADMIN }, headers: { authorization: adminAuth } });
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
});

test("users and tokens made on one node work on every node; a node that was away catches up", async () => {
  await cluster.explain(async () => {
    const [n1, n2, n3] = cluster.nodes as [NonNullable<(typeof cluster.nodes)[0]>, (typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    expect((await fetch(`${n1.url}/api/users`, { method: "POST", ...json(adminAuth, { name: "alice", password: "first password" }) })).status).toBe(201);
    expect((await fetch(`${n1.url}/api/users`, { method: "POST", ...json(adminAuth, { name: "bob", password: "bobs password" }) })).status).toBe(201);
    for (const n of [n1, n2, n3]) expect((await me(n!.url, basic("alice", "first password"))).status).toBe(200);
    const made = await fetch(`${n2!.url}/api/tokens`, { method: "POST", ...json(basic("alice", "first password"), {}) });
    const { token } = (await made.json()) as { token: string };
    expect((await me(n3!.url, `Bearer ${token}`)).status).toBe(200);

    await n3!.stop();
    const changed = await fetch(`${n1.url}/api/users/alice`, { method: "PATCH", ...json(adminAuth, { password: "second password" }) });
    expect(changed.status).toBe(200);
    expect((await fetch(`${n2!.url}/api/users/bob`, { method: "DELETE", headers: { authorization: adminAuth } })).status).toBe(200);
    expect((await me(n2!.url, basic("alice", "first password"))).status).toBe(401);

    await cluster.restart(n3!);
    await waitFor(async () => (await me(n3!.url, basic("alice", "second password"))).status === 200, 20_000, "n3 to take alice's new password");
    expect((await me(n3!.url, basic("alice", "first password"))).status).toBe(401);
    expect((await me(n3!.url, basic("bob", "bobs password"))).status).toBe(401);
    expect((await me(n3!.url, `Bearer ${token}`)).status).toBe(200); // a new password leaves tokens alone
    const users = (await (await fetch(`${n3!.url}/api/users`, { headers: { authorization: adminAuth } })).json()) as { users: Array<{ name: string }> };
    expect(users.users.map((u) => u.name).sort()).toEqual(["admin", "alice"]);
  });
}, 120_000);

test("a quota holds across the cluster: each file counted once whatever its copies, every node refusing past it", async () => {
  await cluster.explain(async () => {
    const [n1, n2, n3] = cluster.nodes.map((n) => n!.url) as [string, string, string];
    expect((await fetch(`${n1}/api/users`, { method: "POST", ...json(adminAuth, { name: "carol", password: "carol password", quotaBytes: 1_000_000 }) })).status).toBe(201);
    const carol = basic("carol", "carol password");
    const put = (url: string, name: string, bytes: number) =>
      fetch(`${url}/api/files/home/carol/${name}?durability=all`, { method: "PUT", headers: { authorization: carol }, body: new Uint8Array(bytes).fill(3) });
    const written = await put(n1, "a.bin", 600_000);
    expect(written.status).toBe(201);
    expect(((await written.json()) as { copies: number }).copies).toBe(3);
    for (const url of [n1, n2, n3]) {
      await waitFor(async () => ((await (await me(url, carol)).json()) as { usedBytes: number }).usedBytes > 0, 10_000, "the manifest on every node");
      expect(((await (await me(url, carol)).json()) as { usedBytes: number }).usedBytes).toBe(600_000);
    }
    const refused = await put(n3, "b.bin", 500_000);
    expect([refused.status, ((await refused.json()) as { code: string }).code]).toEqual([507, "quota_exceeded"]);
    expect((await put(n2, "c.bin", 400_000)).status).toBe(201);
    expect((await put(n1, "d.bin", 1)).status).toBe(507);
    for (const url of [n1, n2, n3]) expect((await fetch(`${url}/api/files/home/carol/b.bin`, { headers: { authorization: carol } })).status).toBe(404);
  });
}, 120_000);
