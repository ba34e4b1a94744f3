// Peak resident memory of three nodes while K uploads run at once through the first (the shape of an S3
// client with its parts in flight), and their throughput. Not part of `pnpm bench`: a quick check of the
// upload pool (UPLOAD_MEMORY_MB) and the memory governor (MEMORY_LIMIT_MB).
//   bun bench/parallel-uploads.ts [K=10] [MiB each=64] ['{"UPLOAD_MEMORY_MB":"64"}']
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BenchCluster } from "./cluster.ts";
import { streamedPut } from "./http-client.ts";
import { Payload } from "./payload.ts";

const k = Number(process.argv[2] ?? 10);
const sizeMiB = Number(process.argv[3] ?? 64);
const env = JSON.parse(process.argv[4] ?? "{}") as Record<string, string>;
if (!(Number.isInteger(k) && k > 0 && k <= 64 && sizeMiB > 0)) throw new Error("usage: bun bench/parallel-uploads.ts [K 1-64] [MiB each] [env JSON]");

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;
const root = mkdtempSync(join(tmpdir(), "parallel-uploads-"));
const cluster = new BenchCluster({ root, size: 3, env: { REPLICATION_FACTOR: "3", LOG_LEVEL: "warn", ...env }, idPrefix: "p", log: () => {} });
try {
  await cluster.start();
  const pids = cluster.nodes.map((n) => n.proc!.pid);
  const idle = pids.map(rssMiB);
  const peak = [...idle];
  const sampler = setInterval(() => pids.forEach((p, i) => (peak[i] = Math.max(peak[i]!, rssMiB(p)))), 50);
  const t0 = performance.now();
  const puts = await Promise.all(
    Array.from({ length: k }, (_, i) =>
      streamedPut(
        `${cluster.nodes[0]!.url}/api/files/parallel/${i}.bin?durability=quorum`,
        new Payload({ size: sizeMiB << 20, chunkSize: 4 << 20, nonce: `p${i}-${Date.now()}` }).pieces(),
      ),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const failed = puts.filter((p) => p.status !== 201);
  for (const f of failed) console.error(`HTTP ${f.status}: ${f.bodyText.slice(0, 500)}`);
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(" / ");
  console.log(
    `${k} × ${sizeMiB} MiB through ${cluster.nodes[0]!.id}: ${((k * sizeMiB * 1.048576) / seconds).toFixed(1)} MB/s, ` +
      `${k - failed.length} of ${k} stored; RSS MiB (coordinator / replicas) idle ${fmt(idle)}, peak ${fmt(peak)}`,
  );
  if (failed.length > 0) process.exitCode = 1;
} finally {
  await cluster.stop();
  rmSync(root, { recursive: true, force: true });
}
