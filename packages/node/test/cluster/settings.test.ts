// Issue 10, case 4: the replication factor is a live cluster setting. Four real nodes started with
// REPLICATION_FACTOR=2; `orrery config set replication-factor 3` through one of them changes it on every
// node at once (a node that was down catches up when it returns), and the copies follow right away — chunk
// anti-entropy is off here (an hour), so only the placement check the change triggers can make them. Lowered
// back to 2, new files get 2 copies. Bad values are refused with a clear error and change nothing.
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { put, randomBytes, TestCluster, waitFor } from "../harness/cluster.ts";

const PKG = join(import.meta.dir, "..", "..");
let cluster: TestCluster | undefined;
afterAll(() => cluster?.stop());

async function orrery(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn([process.execPath, "src/main.ts", ...args], { cwd: PKG, env: { ...process.env, CLUSTER_KEY: cluster!.clusterKey }, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

const settingsOf = async (url: string) => ((await (await fetch(`${url}/api/cluster/settings`)).json()) as { settings: { replicationFactor: number } }).settings;

test("the replication factor changes at runtime on every node, and existing files reach it at once", async () => {
  cluster = await TestCluster.start(4, { replicationFactor: 2, env: { CHUNK_SYNC_INTERVAL_S: "3600" } });
  const c = cluster;
  await c.explain(async () => {
    const [n1, , , n4] = c.nodes;
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await put(n1!.url, `s/f${i}`, randomBytes(50_000));
      expect(res.status).toBe(201);
      ids.push(...((await res.json()) as { chunks: string[] }).chunks);
    }
    await waitFor(() => ids.every((id) => c.copies().get(id) === 2), 30_000, "every chunk at 2 copies");

    // n4 is down while the setting changes; it learns it when it returns.
    await n4!.kill();
    const live = c.nodes.slice(0, 3);
    await waitFor(async () => (await Promise.all(live.map((n) => n.members()))).every((ms) => ms.find((m) => m.id === "n4")?.state === "dead"), 30_000, "n4 dead in every view");
    // The placement checks of that ring change are done: n4's copies were remade on the live nodes (at 2).
    const liveCopies = (id: string) => live.filter((n) => n.chunkFiles().includes(id)).length;
    await waitFor(() => ids.every((id) => liveCopies(id) >= 2), 30_000, "n4's copies remade on the live nodes");
    await Bun.sleep(1500); // past the placement check's debounce: nothing else is due to move copies
    expect(ids.filter((id) => liveCopies(id) === 2).length).toBeGreaterThan(0);

    const set = await orrery(["config", "set", "replication-factor", "3", "--node", n1!.url]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain("3 of 3 live member(s) confirmed");
    for (const n of c.nodes.slice(0, 3)) {
      expect(await settingsOf(n.url)).toEqual({ replicationFactor: 3 });
      expect((await n.status()).replicationFactor).toBe(3);
    }
    // Three live nodes, factor 3: every chunk on each of them, made by the placement check (anti-entropy is off).
    await waitFor(() => ids.every((id) => liveCopies(id) === 3), 30_000, "every chunk at 3 copies on the 3 live nodes");

    await c.restart(n4!);
    await waitFor(async () => (await settingsOf(n4!.url)).replicationFactor === 3, 20_000, "n4 to take the cluster's setting");
    const shown = await orrery(["config", "--node", n4!.url]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/replication-factor\s+3\s+cluster setting/);

    // Back to 2: new writes place 2 copies.
    expect((await orrery(["config", "set", "replication-factor", "2", "--node", n4!.url])).code).toBe(0);
    await waitFor(async () => (await Promise.all(c.nodes.map((n) => settingsOf(n.url)))).every((s) => s.replicationFactor === 2), 20_000, "every node at factor 2");
    const res = await put(n1!.url, "s/after", randomBytes(50_000));
    expect(res.status).toBe(201);
    expect(((await res.json()) as { copies: number }).copies).toBe(2);

    // Bad input: a clear error, nothing changed.
    const zero = await orrery(["config", "set", "replication-factor", "0", "--node", n1!.url]);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain("replication-factor must be a positive whole number");
    const tooMany = await fetch(`${n1!.url}/api/cluster/settings`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ replicationFactor: 99 }) });
    expect(tooMany.status).toBe(400);
    expect(((await tooMany.json()) as { code: string }).code).toBeString();
    const unknown = await fetch(`${n1!.url}/api/cluster/settings`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ chunkSize: 1 }) });
    expect(unknown.status).toBe(400);
    expect(await settingsOf(n1!.url)).toEqual({ replicationFactor: 2 });

    // A page on another site: a "simple" cross-site request (text/plain, its Origin) changes nothing.
    const crossSite = await fetch(`${n1!.url}/api/cluster/settings`, {
      method: "PUT",
      headers: { "content-type": "text/plain", origin: "https://attacker.example" },
      body: JSON.stringify({ replicationFactor: 1 }),
    });
    expect(crossSite.status).toBe(403);
    // An oversized body is refused before it is read; one without a Content-Length is refused outright.
    const huge = JSON.stringify({ replicationFactor: 1, pad: "x".repeat(200_000) });
    const big = await fetch(`${n1!.url}/api/cluster/settings`, { method: "PUT", headers: { "content-type": "application/json" }, body: huge });
    expect([big.status, ((await big.json()) as { code: string }).code]).toEqual([413, "body_too_large"]);
    const streamed = await fetch(`${n1!.url}/api/cluster/settings`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: new ReadableStream<Uint8Array>({
        start(ctl) {
          ctl.enqueue(new TextEncoder().encode(huge));
          ctl.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect([streamed.status, ((await streamed.json()) as { code: string }).code]).toEqual([411, "length_required"]);
    expect(await settingsOf(n1!.url)).toEqual({ replicationFactor: 2 });
  });
}, 240_000);
