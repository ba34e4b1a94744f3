// Two clusters with different names never merge, even when one is seeded with the other's address:
// the cluster name travels in every gossip message and a node drops messages of another cluster.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeMessage, encodeMessage, type SwimMessage } from "../../src/membership/messages.ts";
import { defaultSwimConfig } from "../../src/membership/swim-config.ts";
import { SwimNode, type Output } from "../../src/membership/swim.ts";
import { mulberry32 } from "../../src/util/seeded-random.ts";
import { TestNode, waitFor } from "../harness/cluster.ts";
import { freePort } from "../harness/ports.ts";

const info = (id: string) => ({ id, host: id, gossipPort: 7946, httpPort: 8080, transferPort: 9090, weight: 1 });

/** SwimNodes exchanging messages through the real wire format, instantly, until nothing is left to send. */
function network(nodes: Record<string, SwimNode>) {
  const queue: { from: string; out: Output }[] = [];
  const sent: SwimMessage[] = [];
  let now = 0;
  const route = (from: string, outs: Output[]) => outs.forEach((out) => queue.push({ from, out }));
  return {
    sent,
    start(id: string, seeds: string[]) {
      route(id, nodes[id]!.start(now, seeds.map((s) => `${s}:7946`)));
    },
    run(ms: number) {
      for (const end = now + ms; now < end; now += 50) {
        for (const [id, n] of Object.entries(nodes)) route(id, n.tick(now));
        while (queue.length > 0) {
          const { from, out } = queue.shift()!;
          const to = out.to.split(":")[0]!;
          const msg = decodeMessage(encodeMessage(out.msg));
          sent.push(msg);
          if (nodes[to]) route(to, nodes[to]!.receive(now, `${from}:7946`, msg));
        }
      }
    },
  };
}

const swim = (id: string, cluster?: string) =>
  new SwimNode({ self: info(id), config: defaultSwimConfig(1000), random: mulberry32(id.charCodeAt(0)), cluster });
const ids = (n: SwimNode) => n.members().map((m) => m.id).sort().join();

describe("cluster names in gossip (SWIM core)", () => {
  test("a node seeded with a node of another cluster learns nothing from it, and teaches it nothing", () => {
    const nodes = { a: swim("a", "alpha"), b: swim("b", "alpha"), x: swim("x", "beta") };
    const net = network(nodes);
    net.start("a", []);
    net.start("b", ["a"]);
    net.start("x", ["a", "b"]); // seeded across clusters
    net.run(20_000);
    expect(ids(nodes.a)).toBe("a,b");
    expect(ids(nodes.b)).toBe("a,b");
    expect(ids(nodes.x)).toBe("x");
    expect(net.sent.filter((m) => m.from === "x").every((m) => m.cluster === "beta")).toBe(true);
    expect(net.sent.filter((m) => m.from === "a").every((m) => m.cluster === "alpha")).toBe(true);
  });

  test("join() after start contacts a new address like a seed, within the cluster only", () => {
    const nodes = { a: swim("a", "alpha"), b: swim("b", "alpha"), x: swim("x", "beta") };
    const net = network(nodes);
    for (const id of ["a", "b", "x"]) net.start(id, []);
    net.run(2000);
    expect(ids(nodes.a)).toBe("a");
    expect(nodes.a.join("a:7946")).toEqual([]); // never ourselves
    const deliver = (outs: Output[], to: SwimNode) => {
      for (const o of outs) {
        expect(o.msg).toMatchObject({ type: "push-pull", reply: true, cluster: "alpha" });
        to.receive(3000, "a:7946", decodeMessage(encodeMessage(o.msg)));
      }
    };
    deliver(nodes.a.join("b:7946"), nodes.b);
    expect(ids(nodes.b)).toBe("a,b");
    deliver(nodes.a.join("x:7946"), nodes.x);
    expect(ids(nodes.x)).toBe("x");
  });

  test("no configured name means the default cluster, and messages without a name belong to it", () => {
    const plain = swim("p");
    const named = swim("o", "orrery");
    const other = swim("q", "beta");
    for (const n of [plain, named, other]) n.start(0, []);
    const unnamed: SwimMessage = { v: 1, type: "gossip", from: "z", updates: [{ ...info("z"), state: "alive", incarnation: 0 }] };
    expect(plain.sameCluster(unnamed)).toBe(true);
    expect(named.sameCluster(unnamed)).toBe(true);
    expect(other.sameCluster(unnamed)).toBe(false);
    other.receive(1, "z:7946", unnamed);
    named.receive(1, "z:7946", unnamed);
    expect(ids(other)).toBe("q");
    expect(ids(named)).toBe("o,z");
    // A node without a configured name sends none (the wire format is unchanged for it).
    const out = plain.join("z:7946");
    expect(out.length).toBeGreaterThan(0);
    expect(out.every((o) => !("cluster" in o.msg))).toBe(true);
  });
});

describe("cluster names between real nodes", () => {
  const root = mkdtempSync(join(tmpdir(), "orrery-cluster-name-"));
  const nodes: TestNode[] = [];
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.kill()));
    rmSync(root, { recursive: true, force: true });
  });

  test("a beta node seeded with an alpha node stays alone, and the alpha node never lists it", async () => {
    // One cluster key for all three: what keeps beta out here is its name alone.
    const key = "cluster-name-test-shared-key-0123456789";
    const env = (cluster: string) => ({ CLUSTER_NAME: cluster, CLUSTER_KEY: key, GOSSIP_INTERVAL_MS: "200", LOG_LEVEL: "info" });
    const a = new TestNode("a1", join(root, "a1"), await freePort(), await freePort(), await freePort(), env("alpha"));
    const a2 = new TestNode("a2", join(root, "a2"), await freePort(), await freePort(), await freePort(), env("alpha"));
    const b = new TestNode("b1", join(root, "b1"), await freePort(), await freePort(), await freePort(), env("beta"));
    nodes.push(a, a2, b);
    a.start();
    await a.waitReady();
    a2.start([a.gossipAddr]);
    b.start([a.gossipAddr, a2.gossipAddr]);
    await Promise.all([a2.waitReady(), b.waitReady()]);
    await waitFor(async () => (await a.members()).filter((m) => m.state === "alive").length === 2, 20_000, "a1 to see a2");
    await Bun.sleep(3000); // many gossip rounds, push-pulls and reconnects
    const names = async (n: TestNode) => (await n.members()).map((m) => m.id).sort();
    expect(await names(a)).toEqual(["a1", "a2"]);
    expect(await names(a2)).toEqual(["a1", "a2"]);
    expect(await names(b)).toEqual(["b1"]);
    expect(a.logTail(400)).toContain("dropped gossip from another cluster");
  });
});
