// The attacks of the trust issue, tried again against real nodes on loopback: each worked before the
// cluster key and must fail now. Outsiders send unauthenticated datagrams and frames; a "buggy member"
// (this test, holding the cluster key) sends authenticated ones that lie.
import { answer, getAnswer } from "../harness/api.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import dgram from "node:dgram";
import { mkdirSync } from "node:fs";
import * as net from "node:net";
import { join } from "node:path";
import { ClusterKey } from "../../src/security/cluster-key.ts";
import { DatagramSeal } from "../../src/security/datagram-seal.ts";
import { Keyring } from "../../src/security/keyring.ts";
import { encodeGetChunk, encodePutChunkHead } from "../../src/transfer/frames.ts";
import { freePort } from "../harness/ports.ts";
import { getBytes, put, randomBytes, sha256, TestCluster, TestNode, waitFor } from "../harness/cluster.ts";

const PKG = join(import.meta.dir, "..", "..");
let cluster: TestCluster;

beforeAll(async () => {
  cluster = await TestCluster.start(3, { env: { GC_INTERVAL_S: "0.5", GC_MIN_CHUNK_AGE_S: "1", GC_MIN_TOMBSTONE_AGE_S: "1" } });
});
afterAll(async () => {
  await cluster?.stop();
});

const udp = dgram.createSocket("udp4");
beforeAll(() => new Promise<void>((r) => udp.bind(0, "127.0.0.1", () => r())));
afterAll(() => udp.close());
const sendUdp = (port: number, bytes: Uint8Array | string) =>
  new Promise<void>((r) => udp.send(typeof bytes === "string" ? Buffer.from(bytes) : bytes, port, "127.0.0.1", () => r()));

/** A member's record as gossiped, for forged messages. */
const record = (n: TestNode, extra: Record<string, unknown> = {}) => ({
  id: n.id,
  host: "127.0.0.1",
  gossipPort: n.gossipPort,
  httpPort: n.httpPort,
  transferPort: n.transferPort,
  weight: 1,
  state: "alive",
  incarnation: 0,
  ...extra,
});
const gossip = (from: string, updates: unknown[]) => JSON.stringify({ v: 1, type: "gossip", from, updates });
/** What a member holding the key could send (the test is that member). */
const memberSeal = () => new DatagramSeal("gossip", Keyring.of(new ClusterKey(cluster.clusterKey)));
const outsiderSeal = new DatagramSeal("gossip", Keyring.of(new ClusterKey("an-outsider-with-a-key-of-their-own-000")));

