#!/usr/bin/env bun
// CPU per small-file create of a local 3-node cluster (RF 3, quorum), summed over the nodes and split by
// thread kind (the JS thread, the thread pool that runs file I/O, the JIT, the allocator): a figure a
// loaded machine disturbs less than files/s. Phases of N 4 KiB creates: a warm-up with one client, then
// one client and 16 clients, twice, each 16-client phase followed by 16 clients reading its files back through
// a node other than their writer and by 20 listings of its folder (one page of N + 1 entries each, read at quorum);
// with the peer calls the nodes made per operation and their answers' bytes.
// Usage: `bun bench/create-cpu.ts [N=300]`; CPU_PROF_DIR=dir profiles.
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { BenchCluster } from "./cluster.ts";
import { peerAnswerBytes, peerCalls as nodePeerCalls, threadCpu as nodeThreadCpu } from "./node-counters.ts";

const n = Number(process.argv[2] ?? 300);
if (!Number.isInteger(n) || n < 1) throw new Error(`N must be a positive integer, got ${process.argv[2]}`);

const root = mkdtempSync(join(tmpdir(), "orrery-create-cpu-"));
const cluster = new BenchCluster({ root, size: 3, env: { REPLICATION_FACTOR: "3", LOG_LEVEL: "warn" }, cpuProfDir: process.env.CPU_PROF_DIR, log: () => {} });

/** CPU seconds of every thread of the nodes, by thread name (digits folded: "Bun Pool 3" → "Bun Pool #"). */
function threadCpu(): Map<string, number> {
  const byName = new Map<string, number>();
  for (const node of cluster.nodes) for (const [name, s] of nodeThreadCpu(node.pid)) byName.set(name, (byName.get(name) ?? 0) + s);
  return byName;
}

async function put(i: number, dir: string): Promise<void> {
  const res = await fetch(`${cluster.nodes[i % 3]!.url}/api/files/${dir}/f${i}?durability=quorum`, {
    method: "PUT",
    body: crypto.getRandomValues(new Uint8Array(4096)),
  });
  if (res.status !== 201) throw new Error(`PUT /${dir}/f${i}: HTTP ${res.status} ${await res.text()}`);
}

/** Listings of a phase's folder: each a quorum read of its page (up to 1,000 rows) through a node, then the JSON. */
const LISTINGS = 20;

async function list(i: number, dir: string): Promise<void> {
  const res = await fetch(`${cluster.nodes[i % 3]!.url}/api/files/${dir}/`);
  const { entries } = (await res.json()) as { entries: unknown[] };
  if (res.status !== 200 || entries.length !== n + 1) throw new Error(`GET /${dir}/: HTTP ${res.status}, ${entries.length} entries`);
}

async function get(i: number, dir: string): Promise<void> {
  const res = await fetch(`${cluster.nodes[(i + 1) % 3]!.url}/api/files/${dir}/f${i}`);
  const body = await res.arrayBuffer();
  if (res.status !== 200 || body.byteLength !== 4096) throw new Error(`GET /${dir}/f${i}: HTTP ${res.status}, ${body.byteLength} bytes`);
}

const peerCalls = () => nodePeerCalls(cluster.nodes.map((node) => node.url));
const answerBytes = () => peerAnswerBytes(cluster.nodes.map((node) => node.url));
/** The calls a quorum read makes (manifests.get to a node of an earlier version) and a commit's push. */
const COUNTED = ["manifests.newer", "manifests.get", "manifests.push", "manifests.newerChildren", "manifests.children"];

let phases = 0;
async function phase(label: string, clients: number, op: "create" | "read" | "listing" = "create"): Promise<void> {
  const dir = op === "create" ? `p${phases++}` : `p${phases - 1}`;
  const ops = op === "listing" ? LISTINGS : n;
  if (op === "create") await put(0, dir); // the folder exists before the phase: its files are what is measured
  const calls = await peerCalls();
  const bytes = await answerBytes();
  const before = threadCpu();
  const t0 = performance.now();
  let next = 1;
  const run = { create: put, read: get, listing: list }[op];
  await Promise.all(Array.from({ length: clients }, async () => {
    while (next <= ops) await run(next++, dir);
  }));
  const seconds = (performance.now() - t0) / 1000;
  const spent = [...threadCpu()].map(([k, v]) => [k, v - (before.get(k) ?? 0)] as const).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
  const total = spent.reduce((s, [, v]) => s + v, 0);
  const split = spent.map(([k, v]) => `${k} ${((1000 * v) / ops).toFixed(2)}`).join(", ");
  const after = await peerCalls();
  const bytesAfter = await answerBytes();
  const per = (a: Map<string, number>, b: Map<string, number>, m: string, digits: number) => (((a.get(m) ?? 0) - (b.get(m) ?? 0)) / ops).toFixed(digits);
  const perOp = COUNTED.map((m) => `${m} ${per(after, calls, m, 2)} (${per(bytesAfter, bytes, m, 0)} B)`).join(", ");
  console.log(
    `${label}: ${(ops / seconds).toFixed(1)} ${op === "create" ? "files" : `${op}s`}/s, ${((1000 * total) / ops).toFixed(2)} ms CPU per ${op} (${split}); ` +
      `peer calls (answers' bytes) per ${op}: ${perOp}; load ${loadavg()[0]!.toFixed(1)}`,
  );
}

try {
  await cluster.start();
  await phase("warm-up, 1 client", 1);
  for (let round = 0; round < 2; round++) {
    await phase("1 client", 1);
    await phase("16 clients", 16);
    await phase("reads, 16 clients", 16, "read");
    await phase(`${LISTINGS} listings of those files, 4 clients`, 4, "listing");
  }
} finally {
  await cluster.stop().catch(() => cluster.killNow());
  rmSync(root, { recursive: true, force: true });
}
