// What is measured on the Orrery cluster: one large streamed upload (until 201, and until all three copies of
// every chunk are on disk), its download (cold and warm, hash-checked), and many 4 KiB files PUT and GET.
import type { BenchCluster, BenchNode } from "./cluster.ts";
import { hashedGet, streamedPut, throttled } from "./http-client.ts";
import { dropPageCache } from "./page-cache.ts";
import type { Payload } from "./payload.ts";
import { type LatencySummary, latencySummary, MiB, mbps, opsPerSec } from "./stats.ts";

type Log = (line: string) => void;

const progress = (log: Log, what: string, total: number) =>
  throttled(5000, (bytes, ms) =>
    log(`  ${what}: ${(bytes / MiB).toFixed(0)}/${(total / MiB).toFixed(0)} MiB, ${mbps(bytes, ms)?.toFixed(0)} MB/s so far`),
  );

// ---- large file: upload ----

export interface UploadResult {
  node: string;
  path: string;
  bytes: number;
  sha256: string;
  chunks: number;
  /** Start of the request → 201. */
  ackMs: number;
  ackMBps: number | null;
  /** Start of the request → every chunk file on every node and all replication queues empty. */
  durableMs: number | null;
  durableMBps: number | null;
  durableError?: string;
  /** As the 201 said: fewest durable copies of any chunk, and copies left to the queue. */
  copiesAtAck: number;
  queuedAtAck: number;
}

interface PutResponse {
  sha256: string;
  size: number;
  chunks: string[];
  copies: number;
  queued: number;
}

export async function uploadLarge(
  cluster: BenchCluster,
  node: BenchNode,
  path: string,
  payload: Payload,
  expectedSha: string,
  log: Log,
  onAck: () => void,
): Promise<UploadResult> {
  const size = payload.spec.size;
  const url = `${node.url}/api/files/${path}?durability=quorum`;
  const t0 = performance.now();
  const put = await streamedPut(url, payload.pieces(), progress(log, "upload", size));
  onAck();
  if (put.status !== 201) throw new Error(`upload to ${node.id}: HTTP ${put.status}: ${put.bodyText.slice(0, 500)}`);
  const body = put.body as PutResponse;
  if (body.size !== size) throw new Error(`upload: node stored ${body.size} bytes, sent ${size}`);
  if (body.sha256 !== expectedSha) throw new Error(`upload: node computed sha256 ${body.sha256}, the payload's is ${expectedSha}`);
  const result: UploadResult = {
    node: node.id,
    path,
    bytes: size,
    sha256: body.sha256,
    chunks: body.chunks.length,
    ackMs: put.ms,
    ackMBps: mbps(size, put.ms),
    durableMs: null,
    durableMBps: null,
    copiesAtAck: body.copies,
    queuedAtAck: body.queued,
  };
  log(`  201 after ${(put.ms / 1000).toFixed(1)} s: ${result.ackMBps?.toFixed(1)} MB/s; copies at ack ≥ ${body.copies}, queued ${body.queued}`);

  const ids = [...new Set(body.chunks)];
  const timeoutMs = Math.max(300_000, (size / 5e6) * 1000);
  let lastReport = 0;
  try {
    await cluster.waitFor(async () => {
      const statuses = await cluster.statuses();
      const depth = statuses.reduce((s, st) => s + st.queue.depth, 0);
      const have = cluster.nodes.map((n) => {
        const files = n.chunkFiles();
        return ids.filter((id) => files.has(id)).length;
      });
      if (performance.now() - lastReport > 5000) {
        lastReport = performance.now();
        log(`  waiting for 3 copies: queue depth ${depth}, chunk files ${have.map((h, i) => `${cluster.nodes[i]!.id} ${h}/${ids.length}`).join(", ")}`);
      }
      return depth === 0 && have.every((h) => h === ids.length);
    }, timeoutMs, "all copies of every chunk", 100);
    result.durableMs = performance.now() - t0;
    result.durableMBps = mbps(size, result.durableMs);
    log(`  all 3 copies durable after ${(result.durableMs / 1000).toFixed(1)} s: ${result.durableMBps?.toFixed(1)} MB/s`);
  } catch (err) {
    result.durableError = (err as Error).message;
    log(`  durability not reached: ${result.durableError}`);
  }
  return result;
}

// ---- large file: download ----

export interface DownloadRun {
  node: string;
  bytes: number;
  ms: number;
  mbps: number | null;
  headersMs: number;
  sha256Ok: boolean;
}

export interface DownloadResult {
  warm: DownloadRun;
  cold: DownloadRun | null;
  coldReason?: string;
}

async function downloadOnce(node: BenchNode, path: string, size: number, sha: string, log: Log, what: string): Promise<DownloadRun> {
  const got = await hashedGet(`${node.url}/api/files/${path}`, progress(log, what, size));
  if (got.status !== 200) throw new Error(`download from ${node.id}: HTTP ${got.status}`);
  const run: DownloadRun = {
    node: node.id,
    bytes: got.bytes,
    ms: got.ms,
    mbps: mbps(got.bytes, got.ms),
    headersMs: got.headersMs,
    sha256Ok: got.bytes === size && got.sha256 === sha,
  };
  log(`  ${what}: ${run.mbps?.toFixed(1)} MB/s, first headers after ${got.headersMs.toFixed(0)} ms, sha256 ${run.sha256Ok ? "ok" : `MISMATCH (${got.bytes} bytes, ${got.sha256})`}`);
  return run;
}

