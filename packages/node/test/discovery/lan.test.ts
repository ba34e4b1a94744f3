// Zero-config LAN discovery between real node processes on a real (virtual) LAN: four network
// namespaces joined by a bridge, UDP broadcast and multicast included. Three nodes of cluster "alpha"
// and one of "beta" (all with one cluster key), and an "alpha" node with another key, start with no
// SEEDS; the alphas must form one cluster that stores and serves a file (over encrypted peer
// connections: they bind 0.0.0.0), and the beta node and the node with the wrong key must stay alone.
// Needs root (CI runs as root); it fails, not skips, without.
//
// Everything lives in namespaces this test creates: the bridge sits in its own "hub" namespace with no
// uplink, and the node namespaces have only lo and one veth on 10.77.N.0/24 with no default route, so
// no packet can leave. All of it is deleted afterwards, also when the test fails.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { randomBytes, sha256, waitFor } from "../harness/cluster.ts";
import { buildLan, removeStaleNamespaces, run, startNodeIn } from "../harness/netns.ts";

const FETCH = join(import.meta.dir, "ns-fetch.ts");
const PREFIX = "orrlan-";
const tag = `${PREFIX}${process.pid}-${Math.random().toString(16).slice(2, 6)}`;
const hub = `${tag}-hub`;
const subnet = `10.77.${10 + (process.pid % 200)}`;

interface LanNode {
  id: string;
  cluster: string;
  ns: string;
  ip: string;
  /** Set ADVERTISE_ADDRESS explicitly, or let the node pick its LAN address (BIND_ADDRESS=0.0.0.0 alone). */
  advertise: boolean;
  key: string;
  proc?: Subprocess;
  log: string;
}

const root = mkdtempSync(join(tmpdir(), "orrery-lan-"));
const KEY = "lan-test-cluster-key-shared-by-alpha-and-beta";
const nodes: LanNode[] = [
  { id: "alpha1", cluster: "alpha", advertise: true, key: KEY },
  { id: "alpha2", cluster: "alpha", advertise: true, key: KEY },
  { id: "alpha3", cluster: "alpha", advertise: false, key: KEY },
  { id: "beta1", cluster: "beta", advertise: true, key: KEY },
  { id: "intruder", cluster: "alpha", advertise: true, key: "lan-test-a-key-the-alpha-cluster-does-not-have" },
].map((n, i) => ({ ...n, ns: `${tag}-n${i + 1}`, ip: `${subnet}.${11 + i}`, log: join(root, `${n.id}.log`) }));
const namespaces: string[] = [];

function addNamespace(name: string): void {
  try {
    run(["ip", "netns", "add", name]);
  } catch (err) {
    throw new Error(
      `the LAN discovery test needs root and iproute2's \`ip netns\` (network namespaces joined by a bridge ` +
        `are how it sees real broadcast and multicast); creating one failed: ${(err as Error).message}`,
    );
  }
  namespaces.push(name);
}

function buildNamespaces(): void {
  removeStaleNamespaces(PREFIX);
  buildLan(hub, nodes, addNamespace);
}

function startNode(n: LanNode): void {
  const env: Record<string, string | undefined> = {
    ...process.env,
    NODE_ID: n.id,
    DATA_DIR: join(root, n.id),
    BIND_ADDRESS: "0.0.0.0",
    TLS: "off", // the test speaks plain HTTP to the nodes
    ADVERTISE_ADDRESS: n.advertise ? n.ip : undefined,
    SEEDS: "",
    CLUSTER_NAME: n.cluster,
    CLUSTER_KEY: n.key,
    DISCOVERY: "auto",
    // The test reads and writes files without logins (a node bound beyond loopback asks for them by default).
    AUTH: "off",
    // Every namespace has its own ports, so every node uses the defaults (HTTP 3000, discovery 4007, ...).
    HTTP_PORT: undefined,
    GOSSIP_PORT: undefined,
    TRANSFER_PORT: undefined,
    DISCOVERY_PORT: undefined,
    DISCOVERY_GROUP: undefined,
    GOSSIP_INTERVAL_MS: "200",
    SYNC_INTERVAL_MS: "1000",
    CHUNK_SIZE_MB: "1",
    LOG_LEVEL: "info",
  };
  n.proc = startNodeIn(n.ns, env, n.log);
}

/** An HTTP request made from inside a namespace. */
async function nsFetch(ns: string, method: string, url: string, bodyFile?: string): Promise<{ status: number; body: Buffer; error?: string }> {
  const proc = Bun.spawn(["ip", "netns", "exec", ns, process.execPath, FETCH, method, url, ...(bodyFile ? [bodyFile] : [])], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const line = out.trim().split("\n").pop() ?? "";
  if (!line) return { status: 0, body: Buffer.alloc(0), error: err.trim() };
  const r = JSON.parse(line) as { status: number; body?: string; error?: string };
  return { status: r.status, body: Buffer.from(r.body ?? "", "base64"), error: r.error };
}

const url = (n: LanNode, path: string) => `http://${n.ip}:3000${path}`;

async function members(n: LanNode): Promise<{ id: string; host: string; state: string }[]> {
  const r = await nsFetch(n.ns, "GET", url(n, "/api/cluster"));
  if (r.status !== 200) throw new Error(`${n.id} /api/cluster: ${r.status} ${r.error ?? r.body.toString()}`);
  return JSON.parse(r.body.toString()).members;
}

const logs = () => nodes.map((n) => `--- ${n.id} ---\n${readTail(n.log)}`).join("\n");
const readTail = (file: string) => {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-25).join("\n");
  } catch {
    return "(no log)";
  }
};

