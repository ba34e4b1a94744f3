// Encrypted peer connections between real nodes (PEER_ENCRYPTION=always, as between hosts): a file written
// at durability=all crosses every link as AES-256-GCM records sealed and opened in place, and reads back
// whole from every node; a node on node:crypto (PEER_CIPHER=node) speaks with nodes on libcrypto.
import { afterAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { getBytes, put, randomBytes, sha256, TestCluster } from "../harness/cluster.ts";

const clusters: TestCluster[] = [];
afterAll(async () => {
  await Promise.all(clusters.map((c) => c.stop()));
});

const logOf = (c: TestCluster, i: number) => readFileSync(`${c.nodes[i]!.logFile}.1`, "utf8");

test("a 24 MiB file at durability=all crosses encrypted links both ways and reads back whole everywhere", async () => {
  const cluster = await TestCluster.start(2, { env: { PEER_ENCRYPTION: "always", CHUNK_SIZE_MB: "4" } });
  clusters.push(cluster);
  await cluster.add([], { PEER_CIPHER: "node" });
  await cluster.waitForMembers(3);
  expect(logOf(cluster, 0)).toContain('"cipher":"AES-256-GCM via libcrypto"');
  expect(logOf(cluster, 2)).toContain('"cipher":"AES-256-GCM via node:crypto"');

  const body = randomBytes(24 * 1024 * 1024 + 12345);
  for (const writer of [0, 2]) {
    const path = `enc/from-n${writer + 1}.bin`;
    const res = await put(cluster.nodes[writer]!.url, path, body, "all");
    expect(res.status, await res.clone().text()).toBe(201);
    expect(((await res.json()) as { copies: number }).copies).toBe(3);
    for (const reader of cluster.nodes) expect(sha256(await getBytes(reader.url, path))).toBe(sha256(body));
  }
  // Every node's copies came over (and went out through) the encrypted links, none around them.
  for (const n of cluster.nodes) {
    const metrics = await (await fetch(`${n.url}/metrics`)).text();
    const bytesIn = Number(/orrery_peer_chunk_bytes_total\{direction="in"\} (\d+)/.exec(metrics)?.[1]);
    expect(bytesIn).toBeGreaterThanOrEqual(body.length);
  }
});
