#!/usr/bin/env bun
// What range anti-entropy costs an idle cluster, in counts (no timings): five nodes (RF 3, 768 virtual nodes
// each, as a node runs) holding the same rows in SQLite stores on disk, their ManifestRangeSync passes run over
// the in-memory peer RPC (the same code and JSON bodies as over TCP), one whole cycle of passes (every node's
// every arc compared once) with cold digest caches, then a second, idle one. Per node and pass: digest calls,
// row calls, JSON bytes both ways, rows read from the index for digests, digest parts computed and found cached;
// then the same after a trickle of writes (on every owner), and after 1,000 writes held by one owner each. Usage: `bun bench/range-sync-cost.ts [rows=100000] [folders=1000]`.
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testMember } from "../src/membership/test-member.ts";
import { SqliteManifestStore } from "../src/metadata/sqlite-manifest-store.ts";
import { ManifestRangeSync, type RangeSyncStats } from "../src/replication/manifest-range-sync.ts";
import { Placement } from "../src/replication/placement.ts";
import { loadHash64 } from "../src/ring/index.ts";
import { MemoryNetwork } from "../src/rpc/memory-rpc.ts";
import { quiet } from "../src/rpc/peer-rpc.case.ts";
import { openDatabase } from "../src/store/db.ts";
import { getAnswer } from "../src/replication/manifest-answers.ts";
import type { JsonHandlers } from "../src/rpc/methods.ts";
import { MemoryChunkStore } from "../src/store/memory-chunk-store.ts";
import { seedDatabase, smallFile } from "./range-sync-seed.ts";

const ROWS = Number(process.argv[2] ?? 100_000);
const FOLDERS = Number(process.argv[3] ?? 1000);
const IDS = ["n1", "n2", "n3", "n4", "n5"];

const hash = await loadHash64();

/** Range sync's handlers, looked up when called (the sync is made after its RPC endpoint). */
function lazy(handlers: () => JsonHandlers): JsonHandlers {
  const names = ["manifests.rangeDigests", "manifests.rangeKeys", "manifests.rangeRows"] as const;
  return Object.fromEntries(names.map((m) => [m, (f: string, b: never) => (handlers()[m] as (f: string, b: never) => unknown)(f, b)]));
}
const root = mkdtempSync(join(tmpdir(), "orrery-range-cost-"));
try {
  // One database written once, copied to every node: the same rows at the same versions (a converged cluster).
  const writer = seedDatabase(join(root, "seed.db"), ROWS, FOLDERS, hash);

  const net = new MemoryNetwork();
  const nodes = IDS.map((id) => {
    copyFileSync(join(root, "seed.db"), join(root, `${id}.db`));
    const db = openDatabase(join(root, `${id}.db`));
    const store = new SqliteManifestStore(db, id, Date.now, { hash });
    const placement = new Placement(3, hash, 768);
    placement.update(IDS.map((m) => testMember(m)));
    let sync: ManifestRangeSync | undefined;
    const rpc = net.register(id, {
      store: new MemoryChunkStore({ maxChunkSize: 64 }),
      handlers: { ...lazy(() => sync!.handlers()), "manifests.get": (_f, b) => getAnswer(store, b) },
    });
    sync = new ManifestRangeSync({ intervalMs: 10_000 }, { selfId: id, manifests: store, placement, rpc, log: quiet });
    return { id, store, sync, db };
  });

  const arcs = nodes.map((n) => n.sync.ownedArcs().length);
  const passesPerCycle = Math.max(...nodes.map((n) => n.sync.passesPerCycle()));
  console.log(`${ROWS} rows in ${FOLDERS} folders on each of ${IDS.length} nodes (RF 3, 768 vnodes); owned arcs per node: ${arcs.join(", ")}; passes per cycle: ${passesPerCycle}`);

  type Counters = RangeSyncStats & { rowsScanned: number; partsComputed: number; partsCached: number };
  const counters = (): Counters[] => nodes.map((n) => ({ ...n.sync.stats, ...n.store.rangeDigestStats() }));
  const cycle = async (label: string) => {
    const before = counters();
    for (let p = 0; p < passesPerCycle; p++) for (const n of nodes) await n.sync.pass();
    const after = counters();
    const keys = ["digestCalls", "keyCalls", "keysReceived", "rowCalls", "rowsReceived", "bytesSent", "bytesReceived", "rowsScanned", "partsComputed", "partsCached"] as const;
    const perNode = Object.fromEntries(keys.map((k) => [k, after.reduce((sum, a, i) => sum + a[k] - before[i]![k], 0) / nodes.length]));
    const perPass = Object.fromEntries(Object.entries(perNode).map(([k, v]) => [k, Math.round((v / passesPerCycle) * 10) / 10]));
    console.log(`${label}: per node per cycle ${JSON.stringify(perNode)}`);
    console.log(`${label}: per node per pass  ${JSON.stringify(perPass)}`);
  };
  await cycle("cycle 1 (cold caches)");
  await cycle("cycle 2 (idle)");
  // A trickle: 100 writes on one node, pushed to their owners as a write does (here: applied to each owner).
  const owners = new Placement(3, hash, 768);
  owners.update(IDS.map((m) => testMember(m)));
  for (let i = 0; i < 100; i++) {
    const row = writer.commitLocal(smallFile(`d${(i * 7) % FOLDERS}/new${i}`, 2));
    for (const id of owners.manifestOwners(row.path)) nodes.find((n) => n.id === id)!.store.apply([row]);
  }
  await cycle("cycle 3 (after 100 writes)");
  await cycle("cycle 4 (idle)");
  // Divergence: 1,000 writes each held by one owner only (the pushes to the other two lost).
  for (let i = 0; i < 1000; i++) {
    const row = writer.commitLocal(smallFile(`d${(i * 13) % FOLDERS}/lost${i}`, 3));
    nodes.find((n) => n.id === owners.manifestOwners(row.path)[i % 3])!.store.apply([row]);
  }
  const lost = Array.from({ length: 1000 }, (_, i) => `d${(i * 13) % FOLDERS}/lost${i}`);
  const lacking = () => lost.reduce((sum, path) => sum + owners.manifestOwners(path).filter((id) => nodes.find((n) => n.id === id)!.store.get(path, "file") === undefined).length, 0);
  // Cycles until every owner holds every row (each pass within its budget), the totals per node over all of them.
  const start = counters();
  let cycles = 0;
  while (lacking() > 0 && cycles < 50) {
    for (let p = 0; p < passesPerCycle; p++) for (const n of nodes) await n.sync.pass();
    cycles++;
  }
  const end = counters();
  const total = (k: "digestCalls" | "keyCalls" | "keysReceived" | "rowCalls" | "rowsReceived" | "bytesSent" | "bytesReceived" | "rowsScanned") =>
    Math.round(end.reduce((sum, a, i) => sum + a[k] - start[i]![k], 0) / nodes.length);
  console.log(`repair of 2,000 missing owner copies: ${cycles} cycles (${cycles * passesPerCycle} passes a node), ${lacking()} still missing; per node: ` +
    JSON.stringify(Object.fromEntries((["digestCalls", "keyCalls", "keysReceived", "rowCalls", "rowsReceived", "bytesSent", "bytesReceived", "rowsScanned"] as const).map((k) => [k, total(k)]))));
  await cycle("the next cycle (idle)");
  for (const n of nodes) {
    n.store.close();
    n.db.close();
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
