// Folder sizes and item counts (issue 15): a listing asked with totals=1 gives each folder entry what is live
// below it, from the node's manifest rows, on real nodes; and only where the caller may read all of it.
import { afterAll, describe, expect, test } from "bun:test";
import { getAnswer } from "../harness/api.ts";
import { put, TestCluster } from "../harness/cluster.ts";
import { adminAuth, basic, clusterWithUsers } from "../harness/users.ts";

const clusters: TestCluster[] = [];
afterAll(async () => {
  for (const c of clusters) await c.stop();
});

const byName = (entries: Array<{ name: string; kind: string; folder?: unknown }>) => Object.fromEntries(entries.map((e) => [`${e.name}${e.kind === "dir" ? "/" : ""}`, e.folder]));

describe("folder totals in listings", () => {
  test("written through one node, listed through the other: each folder's items, files at any depth and bytes; none unless asked", async () => {
    const cluster = await TestCluster.start(2, { replicationFactor: 2 });
    clusters.push(cluster);
    const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    for (const [path, size] of [["t/photos/a.jpg", 1000], ["t/photos/2024/b.jpg", 2000], ["t/photos/2024/deep/c.jpg", 3000], ["t/docs/x.txt", 10], ["t/top.txt", 5]] as const) {
      expect((await put(a.url, path, "x".repeat(size))).status).toBe(201);
    }
    const made = await fetch(`${a.url}/api/mkdir`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ path: "/t/empty" }) });
    expect(made.status).toBe(201);

    const listed = await getAnswer(`${b.url}/api/files/t/?totals=1`, "getFile");
    expect(byName(listed.entries)).toEqual({
      "docs/": { items: 1, files: 1, bytes: 10 },
      "empty/": { items: 0, files: 0, bytes: 0 },
      "photos/": { items: 2, files: 3, bytes: 6000 },
      "top.txt": undefined,
    });
    // Not asked: no totals (the CLI and sync list folders without paying for them).
    const plain = await getAnswer(`${b.url}/api/files/t/`, "getFile");
    expect(plain.entries.every((e) => e.folder === undefined)).toBe(true);

    // A delete below lowers the totals at once, through the other node.
    expect((await fetch(`${b.url}/api/files/t/photos/2024/deep/c.jpg`, { method: "DELETE" })).status).toBe(200);
    const after = await getAnswer(`${a.url}/api/files/t/?totals=true`, "getFile");
    expect(byName(after.entries)["photos/"]).toEqual({ items: 2, files: 2, bytes: 3000 });
  });

  test("with logins: a folder the caller may read counts all below it; one only on the way to theirs gets no totals", async () => {
    const { cluster, url } = await clusterWithUsers(["alice", "bob"]);
    clusters.push(cluster);
    const admin = adminAuth;
    const putAs = (path: string, body: string) => fetch(`${url}/api/files/${path}`, { method: "PUT", headers: { authorization: admin }, body });
    expect((await putAs("home/alice/photos/a.jpg", "a".repeat(10))).status).toBe(201);
    expect((await putAs("home/bob/secret.bin", "b".repeat(20))).status).toBe(201);
    const alice = { headers: { authorization: basic("alice", "alice password") } };

    // /home is on alice's way to her home: listed with her folder only, which carries its totals.
    const home = await getAnswer(`${url}/api/files/home/?totals=1`, "getFile", alice);
    expect(byName(home.entries)).toEqual({ "alice/": { items: 1, files: 1, bytes: 10 } });
    // The root's `home` holds bob's files too: alice is told no totals for it.
    const root = await getAnswer(`${url}/api/files/?totals=1`, "getFile", alice);
    expect(byName(root.entries)).toEqual({ "home/": undefined });
    // An admin may read everything: the same folder with every file below it.
    const adminRoot = await getAnswer(`${url}/api/files/?totals=1`, "getFile", { headers: { authorization: admin } });
    expect(byName(adminRoot.entries)["home/"]).toEqual({ items: 2, files: 2, bytes: 30 });
  });
});
