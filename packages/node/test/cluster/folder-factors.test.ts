// Issue 10: the replication factor per top-level folder. Four real nodes at the cluster's factor 3; files in
// /a and /b, one chunk shared by a file of each. `orrery config set replication-factor 4 --folder b`, then
// `2 --folder a`, through one node: every node takes the folder factors, /b's chunks and the shared one reach
// four copies (chunk anti-entropy is off, an hour: only the placement check and census the change sets off can
// make them), then /a's own chunks end at exactly two while the shared one keeps four (a chunk keeps the largest
// factor of the folders that reference it). New writes place at their folder's factor; unset, both folders go
// back to 3.
import { afterAll, expect, test } from "bun:test";
import { orrery as runCli } from "../harness/cli.ts";
import { put, randomBytes, TestCluster, type TestNode, waitFor } from "../harness/cluster.ts";

let cluster: TestCluster | undefined;
afterAll(() => cluster?.stop());

/** The CLI, with the cluster's key (admin commands sign with it). */
const orrery = (args: string[]) => runCli(args, { CLUSTER_KEY: cluster!.clusterKey });

interface SettingsView {
  settings: { replicationFactor: number; folderReplicationFactors: Record<string, number> };
  set: { folderReplicationFactors?: Record<string, number> };
}
const viewOf = async (url: string) => (await (await fetch(`${url}/api/cluster/settings`)).json()) as SettingsView;

/** Writes a file with every copy on disk when answered; returns its chunk ids. */
async function write(url: string, path: string, body: Uint8Array<ArrayBuffer>): Promise<{ chunks: string[]; replicationFactor: number; copies: number }> {
  const res = await put(url, path, body, "all");
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { chunks: string[]; replicationFactor: number; copies: number };
}