async function cleanUp(): Promise<void> {
  for (const n of nodes) n.proc?.kill("SIGKILL");
  await Promise.all(nodes.map((n) => n.proc?.exited));
  // Deleting a namespace deletes its veth ends; deleting the hub deletes the bridge.
  for (const ns of namespaces.splice(0).reverse()) Bun.spawnSync(["ip", "netns", "del", ns]);
  if (!process.env.KEEP_TEST_DATA) rmSync(root, { recursive: true, force: true });
}

describe("LAN discovery across network namespaces", () => {
  beforeAll(async () => {
    try {
      buildNamespaces();
      for (const n of nodes) startNode(n);
      await waitFor(
        async () => (await Promise.all(nodes.map((n) => nsFetch(n.ns, "GET", url(n, "/status"))))).every((r) => r.status === 200),
        30_000,
        "all five nodes to answer /status",
        200,
      );
    } catch (err) {
      const detail = logs();
      await cleanUp();
      throw new Error(`${(err as Error).message}\n${detail}`);
    }
  });
  afterAll(cleanUp);

  test("three alpha nodes without SEEDS form one cluster; the beta node and the node with another key stay alone", async () => {
    const alphas = nodes.filter((n) => n.cluster === "alpha" && n.key === KEY);
    const intruder = nodes.find((n) => n.id === "intruder")!;
    const beta = nodes.find((n) => n.cluster === "beta")!;
    const alive = async (n: LanNode) => (await members(n)).filter((m) => m.state === "alive").map((m) => m.id).sort();
    try {
      await waitFor(
        async () => (await Promise.all(alphas.map(alive))).every((ids) => ids.join() === "alpha1,alpha2,alpha3"),
        30_000,
        "every alpha node to see the three alpha nodes alive",
        250,
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${logs()}`);
    }
    // The beta node has been hearing the alphas' announcements all along.
    await Bun.sleep(2000);
    for (const a of alphas) expect((await members(a)).map((m) => m.id).sort()).toEqual(["alpha1", "alpha2", "alpha3"]);
    expect((await members(beta)).map((m) => m.id)).toEqual(["beta1"]);
    expect(readFileSync(beta.log, "utf8")).toContain("ignoring nodes of another cluster");
    // Same cluster name, other key: its announcements never verify, so nobody joins it and it joins nobody.
    expect((await members(intruder)).map((m) => m.id)).toEqual(["intruder"]);
    expect(readFileSync(alphas[0]!.log, "utf8")).toContain("ignoring a node on the LAN that uses another cluster key");
    // alpha3 set only BIND_ADDRESS=0.0.0.0: it advertises its LAN address, not loopback.
    const a3 = (await members(alphas[0]!)).find((m) => m.id === "alpha3")!;
    expect(a3.host).toBe(alphas[2]!.ip);
  });

  test("a file put on one alpha node reads back from another", async () => {
    const [a1, a2] = nodes;
    const data = randomBytes(3 * 1024 * 1024 + 1234); // four 1 MiB chunks
    const file = join(root, "upload.bin");
    writeFileSync(file, data);
    const put = await nsFetch(a1!.ns, "PUT", url(a1!, "/api/files/lan/hello.bin?durability=all"), file);
    expect(put.status, put.body.toString()).toBe(201);
    expect(JSON.parse(put.body.toString())).toMatchObject({ size: data.byteLength, sha256: sha256(data), underReplicated: false });
    let got = { status: 0, body: Buffer.alloc(0) } as Awaited<ReturnType<typeof nsFetch>>;
    await waitFor(
      async () => (got = await nsFetch(a2!.ns, "GET", url(a2!, "/api/files/lan/hello.bin"))).status === 200,
      15_000,
      "alpha2 to serve the file",
    );
    expect(sha256(new Uint8Array(got.body))).toBe(sha256(data));
    // And the beta node and the intruder know nothing of it; the intruder exchanged no chunk byte.
    const beta = await nsFetch(nodes[3]!.ns, "GET", url(nodes[3]!, "/api/files/lan/hello.bin"));
    expect(beta.status).toBe(404);
    const intruder = nodes[4]!;
    expect((await nsFetch(intruder.ns, "GET", url(intruder, "/api/files/lan/hello.bin"))).status).toBe(404);
    const metrics = (await nsFetch(intruder.ns, "GET", url(intruder, "/metrics"))).body.toString();
    expect(metrics).toContain('orrery_peer_chunk_bytes_total{direction="in"} 0');
    expect(metrics).toContain('orrery_peer_chunk_bytes_total{direction="out"} 0');
  });
});
