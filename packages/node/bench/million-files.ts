// The many-files benchmark (issue 14): N small files created at quorum through every node of a G-node cluster by
// C clients, `--big` of them in one folder; then that folder listed (first page, and page by page to the end),
// every node's peak RSS and database size, and the figures projected linearly to 10 M files.
//   bun bench/million-files.ts [--files 1000000] [--nodes 5] [--clients 16] [--big 100000] [--size 1024] [--json F]
// A million files take about an hour on a 2-core host; `--files 20000 --big 5000` is a quick look.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { ResponseOf } from "@orrery/api";
import { BenchCluster } from "./cluster.ts";
import { latencySummary } from "./stats.ts";

const { values } = parseArgs({
  options: {
    files: { type: "string", default: "1000000" },
    nodes: { type: "string", default: "5" },
    clients: { type: "string", default: "16" },
    big: { type: "string", default: "100000" },
    size: { type: "string", default: "1024" },
    json: { type: "string" },
  },
});
const int = (name: keyof typeof values, min: number, max: number): number => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`--${name}: a whole number from ${min} to ${max}; got ${values[name]}`);
    process.exit(2);
  }
  return n;
};
const files = int("files", 1, 100_000_000);
const nodes = int("nodes", 1, 100);
const clients = int("clients", 1, 1024);
const big = Math.min(int("big", 0, 100_000_000), files);
const size = int("size", 8, 16 * 1024 * 1024);
/** The other files spread over folders of at most this many entries. */
const FOLDER = 1000;

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;
const dbBytes = (dir: string) => ["orrery.db", "orrery.db-wal"].reduce((n, f) => n + (statSync(join(dir, f), { throwIfNoEntry: false })?.size ?? 0), 0);
const pathOf = (i: number) => (i < big ? `big/f${i}` : `d${Math.floor((i - big) / FOLDER)}/f${i}`);

const root = mkdtempSync(join(tmpdir(), "million-files-"));
const cluster = new BenchCluster({ root, size: nodes, env: { REPLICATION_FACTOR: "3", LOG_LEVEL: "warn" }, log: (l) => console.log(l) });
try {
  await cluster.start();
  const pids = cluster.nodes.map((n) => n.pid);
  const peak = pids.map(rssMiB);
  const sampler = setInterval(() => pids.forEach((p, i) => (peak[i] = Math.max(peak[i]!, rssMiB(p)))), 1000);

  // Creates: each client takes the next index; file i goes through node i mod G; its bytes start with i.
  let next = 0;
  let failed = 0;
  const t0 = performance.now();
  const latencies: number[] = [];
  const progress = setInterval(() => {
    const s = (performance.now() - t0) / 1000;
    console.log(`${next} / ${files} files, ${(next / s).toFixed(0)} files/s, peak RSS ${Math.max(...peak).toFixed(0)} MiB, ${failed} failed`);
  }, 10_000);
  const body = new Uint8Array(size);
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < files; i = next++) {
        new DataView(body.buffer).setFloat64(0, i);
        const t = performance.now();
        const res = await fetch(`${cluster.nodes[i % nodes]!.url}/api/files/${pathOf(i)}?durability=quorum`, { method: "PUT", body });
        await res.arrayBuffer();
        if (res.status !== 201) failed++;
        latencies.push(performance.now() - t);
      }
    }),
  );
  clearInterval(progress);
  const createS = (performance.now() - t0) / 1000;

  // The big folder, listed through a node that wrote a fifth of it: the first page, then every page.
  const lister = cluster.nodes[nodes > 1 ? 1 : 0]!;
  const page = async (after?: string) => {
    const res = await fetch(`${lister.url}/api/files/big/?limit=1000${after ? `&after=${encodeURIComponent(after)}` : ""}`);
    if (!res.ok) throw new Error(`listing big/: ${res.status} ${await res.text()}`);
    return (await res.json()) as Extract<ResponseOf<"getFile">, { kind: "dir" }>;
  };
  const tFirst = performance.now();
  let listing = await page();
  const firstPageMs = performance.now() - tFirst;
  let listed = listing.entries.length;
  while (listing.more) {
    listing = await page(listing.entries.at(-1)!.name);
    listed += listing.entries.length;
  }
  const fullListingMs = performance.now() - tFirst;
  clearInterval(sampler);

  const db = cluster.nodes.map((n) => dbBytes(n.dataDir));
  const perFile = (bytes: number) => bytes / files;
  const result = {
    files,
    nodes,
    clients,
    fileBytes: size,
    failed,
    createsPerSecond: files / createS,
    createLatencyMs: latencySummary(latencies.sort((a, b) => a - b)),
    bigFolder: { entries: big, listed, firstPageMs, fullListingMs },
    peakRssMiB: peak,
    databaseBytes: db,
    projectedTo10M: {
      databaseGiBPerNode: (perFile(Math.max(...db)) * 10_000_000) / 2 ** 30,
      createHours: 10_000_000 / (files / createS) / 3600,
    },
  };
  console.log(JSON.stringify(result, null, 2));
  if (values.json) writeFileSync(values.json, JSON.stringify(result, null, 2));
  if (failed > 0 || listed !== big) process.exitCode = 1;
} finally {
  await cluster.stop();
  rmSync(root, { recursive: true, force: true });
}
