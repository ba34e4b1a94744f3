// Real nodes answer as the contract says: every GET route of @orrery/api is called on a two-node cluster and
// its answer validated against the route's schema (JSON), content type (bytes, text, HTML) or event schemas
// (server-sent events); the writes' and errors' answers are checked the same way.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { apiRoutes, type ResponseSpec, type RouteId, type RouteSpec } from "@orrery/api";
import { answer, errorAnswer, firstEvent } from "../harness/api.ts";
import { put, TestCluster } from "../harness/cluster.ts";

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await TestCluster.start(2, { replicationFactor: 2, chunkSizeMb: 0.0625 });
}, 90_000);
afterAll(async () => {
  await cluster?.stop();
});

/** What a GET route's `*` or `:param` stands for in this test; a new GET route with parameters needs an entry. */
const SAMPLE_PATHS: Partial<Record<RouteId, string>> = {
  getFile: "/api/files/contract/",
  stat: "/api/stat/contract/a.txt",
  getVersioning: "/api/versioning/contract",
  listVersions: "/api/versions/contract/a.txt",
  trash: "/api/trash/contract",
  zip: "/api/zip?path=/contract",
  search: "/api/search?q=a&path=/contract",
};

/** GET routes that speak for a signed-in user: on this open (loopback, no login) node they answer this status. */
const NEEDS_A_USER: Partial<Record<RouteId, number>> = { listTokens: 401, listShares: 401, listS3Keys: 401, listLinks: 401 };

/** A share link needs a user to make it (it reads as its maker): one is added on this open node, and the link's pages become sample paths. */
async function sampleLinkPaths(url: string): Promise<void> {
  const auth = { authorization: `Basic ${Buffer.from("contract:contract password").toString("base64")}` };
  expect((await post(url, "/api/users", { name: "contract", password: "contract password" })).status).toBe(201);
  expect((await fetch(`${url}/api/files/home/contract/a.txt`, { method: "PUT", body: "linked", headers: auth })).status).toBe(201);
  const res = await fetch(`${url}/api/links`, { method: "POST", body: JSON.stringify({ path: "/home/contract" }), headers: { ...auth, "content-type": "application/json" } });
  const made = await answer(res, "createLink", 201);
  SAMPLE_PATHS.openLink = new URL(made.url).pathname;
  SAMPLE_PATHS.openLinkPath = `${SAMPLE_PATHS.openLink}/a.txt`;
}

test("the writes answer as the contract says, and so do refusals ({error, code})", async () => {
  const url = cluster.nodes[0]!.url;
  const written = await answer(await put(url, "contract/a.txt", "hello contract"), "putFile", 201);
  // Kept in its manifest (14 bytes): no chunk, and its copies are the manifest's.
  expect(written).toMatchObject({ path: "/contract/a.txt", size: 14, chunks: [], copies: written.manifestCopies });
  expect(written.manifestCopies).toBeGreaterThanOrEqual(1);
  const made = await answer(await post(url, "/api/mkdir", { path: "/contract/sub" }), "mkdir", 201);
  expect(made.created).toBe(true);
  expect((await answer(await post(url, "/api/mkdir", { path: "/contract/sub" }), "mkdir", 200)).created).toBe(false);
  await put(url, "contract/b.txt", "to be moved");
  expect(await answer(await post(url, "/api/move", { from: "/contract/b.txt", to: "/contract/sub/b.txt" }), "move")).toMatchObject({ to: "/contract/sub/b.txt" });
  expect(await answer(await fetch(`${url}/api/files/contract/sub/b.txt`, { method: "DELETE" }), "deleteFile")).toMatchObject({ deleted: true });

  expect((await errorAnswer(await post(url, "/api/mkdir", { path: 3 }), 400)).code).toBe("invalid_body");
  expect((await errorAnswer(await fetch(`${url}/api/files/contract/none.txt`), 404)).code).toBe("not_found");
  expect((await errorAnswer(await fetch(`${url}/api/events/recent?limit=0`), 400)).code).toBe("invalid_query");
});

test("every GET route of the contract answers with what its schema describes", async () => {
  const url = cluster.nodes[1]!.url;
  await put(cluster.nodes[0]!.url, "contract/a.txt", "hello contract");
  await sampleLinkPaths(cluster.nodes[0]!.url);
  const gets = (Object.entries(apiRoutes) as [RouteId, RouteSpec][]).filter(([, r]) => r.method === "get");
  expect(gets.length).toBeGreaterThan(10);
  for (const [id, route] of gets) {
    const path = SAMPLE_PATHS[id] ?? route.path;
    if (/[*:]/.test(path)) throw new Error(`${id}: add a sample path for ${route.path} to SAMPLE_PATHS`);
    const refusal = NEEDS_A_USER[id];
    if (refusal !== undefined) {
      // Answered by the route's declared error: a node without logins has no user to hold tokens or shares.
      expect((route.responses as Record<number, ResponseSpec>)[refusal], id).toBeDefined();
      expect((await errorAnswer(await fetch(`${url}${path}`), refusal)).code, id).toBe("login_required");
      continue;
    }
    const ok = (route.responses as Record<number, ResponseSpec>)[200]!;
    if (ok.events) {
      const first = await firstEvent(`${url}${path}`, id);
      expect(Object.keys(ok.events)).toContain(first.event);
    } else if (ok.json) {
      await answer(await fetch(`${url}${path}`), id);
    } else {
      const res = await fetch(`${url}${path}`);
      expect(res.status, id).toBe(200);
      expect(res.headers.get("content-type"), id).toStartWith(ok.contentType!.split(";")[0]!);
      expect((await res.text()).length, id).toBeGreaterThan(0);
    }
  }
});

test("the answers carry what the UI and the CLI read: the peer's status, the merged timeline, the file's holders", async () => {
  const [n1, n2] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
  const status = await answer(await fetch(`${n1.url}/api/cluster/status`), "clusterStatus");
  expect(status.members.map((m) => m.id).sort()).toEqual(["n1", "n2"]);
  for (const m of status.members) expect(m.status?.nodeId).toBe(m.id);
  const timeline = await answer(await fetch(`${n2.url}/api/events/recent`), "recentEvents");
  expect(timeline.nodes?.sort()).toEqual(["n1", "n2"]);
  const stat = await answer(await fetch(`${n2.url}/api/stat/contract/a.txt`), "stat");
  // A 14-byte file is kept in its manifest: its copies are the manifest owners that hold it.
  expect([stat.inline, stat.chunks, stat.minCopies, stat.underReplicated]).toEqual([true, [], 2, false]);
  // A file's bytes are not JSON: the contract names them as another content type of the same 200 (the uploaded one).
  const file = await fetch(`${n2.url}/api/files/contract/a.txt`);
  expect(file.headers.get("content-type")).toStartWith("text/plain");
  expect(await file.text()).toBe("hello contract");
});

function post(url: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${url}${path}`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
}
