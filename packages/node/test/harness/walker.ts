// Five real nodes for the tests of reads through a node that owns none of the rows read: three, a fourth (the
// "feeder", for a second gateway), and the "walker", which pulls rows from its peers once when it joins and then
// not for an hour (SYNC_INTERVAL_MS), so whatever it was not pushed it must read from the rows' owners.
import { getAnswer } from "./api.ts";
import { TestCluster, type TestNode, waitFor } from "./cluster.ts";

/** Calls of a peer method a node made, from its /metrics. */
export function callsMade(url: string, method: string): Promise<number> {
  return byMethod(url, "orrery_peer_calls_total", method);
}

/** Bytes of the answers to a node's calls of a peer method, from its /metrics. */
export function answerBytes(url: string, method: string): Promise<number> {
  return byMethod(url, "orrery_peer_answer_bytes_total", method);
}

async function byMethod(url: string, metric: string, method: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${metric}{method="${method}"}`));
  return line ? Number(line.split(" ").pop()) : 0;
}

export interface WalkerCluster {
  cluster: TestCluster;
  /** The first node: where the tests write. */
  writer: TestNode;
  feeder: TestNode;
  walker: TestNode;
}

/** Starts the five, RF 3, and returns once the rings settled and the walker's first pulls are over. */
export async function startWithWalker(env: { feeder?: Record<string, string>; walker?: Record<string, string> } = {}): Promise<WalkerCluster> {
  const fast = { SYNC_INTERVAL_MS: "300", RING_SETTLE_S: "2", GC_INTERVAL_S: "3600" };
  const cluster = await TestCluster.start(3, { env: fast });
  const feeder = await cluster.add([], env.feeder ?? {});
  const walker = await cluster.add([], { ...env.walker, SYNC_INTERVAL_MS: "3600000" });
  await cluster.waitForMembers(5);
  const writer = cluster.nodes[0]!;
  await waitFor(async () => (await getAnswer(`${writer.url}/api/stat/`, "stat")).manifestOwnersDuringRingChange === undefined, 30_000, "the writer's rings settled");
  // The walker's first pulls, one per peer it met, are over once their count stops growing.
  let last = -1;
  await waitFor(
    async () => {
      const now = await callsMade(walker.url, "manifests.sync");
      const done = now >= 4 && now === last;
      last = now;
      return done;
    },
    30_000,
    "the walker's first anti-entropy pulls",
    1_500,
  );
  return { cluster, writer, feeder, walker };
}
