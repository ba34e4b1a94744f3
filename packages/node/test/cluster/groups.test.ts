// Groups across real node processes (AUTH=required), driven by the CLI: a group made and given a member on
// one node lets that member read a folder shared with the group through another node; a member taken out on
// a third node loses it everywhere; a node that was down while a member was added catches up. And the share
// and group routes' refusals (which body, who may end a group's share, who may change a group).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { TestCluster, waitFor } from "../harness/cluster.ts";
import { orrery } from "../harness/cli.ts";

const ADMIN = "admin admin admin";
const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString("base64")}`;
const adminAuth = basic("admin", ADMIN);
let cluster: TestCluster;

const json = (auth: string, body: unknown) => ({ headers: { authorization: auth, "content-type": "application/json" }, body: JSON.stringify(body) });
/** The CLI against one node, with a user's credentials and no cluster key to fall back on. */
const cliEnv = (url: string, user: string, password: string) => ({
  CLUSTER_KEY: "", DATA_DIR: join(cluster.root, "none"), XDG_CONFIG_HOME: join(cluster.root, "cli-config"), ORRERY_NODE: url, ORRERY_USER: user, ORRERY_PASSWORD: password,
});
const read = (url: string, auth: string) => fetch(`${url}/api/files/home/alice/lab/notes.txt`, { headers: { authorization: auth } });

beforeAll(async () => {
  cluster = await TestCluster.start(3, { env: { AUTH: "required", ADMIN_PASSWORD: ADMIN }, headers: { authorization: adminAuth } });
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
});

test("a group made on one node grants its member through another; a member taken out loses it; a node that was away catches up", async () => {
  await cluster.explain(async () => {
    const [n1, n2, n3] = cluster.nodes.map((n) => n!) as [NonNullable<(typeof cluster.nodes)[0]>, NonNullable<(typeof cluster.nodes)[0]>, NonNullable<(typeof cluster.nodes)[0]>];
    for (const name of ["alice", "bob", "carol"]) {
      expect((await fetch(`${n1.url}/api/users`, { method: "POST", ...json(adminAuth, { name, password: `${name} password` }) })).status).toBe(201);
    }
    const put = await fetch(`${n1.url}/api/files/home/alice/lab/notes.txt`, { method: "PUT", headers: { authorization: basic("alice", "alice password") }, body: "results" });
    expect(put.status).toBe(201);
    const admin1 = cliEnv(n1.url, "admin", ADMIN);
    for (const args of [["group", "add", "lab"], ["group", "member", "add", "lab", "bob"]]) {
      const r = await orrery(args, admin1);
      expect(r.code, r.stderr).toBe(0);
    }
    const shared = await orrery(["share", "add", "/home/alice/lab", "--group", "lab"], cliEnv(n1.url, "alice", "alice password"));
    expect(shared.code, shared.stderr).toBe(0);
    expect(shared.stdout).toContain("shared with group lab (read-only");

    const bob = basic("bob", "bob password");
    const carol = basic("carol", "carol password");
    const viaN2 = await read(n2.url, bob);
    expect([viaN2.status, await viaN2.text()]).toEqual([200, "results"]);
    expect((await read(n2.url, carol)).status).toBe(403); // not a member
    const write = await fetch(`${n2.url}/api/files/home/alice/lab/bob.txt`, { method: "PUT", headers: { authorization: bob }, body: "x" });
    expect(write.status).toBe(403); // a read-only share
    const ls = await orrery(["group", "ls", "--json"], cliEnv(n3.url, "bob", "bob password"));
    expect(JSON.parse(ls.stdout)).toEqual([{ name: "lab", users: ["bob"], createdAt: expect.any(Number) }]);

    // Bob taken out on the third node: refused on every node at once (the change was pushed to every live member).
    const out = await orrery(["group", "member", "rm", "lab", "bob"], cliEnv(n3.url, "admin", ADMIN));
    expect(out.code, out.stderr).toBe(0);
    for (const n of [n1, n2, n3]) expect((await read(n.url, bob)).status).toBe(403);

    // n3 is down while carol joins the group: it learns of her membership when it is back.
    await n3.stop();
    expect((await orrery(["group", "member", "add", "lab", "carol"], cliEnv(n2.url, "admin", ADMIN))).code).toBe(0);
    expect((await read(n1.url, carol)).status).toBe(200);
    await cluster.restart(n3);
    await waitFor(async () => (await read(n3.url, carol)).status === 200, 20_000, "n3 to take carol's membership");
    expect((await read(n3.url, bob)).status).toBe(403);

    // Removing the group ends what it granted.
    expect((await orrery(["group", "rm", "lab"], admin1)).code).toBe(0);
    for (const n of [n1, n2, n3]) expect((await read(n.url, carol)).status).toBe(403);
  });
}, 180_000);

test("shares with groups: a body naming neither a user nor a group, or both, is refused; a member cannot end one; group changes are an admin's", async () => {
  await cluster.explain(async () => {
    const url = cluster.nodes[0]!.url;
    const dave = basic("dave", "dave password");
    const erin = basic("erin", "erin password");
    for (const name of ["dave", "erin"]) {
      expect((await fetch(`${url}/api/users`, { method: "POST", ...json(adminAuth, { name, password: `${name} password` }) })).status).toBe(201);
    }
    expect((await fetch(`${url}/api/groups`, { method: "POST", ...json(adminAuth, { name: "crew" }) })).status).toBe(201);
    expect((await fetch(`${url}/api/groups/crew/members/erin`, { method: "PUT", headers: { authorization: adminAuth } })).status).toBe(200);
    const share = (body: unknown) => fetch(`${url}/api/shares`, { method: "POST", ...json(dave, body) });
    expect((await share({ path: "/home/dave", user: "erin", group: "crew" })).status).toBe(400);
    expect((await share({ path: "/home/dave" })).status).toBe(400);
    expect((await share({ path: "/home/dave", group: "nobody" })).status).toBe(404);
    const made = await share({ path: "/home/dave", group: "crew", access: "write" });
    expect(made.status).toBe(201);
    const listed = (await (await fetch(`${url}/api/shares`, { headers: { authorization: erin } })).json()) as { shares: Array<{ id: string; group?: string }> };
    const theirs = listed.shares.find((sh) => sh.group === "crew")!;
    expect(theirs.id).toBe(((await made.json()) as { id: string }).id);
    expect((await fetch(`${url}/api/shares/${theirs.id}`, { method: "DELETE", headers: { authorization: erin } })).status).toBe(404); // the group's, not hers to end
    expect((await fetch(`${url}/api/files/home/dave/by-erin.txt`, { method: "PUT", headers: { authorization: erin }, body: "x" })).status).toBe(201);
    expect((await fetch(`${url}/api/groups`, { method: "POST", ...json(dave, { name: "mine" }) })).status).toBe(403);
    expect((await fetch(`${url}/api/groups/crew/members/dave`, { method: "PUT", headers: { authorization: dave } })).status).toBe(403);
    expect((await fetch(`${url}/api/groups/crew/members/Bad!`, { method: "PUT", headers: { authorization: adminAuth } })).status).toBe(400);
    expect((await fetch(`${url}/api/groups`, { headers: { authorization: dave } })).status).toBe(200);
    expect((await fetch(`${url}/api/groups`)).status).toBe(401);
  });
}, 60_000);
