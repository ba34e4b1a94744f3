// Issue 2: with fewer live nodes than N, a write goes to all of them and is reported under-replicated;
// when a node joins, the file is brought to N copies without anyone asking.
import { answer, getAnswer } from "../harness/api.ts";
import { afterAll, beforeAll, expect, test } from "bun:test";
import { getBytes, put, randomBytes, sha256, TestCluster, waitFor } from "../harness/cluster.ts";

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await TestCluster.start(2, { chunkSizeMb: 1 });
});
afterAll(async () => {
  await cluster?.stop();
});

test("an under-replicated file reaches N copies when a third node joins", async () => {
  const [a] = cluster.nodes;
  const data = randomBytes(4 * 1024 * 1024 + 3);
  const body = await answer(await put(a!.url, "growing.bin", data), "putFile", 201);
  expect(body.replicationFactor).toBe(2); // two members known: n = min(3, 2)
  expect(body.copies).toBe(2);
  let stat = await getAnswer(`${a!.url}/api/stat/growing.bin`, "stat");
  expect(stat.minCopies).toBe(2);

  const c = await cluster.add();
  await cluster.waitForMembers(3);
  await waitFor(() => body.chunks.every((id) => cluster.copies().get(id) === 3), 30_000, "3 copies after the join");
  expect(c.chunkFiles().sort()).toEqual([...body.chunks].sort());
  stat = await getAnswer(`${c.url}/api/stat/growing.bin`, "stat");
  expect(stat.replicationFactor).toBe(3);
  expect(stat.minCopies).toBe(3);
  expect(stat.underReplicated).toBe(false);
  expect(sha256(await getBytes(c.url, "growing.bin"))).toBe(sha256(data));
});

test("with a member dead, a new write is reported under-replicated", async () => {
  const [a, , c] = cluster.nodes;
  await c!.kill();
  await waitFor(async () => (await a!.members()).find((m) => m.id === "n3")?.state === "dead", 20_000, "n3 dead");
  const body = await answer(await put(a!.url, "degraded.bin", randomBytes(100_000)), "putFile", 201);
  expect(body.underReplicated).toBe(true);
  expect(body.copies).toBe(2);
  const stat = await getAnswer(`${a!.url}/api/stat/degraded.bin`, "stat");
  expect(stat.underReplicated).toBe(true);
  await cluster.restart(c!);
  await waitFor(() => body.chunks.every((id) => cluster.copies().get(id) === 3), 30_000, "3 copies after n3 returns");
});
