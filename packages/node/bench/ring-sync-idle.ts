#!/usr/bin/env bun
// What the ring trackers cost an idle cluster in gossip: five real node processes (RF 3, no rows) left idle once
// their boot's rings are retired; per node, the sealed gossip bytes and datagrams sent per second
// (orrery_gossip_bytes_total / orrery_gossip_datagrams_total, direction "sent"), and the member record's size.
// `--src=DIR` runs DIR/src/main.ts instead (another checkout: the figure before the trackers). Usage:
// `bun bench/ring-sync-idle.ts [idle seconds=120] [--src=DIR]` (ORRERY_TEST_PORTS=lo-hi picks ports there).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BenchCluster } from "./cluster.ts";

const args = process.argv.slice(2);
const src = args.find((a) => a.startsWith("--src="))?.slice("--src=".length);
const IDLE_S = Number(args.find((a) => !a.startsWith("--")) ?? 120);
const SIZE = 5;

const root = mkdtempSync(join(tmpdir(), "orrery-ring-idle-"));
const cluster = new BenchCluster({
  root,
  size: SIZE,
  env: { REPLICATION_FACTOR: "3", S3_PORT: "0", TLS: "off", LOG_LEVEL: "warn" },
  log: (line) => console.log(line),
  ...(src ? { command: [process.execPath, join(src, "src/main.ts")] } : {}),
});

/** A counter's series with direction="sent" from a node's /metrics, summed (datagrams are per message type too). */
async function sent(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const lines = text.split("\n").filter((l) => l.startsWith(`${name}{`) && l.includes('direction="sent"'));
  if (lines.length === 0) throw new Error(`${url}/metrics has no ${name}{direction="sent"}`);
  return lines.reduce((n, l) => n + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
}

try {
  await cluster.start();
  // Past the boot: every node has announced the ring synced (older builds announce nothing and are given the
  // same time, then a minute more for the announcements' gossip to die down).
  const settled = async () => (await Promise.all(cluster.live().map((n) => n.health()))).every((h) => !h.ringSync || (h.ringSync.synced === h.ringSync.version && h.ringSync.replacedRings === 0));
  const formed = performance.now();
  await cluster.waitFor(settled, 300_000, "every node to announce its ring synced", 1000);
  console.log(`every node's ring synced (or no trackers) ${((performance.now() - formed) / 1000).toFixed(0)} s after the cluster formed`);
  await Bun.sleep(60_000);
  const read = () => Promise.all(cluster.live().map(async (n) => ({ bytes: await sent(n.url, "orrery_gossip_bytes_total"), datagrams: await sent(n.url, "orrery_gossip_datagrams_total") })));
  const before = await read();
  const started = performance.now();
  await Bun.sleep(IDLE_S * 1000);
  const after = await read();
  const seconds = (performance.now() - started) / 1000;
  const rates = after.map((a, i) => ({ bytes: (a.bytes - before[i]!.bytes) / seconds, datagrams: (a.datagrams - before[i]!.datagrams) / seconds }));
  rates.forEach((r, i) => console.log(`n${i + 1}: ${r.bytes.toFixed(0)} B/s, ${r.datagrams.toFixed(2)} datagrams/s sent`));
  const mean = rates.reduce((n, r) => n + r.bytes, 0) / rates.length;
  const health = await Promise.all(cluster.live().map((n) => n.health()));
  const rings = health.map((h) => (h.ringSync ? `${h.ringSync.synced ?? "none"} (${h.ringSync.bySync} by sync, ${h.ringSync.byAge} by age)` : "no trackers"));
  console.log(`mean ${mean.toFixed(0)} B/s per node over ${seconds.toFixed(0)} s idle; announced: ${[...new Set(rings)].join(", ")}`);
} finally {
  await cluster.stop();
  rmSync(root, { recursive: true, force: true });
}
