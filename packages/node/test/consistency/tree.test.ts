// The tree rule (consistency issue, case 2): a live file always has live parents, on every node, whatever
// order a folder's recursive delete and a write under it arrive in — racing on two nodes, or on both sides
// of a partition that then heals.
import { afterAll, describe, expect, test } from "bun:test";
import { put, TestCluster, waitFor } from "../harness/cluster.ts";
import { FAULT_ENV, setBlocked } from "../faults/util.ts";

const clusters: TestCluster[] = [];
afterAll(async () => {
  await Promise.all(clusters.map((c) => c.stop()));
});

const listing = async (url: string, dir: string) => {
  const res = await fetch(`${url}/api/files/${dir}`);
  return { status: res.status, names: res.status === 200 ? ((await res.json()) as { entries: Array<{ name: string }> }).entries.map((e) => e.name) : [] };
};

/** Every node: the file reads back, its folder is listed at the root and lists the file. */
async function expectReachable(cluster: TestCluster, dir: string, file: string, body: string): Promise<void> {
  for (const n of cluster.nodes) {
    await waitFor(async () => (await fetch(`${n.url}/api/files/${dir}/${file}`)).status === 200, 15_000, `${n.id} to have ${dir}/${file}`);
    expect(await (await fetch(`${n.url}/api/files/${dir}/${file}`)).text()).toBe(body);
    expect((await listing(n.url, "")).names).toContain(dir);
    expect(await listing(n.url, dir)).toEqual({ status: 200, names: expect.arrayContaining([file]) });
  }
}

describe("a live file has live parents", () => {
  test("a recursive folder delete racing a write under it: the written file stays reachable everywhere, unless the delete came after it", async () => {
    const cluster = await TestCluster.start(3);
    clusters.push(cluster);
    const [n1] = cluster.nodes;
    let raced = 0;
    for (let i = 0; i < 8; i++) {
      const dir = `dd${i}`;
      // The writer alternates: n1's quorum reads ask one steady owner first (manifest-reads.ts), and a delete whose
      // walk asks the writer itself always finds the write, so with one writer the race might never be seen.
      const writer = cluster.nodes[1 + (i % 2)]!;
      expect((await put(n1!.url, `${dir}/old.txt`, "old")).status).toBe(201);
      await waitFor(async () => (await fetch(`${writer.url}/api/files/${dir}/old.txt`)).status === 200, 10_000, `${writer.id} to have ${dir}`);
      const [del, created] = await Promise.all([
        fetch(`${n1!.url}/api/files/${dir}?recursive=true`, { method: "DELETE" }),
        put(writer.url, `${dir}/new.txt`, `new ${i}`),
      ]);
      expect(del.status).toBe(200);
      if (created.status !== 201) continue; // the delete got there first: nothing to keep
      // Both acknowledged. When the delete's walk of the folder (at read quorum) found the file committed, the
      // write came first and the delete removed it, above the write's version: legitimate, the same on every node.
      // Otherwise the tree rule keeps the file, and its folder, live everywhere.
      const written = ((await created.json()) as { version: string }).version;
      const deleted = ((await del.json()) as { version: string }).version;
      // Both were acknowledged at quorum before this looks, so the nodes can only come to agree on the winner.
      let removed: boolean | undefined;
      await waitFor(
        async () => {
          const found = await Promise.all(cluster.nodes.map(async (n) => (await fetch(`${n.url}/api/files/${dir}/new.txt?consistency=local`)).status));
          if (found.every((s) => s === found[0])) removed = found[0] === 404;
          return removed !== undefined;
        },
        15_000,
        `every node to agree on ${dir}/new.txt`,
      );
      if (removed) {
        expect({ dir, deletedAbove: deleted > written }).toEqual({ dir, deletedAbove: true });
        continue;
      }
      raced++;
      await expectReachable(cluster, dir, "new.txt", `new ${i}`);
      for (const n of cluster.nodes) expect((await listing(n.url, dir)).names).not.toContain("old.txt");
    }
    expect(raced).toBeGreaterThan(0);
  });

  test("many creates at once into a new folder, through every node: each is acknowledged, none told to try again", async () => {
    // Every gateway lacks the folder at first, so each write carries a row creating it; a replica holding
    // another gateway's newer row for the folder is no conflict for a file under it (was: 503 write_conflict
    // after three re-stamps, as each re-stamp made the other writers' rows lose in turn).
    const cluster = await TestCluster.start(3);
    clusters.push(cluster);
    for (const dir of ["burst-a", "burst-b/deeper/still"]) {
      const statuses = await Promise.all(
        Array.from({ length: 48 }, async (_, i) => {
          const res = await put(cluster.nodes[i % 3]!.url, `${dir}/f${i}.txt`, `file ${i}`);
          return res.status === 201 ? 201 : `${res.status} ${await res.text()}`;
        }),
      );
      expect(statuses.filter((s) => s !== 201)).toEqual([]);
      for (const n of cluster.nodes) {
        await waitFor(async () => (await listing(n.url, dir)).names.length === 48, 15_000, `${n.id} to list 48 files in ${dir}`);
      }
    }
  });

  test("the same across a 2|2 partition that heals", async () => {
    const cluster = await TestCluster.start(4, { env: FAULT_ENV });
    clusters.push(cluster);
    const [a, b, c, d] = cluster.nodes;
    expect((await put(a!.url, "pp/old.txt", "old")).status).toBe(201);
    for (const n of cluster.nodes) await waitFor(async () => (await fetch(`${n.url}/api/files/pp/old.txt`)).status === 200, 10_000, `${n.id} to have pp`);
    await Promise.all([setBlocked(a!, ["n3", "n4"]), setBlocked(b!, ["n3", "n4"]), setBlocked(c!, ["n1", "n2"]), setBlocked(d!, ["n1", "n2"])]);
    // A side of two holds at least one of the three owners of any path, but maybe not two: fast on both sides.
    expect((await fetch(`${a!.url}/api/files/pp?recursive=true&durability=fast`, { method: "DELETE" })).status).toBe(200);
    expect((await put(c!.url, "pp/new.txt", "from the other side", "fast")).status).toBe(201);
    await Promise.all(cluster.nodes.map((n) => setBlocked(n, [])));
    await cluster.waitForMembers(4, 30_000);
    await expectReachable(cluster, "pp", "new.txt", "from the other side");
  });
});
