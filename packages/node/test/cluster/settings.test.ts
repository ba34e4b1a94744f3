// Issue 10, case 4: the replication factor is a live cluster setting. Four real nodes started with
// REPLICATION_FACTOR=2; `orrery config set replication-factor 3` through one of them changes it on every
// node at once (a node that was down catches up when it returns), and the copies follow right away — chunk
// anti-entropy is off here (an hour), so only the placement check the change triggers can make them. Lowered
// back to 2, new files get 2 copies. Bad values are refused with a clear error and change nothing.
// The chunk size is one too: set through one node, the writes that start afterwards on any node use it,
// files written before keep their layout, and chunks above every node's CHUNK_SIZE_MB still replicate.
import { afterAll, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { orrery as runCli } from "../harness/cli.ts";
import { getBytes, put, randomBytes, sha256, TestCluster, type TestNode, waitFor } from "../harness/cluster.ts";

const MiB = 1024 * 1024;
let cluster: TestCluster | undefined;
afterAll(() => cluster?.stop());

/** The CLI, with the cluster's key (admin commands sign with it). */
const orrery = (args: string[]) => runCli(args, { CLUSTER_KEY: cluster!.clusterKey });

interface SettingsView {
  settings: { replicationFactor: number; chunkSize: number; folderReplicationFactors: Record<string, number> };
  set: { replicationFactor?: number; chunkSizeMiB?: number };
  version: string | null;
}
const viewOf = async (url: string) => (await (await fetch(`${url}/api/cluster/settings`)).json()) as SettingsView;
const settingsOf = async (url: string) => (await viewOf(url)).settings;

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
      expect(await settingsOf(n.url)).toEqual({ replicationFactor: 3, chunkSize: MiB, folderReplicationFactors: {} });
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
    expect(await settingsOf(n1!.url)).toEqual({ replicationFactor: 2, chunkSize: MiB, folderReplicationFactors: {} });

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
    expect(await settingsOf(n1!.url)).toEqual({ replicationFactor: 2, chunkSize: MiB, folderReplicationFactors: {} });
  });
}, 240_000);

/** A file's chunk size as its manifest records it, and the size of each of its chunks as stored on `holder`'s disk. */
async function layout(url: string, path: string, holder: TestNode): Promise<{ chunkSize: number; chunks: number[] }> {
  const stat = (await (await fetch(`${url}/api/stat/${path}`)).json()) as { chunkSize: number; chunks: Array<{ id: string }> };
  return { chunkSize: stat.chunkSize, chunks: stat.chunks.map((c) => statSync(holder.chunkPath(c.id)).size) };
}

/** A write through a node that has just (re)started: 503 until it has heard from its cluster. */
async function putWhenJoined(url: string, path: string, body: Uint8Array<ArrayBuffer>, durability = "quorum"): Promise<{ chunkSize: number }> {
  let res: Response | undefined;
  await waitFor(async () => {
    res = await put(url, path, body, durability);
    if (res.status === 503) return false;
    expect(res.status, await res.clone().text()).toBe(201);
    return true;
  }, 20_000, `a write of ${path} through ${url}`, 250);
  return (await res!.json()) as { chunkSize: number };
}

