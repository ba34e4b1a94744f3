// A 201 is never lost to a skewed clock (consistency issue, case 1), with real nodes whose clocks are
// moved by libfaketime: a node 30 s behind its peers refuses writes instead of stamping versions that
// older tombstones beat, even with the node that made the tombstone cut off; a node 30 s ahead refuses them
// too; a node 5 minutes ahead cannot even join. A node whose gossip is read late (an overloaded host) is
// not taken for skewed. What a node was told 201 for reads back everywhere.
import { afterAll, describe, expect, test } from "bun:test";
import { put, TestCluster, waitFor } from "../harness/cluster.ts";
import { FAULT_ENV, setBlocked, setGossipDelay } from "../faults/util.ts";

const clusters: TestCluster[] = [];
afterAll(async () => {
  await Promise.all(clusters.map((c) => c.stop()));
});

const metric = async (url: string, name: string) => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(" ")[1]) : undefined;
};
const offset = (url: string) => metric(url, "orrery_clock_offset_seconds");

describe("skewed clocks", () => {
  test("a node 30 s behind refuses writes (503 clock_skew); a delete made meanwhile stays, and every 201 reads back", async () => {
    const cluster = await TestCluster.start(3, { env: FAULT_ENV });
    clusters.push(cluster);
    const [n1, n2, n3] = cluster.nodes;
    await n3!.stop();
    n3!.wrapper = ["faketime", "-f", "-30s"];
    await cluster.restart(n3!);
    await cluster.waitForMembers(3, 30_000);
    await waitFor(async () => ((await offset(n3!.url)) ?? 0) > 25, 20_000, "n3 to see that its peers' clocks are ~30 s ahead");
    for (let round = 0; round < 5; round++) {
      const path = `q/p${round}`;
      expect((await put(n1!.url, path, "first")).status).toBe(201);
      await Promise.all([setBlocked(n1!, ["n3"]), setBlocked(n3!, ["n1"])]);
      expect((await fetch(`${n1!.url}/api/files/${path}`, { method: "DELETE" })).status).toBe(200);
      await Bun.sleep(1000);
      const res = await put(n3!.url, path, "second");
      const body = (await res.json()) as { code?: string };
      expect({ status: res.status, code: body.code }).toEqual({ status: 503, code: "clock_skew" });
      await Promise.all([setBlocked(n1!, []), setBlocked(n3!, [])]);
      // The delete holds (nothing the skewed node did can outrank it).
      for (const n of [n1!, n2!]) await waitFor(async () => (await fetch(`${n.url}/api/files/${path}`)).status === 404, 15_000, `${n.id} to see ${path} deleted`);
    }
    // Writes through the healthy nodes carry on.
    expect((await put(n2!.url, "q/after", "fine")).status).toBe(201);
  });

  test("a node 30 s ahead refuses writes (503 clock_skew), judged by its probes' round trips; its peers do not", async () => {
    const cluster = await TestCluster.start(3);
    clusters.push(cluster);
    const [n1, , n3] = cluster.nodes;
    await n3!.stop();
    n3!.wrapper = ["faketime", "-f", "+30s"];
    await cluster.restart(n3!);
    await cluster.waitForMembers(3, 30_000);
    // Its peers' datagrams arrive looking 30 s old, which a late read would explain too: only acks to its
    // own pings, back within a quarter of MAX_CLOCK_OFFSET_MS, let it say its clock is ahead.
    // It pings each peer it hears at once, so this takes one round trip after it heard both.
    await waitFor(async () => (await metric(n3!.url, "orrery_clock_peers_judged")) === 2, 20_000, "n3 to time both peers' clocks");
    expect(await offset(n3!.url)).toBeLessThan(-25);
    const res = await put(n3!.url, "ahead/30s.txt", "from the future");
    const body = (await res.json()) as { code?: string };
    expect({ status: res.status, code: body.code }).toEqual({ status: 503, code: "clock_skew" });
    expect((await put(n1!.url, "ahead/now.txt", "now")).status).toBe(201);
    expect((await fetch(`${n1!.url}/api/files/ahead/30s.txt`)).status).toBe(404);
  });

  test("a node whose gossip is read 1.5 s late (an overloaded event loop; every clock in step) keeps taking writes", async () => {
    const cluster = await TestCluster.start(3, { env: FAULT_ENV });
    clusters.push(cluster);
    const n1 = cluster.nodes[0]!;
    await waitFor(async () => (await metric(n1.url, "orrery_clock_peers_judged")) === 2, 20_000, "n1 to time both peers' clocks");
    await setGossipDelay(n1, 1500);
    // The old estimate (a peer's largest one-way sample among its last 32) took both peers for 1.5 s behind once
    // those were all late ones, and refused writes from then on: from the 6th write of 38 in 38 s.
    const refused: string[] = [];
    let writes = 0;
    for (const until = Date.now() + 15_000; Date.now() < until; writes++) {
      const res = await put(n1.url, `lag/p${writes}`, "in step");
      if (res.status !== 201) refused.push(`p${writes}: ${res.status} ${await res.text()}`);
      await Bun.sleep(1000);
    }
    expect(refused).toEqual([]);
    expect(writes).toBeGreaterThan(10);
    // Its peers' acks now come back late, so it times nobody anew; the round trips from before still stand.
    expect(await metric(n1.url, "orrery_clock_peers_judged")).toBe(2);
    await setGossipDelay(n1, 0);
  });

  test("a node 5 minutes ahead cannot join or write; the cluster's writes are not outranked", async () => {
    const cluster = await TestCluster.start(2);
    clusters.push(cluster);
    const [n1, n2] = cluster.nodes;
    const late = await cluster.add(["faketime", "-f", "+300s"]);
    // Its peers answer its stale datagrams with their clock, so it learns why it is alone.
    await waitFor(async () => ((await offset(late.url)) ?? 0) < -250, 15_000, "the late node to learn it is ~300 s ahead");
    for (const n of [n1!, n2!]) expect((await n.members()).map((m) => m.id)).not.toContain(late.id);
    const refused = await put(late.url, "ahead.txt", "from the future");
    expect(refused.status).toBe(503);
    expect(["not_joined", "clock_skew"]).toContain(((await refused.json()) as { code: string }).code);
    expect((await put(n1!.url, "ahead.txt", "now")).status).toBe(201);
    expect(await (await fetch(`${n2!.url}/api/files/ahead.txt`)).text()).toBe("now");
    expect(n1!.logTail(300)).toContain("dropped gossip whose clock is too far from ours");
    await waitFor(() => late.logTail(300).includes("cannot join: this node's clock is"), 15_000, "the late node to say why it cannot join");
  });
});