const putSettings = (url: string, body: unknown) =>
  fetch(`${url}/api/cluster/settings`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

test("a folder's replication factor: its chunks reach it, a shared chunk keeps the largest, unset goes back to the cluster's", async () => {
  cluster = await TestCluster.start(4, { replicationFactor: 3, env: { CHUNK_SYNC_INTERVAL_S: "3600" } });
  const c = cluster;
  await c.explain(async () => {
    const [n1, n2, , n4] = c.nodes as [TestNode, TestNode, TestNode, TestNode];
    const aOwn: string[] = [];
    const bOwn: string[] = [];
    for (let i = 0; i < 6; i++) {
      aOwn.push(...(await write(n1.url, `a/f${i}`, randomBytes(40_000))).chunks);
      bOwn.push(...(await write(n2.url, `b/g${i}`, randomBytes(40_000))).chunks);
    }
    // The same bytes in both folders: one content-addressed chunk referenced from /a and from /b.
    const same = randomBytes(40_000);
    const [shared] = (await write(n1.url, "a/shared", same)).chunks;
    expect((await write(n4.url, "b/deep/shared", same)).chunks).toEqual([shared!]);
    const copies = (ids: string[]) => ids.map((id) => c.copies().get(id) ?? 0);
    await waitFor(() => copies([...aOwn, ...bOwn, shared!]).every((n) => n === 3), 30_000, "every chunk at 3 copies");

    // Set through the CLI on n1. First /b raised alone: nothing but the change itself (its placement check and
    // census) can make the fourth copies now: no store changes, and the census's own interval is a minute.
    const b4 = await orrery(["config", "set", "replication-factor", "4", "--folder", "/b/", "--node", n1.url]);
    expect(b4.code, b4.stderr).toBe(0);
    expect(b4.stdout).toContain("4 of 4 live member(s) confirmed");
    await waitFor(() => copies(bOwn).every((n) => n === 4) && c.copies().get(shared!) === 4, 20_000, "/b's chunks and the shared one at 4 copies");
    expect(copies(aOwn)).toEqual(aOwn.map(() => 3));
    const a2 = await orrery(["config", "set", "replication-factor", "2", "--folder", "a", "--node", n1.url]);
    expect(a2.code, a2.stderr).toBe(0);
    // Every node holds the folder factors at once.
    for (const n of c.nodes) {
      expect(await viewOf(n.url)).toMatchObject({ settings: { replicationFactor: 3, folderReplicationFactors: { a: 2, b: 4 } }, set: { folderReplicationFactors: { a: 2, b: 4 } } });
    }
    const shown = await orrery(["config", "get", "--node", n4.url]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/replication-factor \/a\s+2\s+folder setting/);
    expect(shown.stdout).toMatch(/replication-factor \/b\s+4\s+folder setting/);

    const settled = () => copies(aOwn).every((n) => n === 2) && copies(bOwn).every((n) => n === 4) && c.copies().get(shared!) === 4;
    await waitFor(settled, 30_000, "/a's chunks at 2 copies, /b's and the shared one still at 4");
    // And they stay there: no worker undoes another's work (a census at the cluster's factor would re-add /a's third copies).
    await Bun.sleep(4000);
    expect({ a: copies(aOwn), b: copies(bOwn), shared: c.copies().get(shared!) }).toEqual({ a: aOwn.map(() => 2), b: bOwn.map(() => 4), shared: 4 });
    // The census counts every chunk against its own factor: nothing under-replicated, nothing counted twice.
    await waitFor(async () => {
      const hs = (await Promise.all(c.nodes.map(async (n) => (await fetch(`${n.url}/api/health`)).json()))) as Array<{ underReplicatedChunks: number | null; replication: { chunks: number; stale: boolean } | null }>;
      return hs.every((h) => h.underReplicatedChunks === 0 && h.replication && !h.replication.stale) && hs.reduce((s, h) => s + h.replication!.chunks, 0) === aOwn.length + bOwn.length + 1;
    }, 30_000, "the census: every chunk counted once, none under-replicated");

    // New writes place and acknowledge at their folder's factor.
    const intoA = await write(n2.url, "a/new", randomBytes(40_000));
    expect([intoA.replicationFactor, intoA.copies]).toEqual([2, 2]);
    expect(copies(intoA.chunks)).toEqual([2]);
    const intoB = await write(n1.url, "b/new", randomBytes(40_000));
    expect([intoB.replicationFactor, intoB.copies]).toEqual([4, 4]);
    const stat = (await (await fetch(`${n1.url}/api/stat/b/new`)).json()) as { replicationFactor: number; underReplicated: boolean };
    expect([stat.replicationFactor, stat.underReplicated]).toEqual([4, false]);

    // Bad input: 400 naming the problem, nothing changed.
    for (const [body, code] of [
      [{ folderReplicationFactors: { "a/b": 2 } }, "invalid_body"],
      [{ folderReplicationFactors: { "..": 2 } }, "invalid_body"],
      [{ folderReplicationFactors: { a: 8 } }, "invalid_body"],
      [{ folderReplicationFactors: { a: 0 } }, "invalid_body"],
      [{ folderReplicationFactors: {} }, "no_settings"],
      [{ folderReplicationFactors: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`f${i}`, 2])) }, "invalid_body"],
    ] as const) {
      const res = await putSettings(n1.url, body);
      expect({ body, status: res.status, code: ((await res.json()) as { code: string }).code }).toEqual({ body, status: 400, code });
    }
    expect((await viewOf(n1.url)).settings.folderReplicationFactors).toEqual({ a: 2, b: 4 });

    // Unset: both folders back on the cluster's factor, /a's chunks gain a copy, /b's lose one.
    for (const folder of ["a", "b"]) {
      const unset = await orrery(["config", "unset", "replication-factor", "--folder", folder, "--node", n4.url]);
      expect(unset.code, unset.stderr).toBe(0);
    }
    for (const n of c.nodes) expect((await viewOf(n.url)).settings.folderReplicationFactors).toEqual({});
    const all = [...aOwn, ...bOwn, shared!, ...intoA.chunks, ...intoB.chunks];
    await waitFor(() => copies(all).every((n) => n === 3), 60_000, "every chunk back at 3 copies");
  });
}, 240_000);
