// Cold reads of one large file via a node that did not write it (3 nodes, page cache dropped before each read):
// MB/s, the reading node's CPU seconds (in all and by thread: the JS thread, the thread pool, the collector's
// helper, the JIT), minor page faults and peak RSS; and the write before them (each node's CPU seconds and peak RSS). Not part of `pnpm bench`: a quick check of
// the read path's memory (READ_AHEAD_CHUNKS, the collector's RAM size). Needs root (drop_caches).
//   bun bench/cold-reads.ts [MiB=512] ['{"BUN_JSC_forceRAMSize":"536870912"}']
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { BenchCluster } from "./cluster.ts";
import { threadCpu } from "./node-counters.ts";
import { streamedPut } from "./http-client.ts";
import { Payload } from "./payload.ts";
const sizeMiB = Number(process.argv[2] ?? 512);
const env = JSON.parse(process.argv[3] ?? "{}") as Record<string, string>;
const stat = (pid: number) => { const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" "); return { cpu: (Number(f[11]) + Number(f[12])) / 100, minflt: Number(f[7]) }; };
const rss = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;
const root = mkdtempSync(join(tmpdir(), "cold-reads-"));
const cluster = new BenchCluster({ root, size: 3, env: { REPLICATION_FACTOR: "3", LOG_LEVEL: "warn", ...env }, idPrefix: "r", log: () => {} });
try {
  await cluster.start();
  await Bun.sleep(1500);
  const pids = cluster.nodes.map((n) => n.proc!.pid);
  const peakUp = pids.map(rss);
  const iu = setInterval(() => pids.forEach((p, i) => (peakUp[i] = Math.max(peakUp[i]!, rss(p)))), 20);
  const cpu0 = pids.map((p) => stat(p).cpu);
  const t0 = performance.now();
  const r = await streamedPut(`${cluster.nodes[0]!.url}/api/files/x.bin?durability=all`, new Payload({ size: sizeMiB << 20, chunkSize: 4 << 20, nonce: `p${Date.now()}` }).pieces());
  clearInterval(iu);
  if (r.status !== 201) throw new Error(String(r.status));
  const cpuUp = pids.map((p, i) => (stat(p).cpu - cpu0[i]!).toFixed(2));
  console.log(`write ${((sizeMiB * 1.048576) / ((performance.now() - t0) / 1000)).toFixed(1)} MB/s, nodes' CPU ${cpuUp.join(" / ")} s, peak RSS ${peakUp.map((x) => x.toFixed(0)).join(" / ")}`);
  const pid = pids[1]!;
  for (let rep = 0; rep < 3; rep++) {
    Bun.spawnSync(["sync"]); writeFileSync("/proc/sys/vm/drop_caches", "3");
    const a = stat(pid);
    const threadsBefore = threadCpu(pid);
    let peak = rss(pid);
    const iv = setInterval(() => (peak = Math.max(peak, rss(pid))), 20);
    const t1 = performance.now();
    const res = await fetch(`${cluster.nodes[1]!.url}/api/files/x.bin`);
    let n = 0;
    for await (const c of res.body!) n += c.byteLength;
    const s = (performance.now() - t1) / 1000;
    clearInterval(iv);
    const b = stat(pid);
    const threads = [...threadCpu(pid)].map(([k, v]) => [k, v - (threadsBefore.get(k) ?? 0)] as const).filter(([, v]) => v >= 0.01);
    const split = threads.sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(", ");
    console.log(`read ${((n / 1e6) / s).toFixed(1)} MB/s, node CPU ${(b.cpu - a.cpu).toFixed(2)} s (${split}), minflt ${b.minflt - a.minflt}, peak RSS ${peak.toFixed(0)} MiB, load ${loadavg()[0]!.toFixed(1)}`);
  }
} finally {
  await cluster.stop();
  rmSync(root, { recursive: true, force: true });
}