test("the chunk size changes at runtime: new writes on every node use it, older files keep theirs, every node takes the chunks", async () => {
  await cluster?.stop();
  // Every node's own CHUNK_SIZE_MB is 2: replication factor 3, so every chunk goes to every node.
  cluster = await TestCluster.start(3, { replicationFactor: 3, chunkSizeMb: 2 });
  const c = cluster;
  await c.explain(async () => {
    const [n1, n2, n3] = c.nodes as [TestNode, TestNode, TestNode];
    const before = randomBytes(5 * MiB);
    // Durability "all" wherever a test looks at chunk files: every copy is on disk when the write is answered.
    expect((await put(n1.url, "c/before.bin", before, "all")).status).toBe(201);
    expect(await layout(n3.url, "c/before.bin", n3)).toEqual({ chunkSize: 2 * MiB, chunks: [2 * MiB, 2 * MiB, MiB] });
    expect(await viewOf(n2.url)).toEqual({ settings: { replicationFactor: 3, chunkSize: 2 * MiB, folderReplicationFactors: {} }, set: {}, version: null });

    // 1 MiB, set through n1: in force everywhere at once, for a write through n2.
    const small = await orrery(["config", "set", "chunk-size", "1MiB", "--node", n1.url]);
    expect(small.code, small.stderr).toBe(0);
    expect(small.stdout).toContain("3 of 3 live member(s) confirmed");
    expect(small.stdout).toMatch(/chunk-size\s+1 MiB\s+cluster setting/);
    for (const n of c.nodes) {
      expect(await viewOf(n.url)).toMatchObject({ settings: { replicationFactor: 3, chunkSize: MiB }, set: { chunkSizeMiB: 1 } });
      expect((await n.status()).chunkSize).toBe(MiB);
    }
    const five = randomBytes(5 * MiB);
    const written = await putWhenJoined(n2.url, "c/five.bin", five, "all");
    expect(written.chunkSize).toBe(MiB);
    expect(await layout(n3.url, "c/five.bin", n3)).toEqual({ chunkSize: MiB, chunks: [MiB, MiB, MiB, MiB, MiB] });
    expect(sha256(await getBytes(n3.url, "c/five.bin"))).toBe(sha256(five));

    // 8 MiB, above every node's CHUNK_SIZE_MB: with durability "all" each chunk is acknowledged only once
    // every node has stored it, so every node's store and transfer frames must take 8 MiB chunks.
    expect((await orrery(["config", "set", "chunk-size", "8", "--node", n3.url])).code).toBe(0);
    await waitFor(async () => (await Promise.all(c.nodes.map((n) => settingsOf(n.url)))).every((s) => s.chunkSize === 8 * MiB), 10_000, "8 MiB on every node");
    const big = randomBytes(20 * MiB);
    expect((await putWhenJoined(n3.url, "c/big.bin", big, "all")).chunkSize).toBe(8 * MiB);
    for (const n of c.nodes) expect(await layout(n1.url, "c/big.bin", n)).toEqual({ chunkSize: 8 * MiB, chunks: [8 * MiB, 8 * MiB, 4 * MiB] });
    // Reads fetch chunks from peers too: every file reads back whole from every node, the oldest in its own layout.
    for (const n of c.nodes) {
      expect(sha256(await getBytes(n.url, "c/big.bin"))).toBe(sha256(big));
      expect(sha256(await getBytes(n.url, "c/before.bin"))).toBe(sha256(before));
    }
    expect(await layout(n2.url, "c/before.bin", n2)).toEqual({ chunkSize: 2 * MiB, chunks: [2 * MiB, 2 * MiB, MiB] });

    // A node restarted later (its environment still says 2 MiB) writes with the cluster's 8 MiB.
    await n2.kill();
    await c.restart(n2);
    expect((await settingsOf(n2.url)).chunkSize).toBe(8 * MiB);
    const nine = randomBytes(9 * MiB);
    expect((await putWhenJoined(n2.url, "c/nine.bin", nine, "all")).chunkSize).toBe(8 * MiB);
    expect(await layout(n2.url, "c/nine.bin", n2)).toEqual({ chunkSize: 8 * MiB, chunks: [8 * MiB, MiB] });
    const shown = await orrery(["config", "--node", n2.url]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/chunk-size\s+8 MiB\s+cluster setting/);
    expect(shown.stdout).toMatch(/replication-factor\s+3\s+node default/);

    // Out of range or not whole MiB: 400 naming the problem, nothing changed; the CLI refuses before asking.
    const held = await viewOf(n1.url);
    for (const chunkSizeMiB of [0, -1, 65, 1.5, "8", null]) {
      const res = await fetch(`${n1.url}/api/cluster/settings`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ chunkSizeMiB }) });
      const body = (await res.json()) as { error: string; code: string };
      expect({ chunkSizeMiB, status: res.status, code: body.code }).toEqual({ chunkSizeMiB, status: 400, code: "invalid_body" });
      expect(body.error).toStartWith("chunkSizeMiB: ");
    }
    const tooBig = await orrery(["config", "set", "chunk-size", "100", "--node", n1.url]);
    expect(tooBig.code).toBe(2);
    expect(tooBig.stderr).toContain("chunk-size must be a whole number of MiB from 1 to 64");
    for (const n of c.nodes) expect(await viewOf(n.url)).toEqual(held);
  });
}, 240_000);