const metric = async (n: TestNode, series: string) => {
  const text = await (await fetch(`${n.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(series));
  return line ? Number(line.slice(series.length).trim()) : 0;
};
const view = async (observer: TestNode, id: string) => (await observer.members()).find((m) => m.id === id);
const gcSkipped = async (node: TestNode) => (await getAnswer(`${node.url}/api/health`, "health")).gc.skipped ?? "";

describe("attacks on a three-node cluster", () => {
  test("the HTTP port serves nothing node-to-node: a forged tombstone or a sync request is 404 and deletes nothing", async () => {
    const [a, b] = cluster.nodes;
    const data = randomBytes(50_000);
    expect((await put(a!.url, "keep/doc.bin", data)).status).toBe(201);
    const tombstone = { path: "keep/doc.bin", kind: "file", version: "ffffffffffff000000@n9", deleted: true, size: 0, sha256: null, chunkSize: 0, chunks: [], mtime: 0, origin: "n9", seq: 1 };
    for (const path of ["/internal/manifests", "/internal/sync", "/internal/chunk-digests", "/internal/chunk-ids", "/internal/faults"]) {
      const body = path === "/internal/manifests" ? { entries: [tombstone] } : { marks: {} };
      const res = await fetch(`${b!.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
    for (const n of cluster.nodes) expect(sha256(await getBytes(n.url, "keep/doc.bin"))).toBe(sha256(data));
  });

  test("one datagram declaring a node dead at incarnation 2^53-1 changes nothing, unsigned, signed with another key, or signed", async () => {
    const [a, b, c] = cluster.nodes;
    const before = await metric(a!, 'orrery_gossip_datagrams_rejected_total{reason="magic"}');
    const kill = gossip("n3", [record(b!, { state: "dead", incarnation: Number.MAX_SAFE_INTEGER })]);
    for (const n of [a!, c!]) {
      await sendUdp(n.gossipPort, kill);
      await sendUdp(n.gossipPort, outsiderSeal.seal(new TextEncoder().encode(kill)));
      await sendUdp(n.gossipPort, memberSeal().seal(new TextEncoder().encode(kill)));
    }
    await Bun.sleep(2000);
    for (const n of [a!, c!]) {
      const m = await view(n, "n2");
      expect({ at: n.id, state: m?.state }).toEqual({ at: n.id, state: "alive" });
      expect(m!.incarnation).toBeLessThan(1000);
    }
    expect(await metric(a!, 'orrery_gossip_datagrams_rejected_total{reason="magic"}')).toBeGreaterThan(before);
    expect(await metric(a!, 'orrery_gossip_datagrams_rejected_total{reason="unknown_key"}')).toBeGreaterThan(0);
    expect(await metric(a!, 'orrery_gossip_datagrams_rejected_total{reason="malformed"}')).toBeGreaterThan(0);
  });

  test("a spoofed address change sends no chunk to the spoofer's listener", async () => {
    const [a, b] = cluster.nodes;
    let connections = 0;
    let bytes = 0;
    const listener = net.createServer((s) => {
      connections++;
      s.on("data", (d: Buffer) => (bytes += d.byteLength));
      s.on("error", () => {});
    });
    const port = await freePort();
    await new Promise<void>((r) => listener.listen(port, "127.0.0.1", r));
    try {
      const inc = (await view(a!, "n2"))!.incarnation;
      const moved = gossip("n3", [record(b!, { transferPort: port, incarnation: inc + 1 })]);
      await sendUdp(a!.gossipPort, moved); // from anyone
      await sendUdp(a!.gossipPort, memberSeal().seal(new TextEncoder().encode(moved))); // from a member, about another
      await Bun.sleep(500);
      expect((await view(a!, "n2"))?.transferPort).toBe(b!.transferPort);
      for (let i = 0; i < 15; i++) expect((await put(a!.url, `spoof/f${i}.bin`, randomBytes(20_000))).status).toBe(201);
      await Bun.sleep(500);
      expect({ connections, bytes }).toEqual({ connections: 0, bytes: 0 });
    } finally {
      listener.close();
    }
  });

  test("made-up members are not accepted from outsiders; a ghost a buggy member adds is forgotten with the CLI and stops blocking GC", async () => {
    const [a, b] = cluster.nodes;
    const ghostPort = await freePort();
    const ghost = (id: string) => ({ id, host: "127.0.0.1", gossipPort: ghostPort, httpPort: ghostPort, transferPort: ghostPort, weight: 1, state: "alive", incarnation: 0 });
    await sendUdp(a!.gossipPort, gossip("n3", [ghost("ghostX"), ghost("__proto__"), ghost("constructor")]));
    await sendUdp(a!.gossipPort, memberSeal().seal(new TextEncoder().encode(gossip("n3", [ghost("__proto__")]))));
    await Bun.sleep(1000);
    const ids = (await a!.members()).map((m) => m.id);
    expect(ids.filter((id) => ["ghostX", "__proto__", "constructor"].includes(id))).toEqual([]);

    // A member (holding the key) vouches for a ghost: it is probed, never answers, and dies.
    await sendUdp(a!.gossipPort, memberSeal().seal(new TextEncoder().encode(gossip("n3", [ghost("ghostY")]))));
    await waitFor(async () => (await view(a!, "ghostY"))?.state === "dead", 20_000, "ghostY to be declared dead");
    await waitFor(async () => (await gcSkipped(a!)).includes("ghostY"), 10_000, "GC to wait for ghostY");

    const cli = Bun.spawn([process.execPath, "src/main.ts", "members", "forget", "ghostY", "--node", a!.url], {
      cwd: PKG,
      env: { ...process.env, CLUSTER_KEY: cluster.clusterKey },
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(await cli.exited, await new Response(cli.stderr).text()).toBe(0);
    expect(await new Response(cli.stdout).text()).toContain("ghostY is forgotten");
    for (const n of [a!, b!]) await waitFor(async () => (await view(n, "ghostY"))?.state === "left", 10_000, `${n.id} to hold ghostY as left`);
    await waitFor(async () => !(await gcSkipped(a!)).includes("ghostY"), 10_000, "GC to stop waiting for ghostY");
    expect((await put(a!.url, "after-ghost.bin", randomBytes(10_000))).status).toBe(201);
    // A live member cannot be forgotten.
    const refused = await fetch(`${a!.url}/api/cluster/members/n2/forget`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(refused.status).toBe(409);
  });

  test("raw frames on the transfer port neither read a stored chunk nor store new bytes", async () => {
    const [a] = cluster.nodes;
    const stored = await answer(await put(a!.url, "secret.bin", randomBytes(30_000)), "putFile", 201);
    const chunkId = stored.chunks[0]!;
    const before = await metric(a!, 'orrery_peer_handshakes_failed_total{reason="malformed"}');
    const fresh = randomBytes(10_000);
    const freshId = sha256(fresh);
    const socket = net.connect({ host: "127.0.0.1", port: a!.transferPort });
    socket.on("error", () => {});
    const got: Buffer[] = [];
    socket.on("data", (d: Buffer) => got.push(d));
    await new Promise((r) => socket.once("connect", r));
    socket.write(Buffer.concat([encodeGetChunk(1, chunkId), encodePutChunkHead(2, freshId, fresh.byteLength), fresh]));
    await new Promise((r) => (socket.destroyed ? r(undefined) : socket.once("close", r)));
    expect(Buffer.concat(got).byteLength).toBeLessThan(300); // at most a refusal, never 30 KB of chunk
    await Bun.sleep(300);
    for (const n of cluster.nodes) expect(n.chunkFiles()).not.toContain(freshId);
    expect(await metric(a!, 'orrery_peer_handshakes_failed_total{reason="malformed"}')).toBeGreaterThan(before);
  });

  test("a node with another cluster key is never alive in anyone's view and exchanges no chunk byte", async () => {
    const [a] = cluster.nodes;
    const root = join(cluster.root, "wrong-key");
    mkdirSync(root, { recursive: true });
    const intruder = new TestNode("intruder", join(root, "data"), await freePort(), await freePort(), await freePort(), {
      CLUSTER_KEY: "the-wrong-cluster-key-for-this-cluster-0001",
      GOSSIP_INTERVAL_MS: "200",
      S3_PORT: "0",
      CHUNK_SIZE_MB: "1",
    });
    intruder.start([a!.gossipAddr]);
    try {
      await intruder.waitReady();
      for (let i = 0; i < 5; i++) expect((await put(a!.url, `while-intruder/f${i}.bin`, randomBytes(200_000))).status).toBe(201);
      await Bun.sleep(11_000); // past the intruder's join hint
      for (const n of cluster.nodes) expect((await n.members()).map((m) => m.id)).not.toContain("intruder");
      expect((await intruder.members()).map((m) => m.id)).toEqual(["intruder"]);
      expect(await metric(intruder, 'orrery_peer_chunk_bytes_total{direction="in"}')).toBe(0);
      expect(await metric(intruder, 'orrery_peer_chunk_bytes_total{direction="out"}')).toBe(0);
      expect(await metric(a!, 'orrery_gossip_datagrams_rejected_total{reason="unknown_key"}')).toBeGreaterThan(0);
      expect(intruder.logTail(200)).toContain("no authenticated answer from any seed");
      expect(a!.logTail(400)).toContain("dropped gossip signed with a cluster key this node does not hold");
    } finally {
      await intruder.kill();
    }
  }, 60_000);
});
