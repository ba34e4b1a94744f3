// ad-hoc: peak RSS of the coordinator for K parallel uploads (not committed)
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BenchCluster } from "./cluster.ts";
import { Payload } from "./payload.ts";
import { streamedPut } from "./http-client.ts";

const k = Number(process.argv[2] ?? 10);
const sizeMiB = Number(process.argv[3] ?? 64);
const extraEnv = JSON.parse(process.argv[4] ?? "{}");
const status = (pid: number, key: string) => Number(readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`${key}:\\s+(\\d+)`))![1]) / 1024;
const root = mkdtempSync(join(tmpdir(), "rss-"));
const cluster = new BenchCluster({ root, size: 3, env: { REPLICATION_FACTOR: "3", LOG_LEVEL: "warn", ...extraEnv }, idPrefix: "r", log: () => {} });
await cluster.start();
await Bun.sleep(1500);
const pids = cluster.nodes.map((n) => n.proc!.pid);
const base = pids.map((p) => status(p, "VmRSS"));
let peak = pids.map(() => 0);
const sampler = setInterval(() => { peak = pids.map((p, i) => Math.max(peak[i]!, status(p, "VmRSS"))); }, 50);
const t0 = performance.now();
const res = await Promise.all(Array.from({ length: k }, (_, i) =>
  streamedPut(`${cluster.nodes[0]!.url}/api/files/p${i}.bin?durability=quorum`, new Payload({ size: sizeMiB << 20, chunkSize: 4 << 20, nonce: `n${i}${Math.random()}` } as any).pieces())));
const ms = performance.now() - t0;
clearInterval(sampler);
console.log(JSON.stringify({ k, sizeMiB, statuses: [...new Set(res.map((r) => r.status))], MBps: +((k * sizeMiB * 1.048576) / (ms / 1000)).toFixed(1), baseRss: base.map(Math.round), peakRss: peak.map(Math.round), hwm: pids.map((p) => Math.round(status(p, "VmHWM"))) }));
await cluster.stop();
