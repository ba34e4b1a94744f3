// Issue 10, case 5: a dead member no longer blocks garbage collection forever. After DEAD_MEMBER_TIMEOUT it is
// forgotten (left) and GC collects the deleted file; when it returns with its old data it must not bring the
// delete back: it resyncs its manifests from its peers before it serves (the tombstone horizon).
import { answer, getAnswer } from "../harness/api.ts";
import { afterAll, beforeAll, expect, test } from "bun:test";
import { put, randomBytes, TestCluster, type TestNode, waitFor } from "../harness/cluster.ts";

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await TestCluster.start(3, {
    chunkSizeMb: 0.25,
    env: { GC_INTERVAL_S: "0.5", GC_MIN_CHUNK_AGE_S: "1", GC_MIN_TOMBSTONE_AGE_S: "1", DEAD_MEMBER_TIMEOUT: "4s" },
  });
}, 90_000);
afterAll(async () => {
  await cluster?.stop();
});

const status = (url: string) => getAnswer(`${url}/status`, "status");
const stateOf = async (observer: { members(): Promise<Array<{ id: string; state: string }>> }, id: string) =>
  (await observer.members()).find((m) => m.id === id)?.state;

test("a member dead past DEAD_MEMBER_TIMEOUT is forgotten, GC proceeds, and on its return the deleted file stays deleted", async () => {
  await cluster.explain(async () => {
    const [a, b, c] = cluster.nodes as [TestNode, TestNode, TestNode];
    const body = await answer(await put(a.url, "old.bin", randomBytes(300_000)), "putFile", 201);
    await waitFor(async () => (await fetch(`${c.url}/api/files/old.bin?consistency=local`)).status === 200, 15_000, "n3 to have old.bin");
    await c.kill();
    // Dead, or already forgotten: a node that declares n3 dead on its own suspicion timeout may hear another's
    // "forgotten" (dead + DEAD_MEMBER_TIMEOUT there) a moment later (seen: dead for 19 ms, then left).
    await waitFor(async () => ["dead", "left"].includes((await stateOf(a, "n3")) ?? ""), 20_000, "n3 dead or forgotten");
    expect((await fetch(`${a.url}/api/files/old.bin`, { method: "DELETE" })).status).toBe(200);

    // Forgotten after the timeout (on every survivor), then the tombstone and the chunks are collected.
    await waitFor(async () => (await stateOf(a, "n3")) === "left" && (await stateOf(b, "n3")) === "left", 30_000, "n3 forgotten (left)");
    await waitFor(async () => {
      for (const n of [a, b]) if ((await status(n.url)).files.tombstones !== 0) return false;
      return !body.chunks.some((id: string) => a.chunkFiles().includes(id) || b.chunkFiles().includes(id));
    }, 30_000, "GC of old.bin's tombstone and chunks with n3 forgotten");
    // n3's disk still has the live row and the chunks.
    for (const id of body.chunks) expect(c.chunkFiles()).toContain(id);

    // n3 returns with its old data dir: it never serves old.bin, and nobody else does either.
    await cluster.restart(c);
    const seen = new Set<number>();
    await waitFor(async () => {
      for (const n of [c, a, b]) {
        for (const q of ["", "?consistency=local"]) {
          const s = (await fetch(`${n.url}/api/files/old.bin${q}`)).status;
          seen.add(s);
          expect(s, `${n.id} GET old.bin${q}`).not.toBe(200);
        }
      }
      const h = await getAnswer(`${c.url}/api/health`, "health");
      return h.resync.state === "ready" && h.resync.completed === 1 && (await stateOf(a, "n3")) === "alive";
    }, 40_000, "n3 resynced and alive");
    // And for a while after (several sync rounds), still gone everywhere, listings included.
    for (let i = 0; i < 5; i++) {
      for (const n of [c, a, b]) {
        expect((await fetch(`${n.url}/api/files/old.bin`)).status).toBe(404);
        expect((await fetch(`${n.url}/api/files/old.bin?consistency=local`)).status).toBe(404);
        const listing = await getAnswer(`${n.url}/api/files/`, "getFile");
        expect(listing.entries.map((e) => e.path.replace(/^\//, ""))).not.toContain("old.bin");
      }
      await Bun.sleep(1000);
    }
    expect((await status(c.url)).files.tombstones).toBe(0);
  });
}, 240_000);
