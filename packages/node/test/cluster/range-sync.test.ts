// Issue 14, step 2: range anti-entropy alone brings a returning co-owner up to date. Delta sync is off on every
// node (MANIFEST_DELTA_SYNC=off), so nothing but range sync can: a node misses writes while stopped (new files, a
// rewrite, a delete, a folder), comes back, and catches up the arc it owns (three nodes at factor 3 own the whole
// ring together) without any read through it that could repair it. Small files are kept in their rows, so the
// rows alone answer the reads that check it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { getAnswer } from "../harness/api.ts";
import { put, TestCluster, waitFor } from "../harness/cluster.ts";

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await TestCluster.start(3, { env: { MANIFEST_DELTA_SYNC: "off", RANGE_SYNC_INTERVAL_MS: "300", RING_SETTLE_S: "1", SYNC_INTERVAL_MS: "100" } });
});

afterAll(async () => {
  await cluster?.stop();
});

/** This node's own rows, as its /metrics counts them (no read of anyone's rows). */
async function ownRows(url: string): Promise<{ files: number; tombstones: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const gauge = (name: string) => Number(text.split("\n").find((l) => l.startsWith(`${name} `))?.split(" ")[1] ?? Number.NaN);
  return { files: gauge("orrery_files"), tombstones: gauge("orrery_tombstones") };
}

describe("range anti-entropy between co-owners", () => {
  test("a node that missed writes while stopped catches up through range sync, with delta sync off", async () => {
    await cluster.explain(async () => {
      const [n1, n2, n3] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
      expect((await put(n1.url, "keep/rewritten.txt", "old content")).status).toBe(201);
      expect((await put(n1.url, "keep/deleted.txt", "soon gone")).status).toBe(201);
      // Pushed to every owner (all three): n3 holds both before it stops.
      await waitFor(async () => (await ownRows(n3.url)).files === 2, 10_000, "n3 to hold the first files");
      await n3.stop();

      // Quorum writes through n1 while n3 is away: n1 and n2 hold them, n3's pushes fail.
      const written = Array.from({ length: 40 }, (_, i) => ({ path: `away/f${String(i).padStart(2, "0")}.txt`, body: `written while n3 was away ${i}` }));
      for (const w of written) expect((await put(n1.url, w.path, w.body)).status).toBe(201);
      expect((await put(n1.url, "keep/rewritten.txt", "new content")).status).toBe(201);
      expect((await fetch(`${n1.url}/api/files/keep/deleted.txt`, { method: "DELETE" })).status).toBe(200);
      const expected = await ownRows(n1.url);
      expect(expected.files).toBe(41);
      expect(await ownRows(n2.url)).toEqual(expected);

      await cluster.restart(n3);
      await waitFor(async () => JSON.stringify(await ownRows(n3.url)) === JSON.stringify(expected), 60_000, "n3 to hold every row n1 holds");
      const health = await getAnswer(`${n3.url}/api/health`, "health");
      expect(health.rangeSync.rowsApplied).toBeGreaterThanOrEqual(43); // 40 new files, their folder, the rewrite, the delete
      expect(health.workers.find((w) => w.name === "manifest-sync")).toMatchObject({ state: "stopped", passes: 0 });

      // Its own rows alone answer: with n1 and n2 gone, a local read is n3's copy.
      await n1.kill();
      await n2.kill();
      await waitFor(async () => (await n3.members()).filter((m) => m.state === "alive").length === 1, 30_000, "n3 to see n1 and n2 down");
      for (const w of written) {
        const res = await fetch(`${n3.url}/api/files/${w.path}?consistency=local`);
        expect({ path: w.path, status: res.status, body: await res.text() }).toEqual({ path: w.path, status: 200, body: w.body });
      }
      expect(await (await fetch(`${n3.url}/api/files/keep/rewritten.txt?consistency=local`)).text()).toBe("new content");
      expect((await fetch(`${n3.url}/api/files/keep/deleted.txt?consistency=local`)).status).toBe(404);
    });
  }, 180_000);
});
