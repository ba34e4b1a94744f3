// The discovery adapter over real UDP on 127.0.0.1 (broadcast on loopback reaches every socket that
// shares the port): nodes of one cluster are handed to membership, others never are.
import { afterEach, describe, expect, test } from "bun:test";
import dgram from "node:dgram";
import type { NetworkInterfaceInfo } from "node:os";
import type { Logger } from "../log.ts";
import { ClusterKey } from "../security/cluster-key.ts";
import { DatagramSeal } from "../security/datagram-seal.ts";
import { Keyring } from "../security/keyring.ts";
import { testSeal } from "../security/test-keys.ts";
import { ANNOUNCEMENT_MAGIC, encodeAnnouncement } from "./announcement.ts";
import { LanDiscovery } from "./lan-discovery.ts";
import type { KnownMember } from "./verdict.ts";

const lo: NetworkInterfaceInfo = { address: "127.0.0.1", netmask: "255.0.0.0", family: "IPv4", mac: "", internal: true, cidr: null };
const running: LanDiscovery[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.stop()));
});

function quietLog(): Logger & { warns: string[]; infos: string[] } {
  const warns: string[] = [];
  const infos: string[] = [];
  return { warns, infos, debug: () => {}, info: (m) => infos.push(m), warn: (m) => warns.push(m), error: (m) => warns.push(m) };
}

async function node(id: string, cluster: string, port: number, gossipPort: number, seal = testSeal("discovery")) {
  const members: KnownMember[] = [{ id, host: "127.0.0.1", gossipPort, state: "alive" }];
  const joins: string[] = [];
  const log = quietLog();
  const d = new LanDiscovery(
    { cluster, self: { id, host: "127.0.0.1", gossipPort, httpPort: 3000 }, port, group: "239.255.77.77", intervalMs: 150 },
    { members: () => members, join: (a) => joins.push(a), log, seal, interfaces: () => ({ lo: [lo] }) },
  );
  await d.start();
  running.push(d);
  return { d, members, joins, log };
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

describe("LanDiscovery over UDP", () => {
  test("nodes of one cluster join each other; another cluster is ignored; known members are not re-joined", async () => {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    const a = await node("a", "alpha", port, 41001);
    const b = await node("b", "alpha", port, 41002);
    const c = await node("c", "beta", port, 41003);
    await waitFor("a and b to hand each other to membership", () => a.joins.includes("127.0.0.1:41002") && b.joins.includes("127.0.0.1:41001"));
    await waitFor("a to log the beta cluster", () => a.log.infos.includes("ignoring nodes of another cluster"));
    expect(a.joins.every((j) => j === "127.0.0.1:41002")).toBe(true);
    expect(c.joins).toEqual([]);
    expect(c.log.infos.filter((m) => m === "ignoring nodes of another cluster").length).toBe(1);

    // Once membership knows b, its announcements change nothing.
    a.members.push({ id: "b", host: "127.0.0.1", gossipPort: 41002, state: "alive" });
    await Bun.sleep(400); // past the join cooldown (2 × 150 ms)
    const before = a.joins.length;
    const heard = a.d.stats.heard;
    await waitFor("more announcements", () => a.d.stats.heard > heard + 4);
    expect(a.joins.length).toBe(before);
    expect(a.d.stats.announced).toBeGreaterThan(2);
  });

  test("a second node with our id (a cloned data dir) is warned about, never joined", async () => {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    const a = await node("a", "alpha", port, 41021);
    const clone = await node("a", "alpha", port, 41022);
    const warning = "another node on the LAN uses this node's id; give one of them a new NODE_ID or data dir";
    await waitFor("both to warn", () => a.log.warns.includes(warning) && clone.log.warns.includes(warning));
    await Bun.sleep(300);
    expect(a.log.warns.filter((w) => w === warning).length).toBe(1);
    expect([...a.joins, ...clone.joins]).toEqual([]);
  });

  test("malformed announcements are counted and logged once; foreign traffic on the port is ignored", async () => {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    const a = await node("a", "alpha", port, 41011);
    const s = dgram.createSocket("udp4");
    const send = (bytes: Uint8Array) => new Promise<void>((r) => s.send(bytes, port, "127.0.0.1", () => r()));
    const sealed = testSeal("discovery");
    try {
      // Authenticated (a buggy member) but malformed: parsed, refused, counted.
      for (let i = 0; i < 20; i++) await send(sealed.seal(new Uint8Array([...ANNOUNCEMENT_MAGIC, 1, ...new TextEncoder().encode(`{"id":${i}}`)])));
      for (let i = 0; i < 20; i++) await send(new TextEncoder().encode(`M-SEARCH * HTTP/1.1 ${i}`));
      await waitFor("the malformed ones", () => a.d.stats.malformed === 20);
      expect(a.log.warns.filter((m) => m === "dropped malformed discovery announcement").length).toBe(1);
      expect(a.joins).toEqual([]);
    } finally {
      s.close();
    }
  });

  test("announcements without the cluster key, or with another key, never make a node join anything", async () => {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    const a = await node("a", "alpha", port, 41031);
    // A node of the same cluster name but another key, announcing itself as usual.
    const other = new DatagramSeal("discovery", Keyring.of(new ClusterKey("a-different-cluster-key-for-discovery-test")));
    const b = await node("b", "alpha", port, 41032, other);
    const s = dgram.createSocket("udp4");
    const send = (bytes: Uint8Array) => new Promise<void>((r) => s.send(bytes, port, "127.0.0.1", () => r()));
    try {
      // A plain announcement, as an older version or a spoofer would send it.
      const plain = encodeAnnouncement({ cluster: "alpha", id: "spoof", host: "127.0.0.1", gossipPort: 41033, httpPort: 3000 });
      for (let i = 0; i < 5; i++) await send(plain);
      await waitFor("a to count them", () => a.d.stats.unauthenticated >= 8);
      await waitFor("a to log the other key", () => a.log.warns.includes("ignoring a node on the LAN that uses another cluster key"));
      expect(a.joins).toEqual([]);
      expect(b.joins).toEqual([]);
      expect(a.log.infos).not.toContain("found a node on the LAN, joining it");
    } finally {
      s.close();
    }
  });
});
