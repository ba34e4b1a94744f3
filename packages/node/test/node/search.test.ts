// Finding files by name below a folder (issue 15: search), on real nodes: written through one node, found
// through the other at any depth, a page at a time; bad queries refused; with logins, only what the caller may read.
import { afterAll, describe, expect, test } from "bun:test";
import { errorAnswer, getAnswer } from "../harness/api.ts";
import { put, TestCluster } from "../harness/cluster.ts";
import { adminAuth, basic, clusterWithUsers } from "../harness/users.ts";

const clusters: TestCluster[] = [];
afterAll(async () => {
  for (const c of clusters) await c.stop();
});

const paths = (r: { entries: Array<{ path: string; kind: string }> }) => r.entries.map((e) => `${e.path}${e.kind === "dir" ? "/" : ""}`);

describe("search by name", () => {
  test("written through one node, found through the other at any depth, in pages; bad queries are 400, a missing folder 404", async () => {
    const cluster = await TestCluster.start(2, { replicationFactor: 2 });
    clusters.push(cluster);
    const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    for (const path of ["s/Report-2024.pdf", "s/old/report.txt", "s/old/deeper/reports/x.bin", "s/notes.txt", "elsewhere/report.md"]) {
      expect((await put(a.url, path, "x")).status).toBe(201);
    }
    const mkdir = await fetch(`${a.url}/api/mkdir`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ path: "/s/old/deeper/reports" }) });
    expect([200, 201]).toContain(mkdir.status);

    const found = await getAnswer(`${b.url}/api/search?path=/s&q=REPORT`, "search");
    expect([paths(found), found.more, found.next]).toEqual([["/s/Report-2024.pdf", "/s/old/deeper/reports/", "/s/old/report.txt"], false, undefined]);
    expect(found.entries[0]).toMatchObject({ name: "Report-2024.pdf", kind: "file", size: 1 });

    // Two at a time: the next page follows on from `next`.
    const first = await getAnswer(`${b.url}/api/search?path=/s&q=report&limit=2`, "search");
    expect([paths(first), first.more, first.next]).toEqual([["/s/Report-2024.pdf", "/s/old/deeper/reports/"], true, "/s/old/deeper/reports"]);
    const second = await getAnswer(`${b.url}/api/search?path=/s&q=report&limit=2&after=${encodeURIComponent(first.next!)}`, "search");
    expect([paths(second), second.more]).toEqual([["/s/old/report.txt"], false]);

    // The root by default; a deleted file is found no more.
    expect(paths(await getAnswer(`${b.url}/api/search?q=report.`, "search"))).toEqual(["/elsewhere/report.md", "/s/old/report.txt"]);
    expect((await fetch(`${a.url}/api/files/s/old/report.txt`, { method: "DELETE" })).status).toBe(200);
    expect(paths(await getAnswer(`${b.url}/api/search?q=report.`, "search"))).toEqual(["/elsewhere/report.md"]);

    expect((await errorAnswer(await fetch(`${b.url}/api/search?path=/s`), 400)).code).toBe("invalid_query");
    expect((await errorAnswer(await fetch(`${b.url}/api/search?q=${"x".repeat(201)}`), 400)).code).toBe("invalid_query");
    expect((await errorAnswer(await fetch(`${b.url}/api/search?q=a&limit=501`), 400)).code).toBe("invalid_limit");
    expect((await errorAnswer(await fetch(`${b.url}/api/search?q=a&path=/s/../etc`), 400)).code).toBe("invalid_path");
    expect((await errorAnswer(await fetch(`${b.url}/api/search?q=a&path=/nowhere`), 404)).code).toBe("not_found");
  });

  test("with logins: a user finds what they may read, never another's files; another's home is refused", async () => {
    const { cluster, url } = await clusterWithUsers(["alice", "bob"]);
    clusters.push(cluster);
    const admin = adminAuth;
    for (const name of ["alice", "bob"]) {
      const file = await fetch(`${url}/api/files/home/${name}/plans/${name}-plan.txt`, { method: "PUT", headers: { authorization: admin }, body: "p" });
      expect(file.status).toBe(201);
    }
    const alice = { headers: { authorization: basic("alice", "alice password") } };
    // /home and / are on her way to her home: she finds her own files there, not bob's.
    expect(paths(await getAnswer(`${url}/api/search?path=/home&q=plan`, "search", alice))).toEqual(["/home/alice/plans/", "/home/alice/plans/alice-plan.txt"]);
    expect(paths(await getAnswer(`${url}/api/search?q=plan`, "search", alice))).toEqual(["/home/alice/plans/", "/home/alice/plans/alice-plan.txt"]);
    expect(paths(await getAnswer(`${url}/api/search?path=/home&q=plan`, "search", { headers: { authorization: admin } }))).toHaveLength(4);
    expect((await errorAnswer(await fetch(`${url}/api/search?path=/home/bob&q=plan`, alice), 403)).code).toBe("forbidden");
    expect((await errorAnswer(await fetch(`${url}/api/search?q=plan`), 401)).code).toBe("login_required");
  });
});
