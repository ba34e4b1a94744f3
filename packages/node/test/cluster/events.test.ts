// Issue 15 item 9: a node's event log lives in its SQLite database, so a node SIGKILLed and restarted still
// serves what it saw before; and any node serves the cluster's timeline, every live member's log merged.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { TestCluster, waitFor } from "../harness/cluster.ts";

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await TestCluster.start(2);
});

afterAll(async () => {
  await cluster?.stop();
});

type Event = { seq: number; at: number; type: string; node: string; member?: string; message: string; seenBy?: string[] };
type Timeline = { events: Event[]; nodes?: string[]; unanswered?: Record<string, string> };

const timeline = async (url: string, scope: "node" | "cluster"): Promise<Timeline> => {
  const res = await fetch(`${url}/api/events/recent?limit=1000&scope=${scope}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Timeline;
};

describe("events", () => {
  test("a restarted node still serves the events it recorded before, numbered on from where it was", async () => {
    const [a, b] = cluster.nodes;
    await cluster.explain(async () => {
      await b!.kill();
      await waitFor(async () => (await timeline(a!.url, "node")).events.some((e) => e.type === "dead" && e.member === b!.id), 30_000, "A to record B's death");
      const before = (await timeline(a!.url, "node")).events;
      expect(before.map((e) => e.type)).toEqual(expect.arrayContaining(["join", "suspect", "dead"]));
      expect(before.every((e) => e.node === a!.id)).toBe(true);

      // A crash, not a clean stop: the events were committed without an fsync of their own.
      await a!.kill();
      await cluster.restart(a!);
      const after = (await timeline(a!.url, "node")).events;
      expect(after.slice(0, before.length)).toEqual(before);
      // New events after the restart get higher numbers, not a second seq 1.
      await cluster.restart(b!);
      await waitFor(async () => (await timeline(a!.url, "node")).events.length > before.length, 20_000, "A to record B again");
      const newer = (await timeline(a!.url, "node")).events.slice(before.length);
      expect(newer.length).toBeGreaterThan(0);
      expect(Math.min(...newer.map((e) => e.seq))).toBeGreaterThan(Math.max(...before.map((e) => e.seq)));
    });
  });

  test("every node serves the cluster's timeline: B's page shows what A saw, B's own death included", async () => {
    const [a, b] = cluster.nodes;
    await cluster.waitForMembers(2);
    await cluster.explain(async () => {
      await waitFor(async () => (await timeline(b!.url, "cluster")).nodes?.length === 2, 20_000, "B to reach A's log");
      const { events, nodes, unanswered } = await timeline(b!.url, "cluster");
      expect(nodes!.sort()).toEqual([a!.id, b!.id]);
      expect(unanswered).toEqual({});
      // B was dead, so only A could record that; it is on B's page all the same.
      expect(events.find((e) => e.type === "dead" && e.member === b!.id)?.node).toBe(a!.id);
      expect(events.some((e) => e.node === b!.id)).toBe(true);
      // Oldest first.
      expect(events.map((e) => e.at)).toEqual([...events.map((e) => e.at)].sort((x, y) => x - y));
      // B's own log alone has none of A's events.
      expect((await timeline(b!.url, "node")).events.every((e) => e.node === b!.id)).toBe(true);
    });
  });
});
