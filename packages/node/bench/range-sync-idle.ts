#!/usr/bin/env bun
// Range anti-entropy on an idle cluster of real node processes, in counts read from each node's /api/health
// (`rangeSync`): five nodes (RF 3) whose data dirs start with the same rows (a converged cluster), left idle
// after their first cycle; per node and pass, the digest calls, key and row calls, JSON bytes both ways, rows
// read for digests, digest parts computed and found cached. Usage:
// `bun bench/range-sync-idle.ts [rows=100000] [folders=1000] [idle seconds=240]` (ORRERY_TEST_PORTS=lo-hi picks ports there).
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NodeHealth } from "./cluster.ts";
import { BenchCluster } from "./cluster.ts";
import { loadHash64 } from "../src/ring/index.ts";
import { seedDatabase } from "./range-sync-seed.ts";

const ROWS = Number(process.argv[2] ?? 100_000);
const FOLDERS = Number(process.argv[3] ?? 1000);
const IDLE_S = Number(process.argv[4] ?? 240);
const SIZE = 5;

const root = mkdtempSync(join(tmpdir(), "orrery-range-idle-"));
const cluster = new BenchCluster({
  root,
  size: SIZE,
  env: { REPLICATION_FACTOR: "3", S3_PORT: "0", TLS: "off", LOG_LEVEL: "warn" },
  log: (line) => console.log(line),
});
try {
  seedDatabase(join(root, "seed.db"), ROWS, FOLDERS, await loadHash64());
  for (let i = 1; i <= SIZE; i++) {
    mkdirSync(join(root, `n${i}`), { recursive: true });
    copyFileSync(join(root, "seed.db"), join(root, `n${i}`, "orrery.db"));
  }
  await cluster.start();
  type Sync = NodeHealth["rangeSync"];
  const counts = async (): Promise<Sync[]> => Promise.all(cluster.live().map(async (n) => (await n.health()).rangeSync));
  // The first cycle (four passes a node, one per co-owner) reads each node's owned rows into the digest cache.
  await cluster.waitFor(async () => (await counts()).every((c) => c.passes >= 4), 300_000, "every node's first cycle", 2000);
  const before = await counts();
  console.log(`${ROWS} rows in ${FOLDERS} folders; after the first cycle: ${JSON.stringify(before.map((c) => ({ passes: c.passes, rowsScanned: c.rowsScanned })))}`);
  await Bun.sleep(IDLE_S * 1000);
  const after = await counts();
  const keys = ["digestCalls", "keyCalls", "rowCalls", "rowsReceived", "bytesSent", "bytesReceived", "rowsScanned", "partsComputed", "partsCached"] as const;
  after.forEach((a, i) => {
    const b = before[i]!;
    const passes = a.passes - b.passes;
    const perPass = Object.fromEntries(keys.map((k) => [k, passes === 0 ? 0 : Math.round(((a[k] - b[k]) / passes) * 10) / 10]));
    console.log(`n${i + 1}: ${passes} passes in ${IDLE_S} s idle; per pass ${JSON.stringify(perPass)}`);
  });
} finally {
  await cluster.stop();
  rmSync(root, { recursive: true, force: true });
}