/** Cold (page cache dropped) first, then warm: the cold read leaves every chunk cached for the warm one. */
export async function downloadLarge(
  node: BenchNode,
  path: string,
  size: number,
  sha: string,
  log: Log,
  phase: (name: string) => void,
): Promise<DownloadResult> {
  phase("download cold");
  const drop = dropPageCache();
  let cold: DownloadRun | null = null;
  let coldReason: string | undefined;
  if (drop.ok) cold = await downloadOnce(node, path, size, sha, log, `cold GET from ${node.id}`);
  else {
    coldReason = drop.reason;
    log(`  cold read skipped: ${drop.reason}`);
  }
  phase("download warm");
  const warm = await downloadOnce(node, path, size, sha, log, `warm GET from ${node.id}`);
  return { warm, cold, ...(coldReason ? { coldReason } : {}) };
}

// ---- small files ----

export interface OpsResult {
  count: number;
  ok: number;
  errors: number;
  errorSamples: string[];
  ms: number;
  opsPerSec: number | null;
  latency: LatencySummary;
}

export interface SmallFilesResult {
  fileSize: number;
  concurrency: number;
  put: OpsResult;
  /** After the last PUT: until every node lists every file and all replication queues are empty. */
  settleMs: number | null;
  settleError?: string;
  get: OpsResult;
}

/** Runs op(0..count-1) with `concurrency` workers; per-op latency from request start to body fully read. */
async function runPool(count: number, concurrency: number, op: (i: number) => Promise<void>): Promise<OpsResult> {
  let next = 0;
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const t = performance.now();
      try {
        await op(i);
        latencies.push(performance.now() - t);
      } catch (err) {
        errors++;
        if (errorSamples.length < 5) errorSamples.push(`#${i}: ${(err as Error).message}`.slice(0, 300));
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const ms = performance.now() - t0;
  return { count, ok: latencies.length, errors, errorSamples, ms, opsPerSec: opsPerSec(latencies.length, ms), latency: latencySummary(latencies) };
}

export async function smallFiles(
  cluster: BenchCluster,
  dir: string,
  count: number,
  concurrency: number,
  log: Log,
  phase: (name: string) => void,
): Promise<SmallFilesResult> {
  const FILE_SIZE = 4096;
  const nodes = cluster.nodes;
  const files = Array.from({ length: count }, () => crypto.getRandomValues(new Uint8Array(FILE_SIZE)));
  const name = (i: number) => `${dir}/f${String(i).padStart(6, "0")}`;

  // The directory exists everywhere first, so the PUTs measure files, not concurrent parent creation.
  const mk = await fetch(`${nodes[0]!.url}/api/mkdir`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ path: `/${dir}` }),
  });
  if (!mk.ok) throw new Error(`mkdir /${dir}: HTTP ${mk.status} ${await mk.text()}`);
  await cluster.waitFor(async () => {
    const res = await Promise.all(
      nodes.map(async (n) => {
        const r = await fetch(`${n.url}/api/files/${dir}/`);
        await r.arrayBuffer();
        return r.status;
      }),
    );
    return res.every((s) => s === 200);
  }, 60_000, `/${dir} on every node`);
  const baseline = (await cluster.statuses()).map((s) => s.files.files);

  phase("small PUT");
  log(`  PUT ${count} × 4 KiB at concurrency ${concurrency}, round-robin over ${nodes.length} nodes`);
  const put = await runPool(count, concurrency, async (i) => {
    const res = await fetch(`${nodes[i % nodes.length]!.url}/api/files/${name(i)}?durability=quorum`, { method: "PUT", body: files[i] });
    const text = await res.text();
    if (res.status !== 201) throw new Error(`PUT ${name(i)}: HTTP ${res.status} ${text.slice(0, 200)}`);
  });
  log(`  ${put.opsPerSec?.toFixed(0)} PUT/s, p50 ${put.latency.p50Ms?.toFixed(1)} ms, p99 ${put.latency.p99Ms?.toFixed(1)} ms, ${put.errors} errors`);

  phase("small settle");
  const t0 = performance.now();
  let settleMs: number | null = null;
  let settleError: string | undefined;
  try {
    await cluster.waitFor(async () => {
      const st = await cluster.statuses();
      return st.every((s, k) => s.files.files >= baseline[k]! + put.ok && s.queue.depth === 0);
    }, 120_000, "every node to list every small file with empty queues");
    settleMs = performance.now() - t0;
    log(`  every node has every file and empty queues after ${settleMs.toFixed(0)} ms`);
  } catch (err) {
    settleError = (err as Error).message;
    log(`  not settled: ${settleError}`);
  }

  phase("small GET");
  // Read from the node after the writer, so a read is never just the writer's own fresh manifest.
  log(`  GET ${count} × 4 KiB at concurrency ${concurrency}, each from a node other than its writer`);
  const get = await runPool(count, concurrency, async (i) => {
    const res = await fetch(`${nodes[(i + 1) % nodes.length]!.url}/api/files/${name(i)}`);
    const body = new Uint8Array(await res.arrayBuffer());
    if (res.status !== 200) throw new Error(`GET ${name(i)}: HTTP ${res.status} ${new TextDecoder().decode(body).slice(0, 200)}`);
    if (!Buffer.from(body).equals(files[i]!)) throw new Error(`GET ${name(i)}: content differs from what was PUT`);
  });
  log(`  ${get.opsPerSec?.toFixed(0)} GET/s, p50 ${get.latency.p50Ms?.toFixed(1)} ms, p99 ${get.latency.p99Ms?.toFixed(1)} ms, ${get.errors} errors`);

  return { fileSize: FILE_SIZE, concurrency, put, settleMs, ...(settleError ? { settleError } : {}), get };
}
