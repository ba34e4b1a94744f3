#!/usr/bin/env bun
// CPU per small object through S3 beside the files API's: a local 3-node cluster (RF 3, quorum) whose node 1
// serves S3; phases of N 4 KiB objects, each into a fresh folder, all to node 1: the files API with 16 clients,
// `aws s3 sync` of a directory (the tool's defaults: 10 at once), the AWS SDK's PutObject 10 at once, and (top)
// `aws s3 sync` into a new bucket's top level, (resync) the last sync again with nothing changed, (copy) the SDK's
// CopyObject of the SDK phase's objects into a fresh folder, (list) 20 ListObjectsV2 of the SDK phase's folder,
// and (delete) DeleteObject of the copies. Per phase: the nodes' CPU per object or listing (summed, and node 1's
// by thread kind; the queued third copies included), the same less what idle nodes spend in as long (measured
// first, 10 s: a slower client pays more of it), the client's CPU, node 1's peak RSS in the phase (VmHWM reset
// before it), the peer calls per object and their answers' bytes. Figures a
// loaded machine disturbs less than files/s. Usage: `bun bench/s3-sync-cpu.ts [N=1000] [rounds=2]
// [phases=warm,files,sync,sdk; also top, resync, copy, list, delete]` (warm: an untimed sync first, loading the S3 API);
// CPU_PROF_DIR=dir profiles the nodes (name one phase to profile it alone).
import { CopyObjectCommand, DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../test/harness/ports.ts";
import { BenchCluster } from "./cluster.ts";
import { smallContent, smallName } from "./compare/content.ts";
import { vmHwmMiB } from "./compare/systems/system.ts";
import { peerAnswerBytes, peerCalls, threadCpu } from "./node-counters.ts";

const n = Number(process.argv[2] ?? 1000);
const rounds = Number(process.argv[3] ?? 2);
const only = new Set((process.argv[4] ?? "warm,files,sync,sdk").split(","));
if (!Number.isInteger(n) || n < 1 || !Number.isInteger(rounds) || rounds < 1) throw new Error("usage: bun bench/s3-sync-cpu.ts [N=1000] [rounds=2]");
// Only the phases that run awscli need it (the SDK phases run without).
const needsAws = ["warm", "sync", "resync", "top"].some((p) => only.has(p));
const AWS = ["/usr/bin/aws", Bun.which("aws")].find((bin) => bin && existsSync(bin) && /^aws-cli\/2\./.test(Bun.spawnSync([bin, "--version"]).stdout.toString()));
if (needsAws && !AWS) throw new Error("needs the aws CLI 2.x (sh scripts/system-deps.sh compare)");

const root = mkdtempSync(join(tmpdir(), "orrery-s3-sync-cpu-"));
const creds = { key: "benchsync", secret: randomBytes(24).toString("base64url") };
const s3Port = await freePort();
const cluster = new BenchCluster({ root, size: 3, env: { REPLICATION_FACTOR: "3", LOG_LEVEL: "warn" }, cpuProfDir: process.env.CPU_PROF_DIR, log: () => {} });
const endpoint = `http://127.0.0.1:${s3Port}`;
const BUCKET = "bench";

const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

async function mkdir(path: string): Promise<void> {
  const res = await fetch(`${cluster.nodes[0]!.url}/api/mkdir`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ path: `/${path}` }) });
  if (!res.ok) throw new Error(`mkdir /${path}: HTTP ${res.status} ${await res.text()}`);
}

async function filesApi(dir: string, nonce: string): Promise<number> {
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    for (let i = next++; i < n; i = next++) {
      const res = await fetch(`${cluster.nodes[0]!.url}/api/files/${dir}/${smallName(i)}?durability=quorum`, { method: "PUT", body: smallContent(nonce, i, 4096) });
      if (res.status !== 201) throw new Error(`PUT: HTTP ${res.status} ${await res.text()}`);
    }
  }));
  return 0;
}

/** The source directory and destination of the last sync, which `resync` runs again. */
let lastSync: { src: string; dir: string } | undefined;

/** `aws s3 sync` of N files in a fresh directory (`bucket/folder`, or a bucket's top level); the client's CPU seconds. */
async function awsSync(dir: string, nonce: string): Promise<number> {
  const src = join(root, `src-${nonce}`);
  mkdirSync(src);
  for (let i = 0; i < n; i++) writeFileSync(join(src, smallName(i)), smallContent(nonce, i, 4096));
  if (lastSync) rmSync(lastSync.src, { recursive: true, force: true });
  lastSync = { src, dir };
  return runSync(src, dir);
}

/** The last sync once more, nothing changed: awscli lists the destination and uploads nothing. */
async function resync(): Promise<number> {
  if (!lastSync) throw new Error("resync follows a sync phase");
  return runSync(lastSync.src, lastSync.dir);
}

async function runSync(src: string, dir: string): Promise<number> {
  const proc = Bun.spawn([AWS!, "--endpoint-url", endpoint, "s3", "sync", "--no-progress", "--only-show-errors", src, `s3://${dir}/`], {
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: creds.key,
      AWS_SECRET_ACCESS_KEY: creds.secret,
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_CONFIG_FILE: join(root, "no-aws-config"),
      AWS_SHARED_CREDENTIALS_FILE: join(root, "no-aws-credentials"),
      AWS_PAGER: "",
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const code = await proc.exited;
  if (code !== 0) throw new Error(`aws s3 sync exited ${code}: ${await new Response(proc.stderr).text()}`);
  const usage = proc.resourceUsage();
  return usage ? Number(usage.cpuTime.total) / 1e6 : Number.NaN;
}

const sdk = new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: creds.key, secretAccessKey: creds.secret }, maxAttempts: 1 });
function sdkPuts(dir: string, nonce: string): Promise<number> {
  written.sdk = dir;
  return sdkTen((i) => sdk.send(new PutObjectCommand({ Bucket: BUCKET, Key: keyIn(dir, i), Body: smallContent(nonce, i, 4096) })));
}

/** The folder the last SDK phase wrote to, and the last copy phase's: what `copy` copies and `delete` deletes. */
const written: { sdk?: string; copy?: string } = {};
const keyIn = (dir: string, i: number) => `${dir.slice(BUCKET.length + 1)}/${smallName(i)}`;

/** N requests, 10 at once, through the SDK; the client's CPU seconds. */
async function sdkTen(request: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t = process.cpuUsage();
  await Promise.all(Array.from({ length: 10 }, async () => {
    for (let i = next++; i < n; i = next++) await request(i);
  }));
  const used = process.cpuUsage(t);
  return (used.user + used.system) / 1e6;
}

/** CopyObject of each object the last SDK phase wrote, into a fresh folder, 10 at once. */
function sdkCopies(dir: string): Promise<number> {
  const from = written.sdk;
  if (!from) throw new Error("copy follows an sdk phase");
  written.copy = dir;
  return sdkTen((i) => sdk.send(new CopyObjectCommand({ Bucket: BUCKET, Key: keyIn(dir, i), CopySource: `${BUCKET}/${keyIn(from, i)}` })));
}

/** DeleteObject of each copy the last copy phase made, 10 at once. */
function sdkDeletes(): Promise<number> {
  const from = written.copy;
  if (!from) throw new Error("delete follows a copy phase");
  return sdkTen((i) => sdk.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: keyIn(from, i) })));
}

/** ListObjectsV2 of the last SDK phase's folder (one page of its N keys, read at quorum), LISTINGS times, one at a time. */
const LISTINGS = 20;
async function sdkListings(): Promise<number> {
  const from = written.sdk;
  if (!from) throw new Error("list follows an sdk phase");
  const t = process.cpuUsage();
  for (let i = 0; i < LISTINGS; i++) {
    const page = await sdk.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${keyIn(from, 0).split("/")[0]}/`, MaxKeys: 1000 }));
    if (page.KeyCount !== Math.min(n, 1000)) throw new Error(`ListObjectsV2: ${page.KeyCount} keys, not ${Math.min(n, 1000)}`);
  }
  const used = process.cpuUsage(t);
  return (used.user + used.system) / 1e6;
}

let phases = 0;
async function phase(label: string, run: (dir: string, nonce: string) => Promise<number>, ops = n, unit = "object"): Promise<void> {
  const nonce = `${process.pid}-${phases}`;
  // A phase into a bucket's top level (`top`) gets a bucket of its own.
  const dir = label.includes("top level") ? `top${phases++}` : `${BUCKET}/p${phases++}`;
  if (run !== resync && run !== sdkDeletes && run !== sdkListings) await mkdir(dir); // the folder exists before the phase: its files are what is measured
  const pids = cluster.nodes.map((node) => node.pid);
  writeFileSync(`/proc/${pids[0]}/clear_refs`, "5"); // node 1's VmHWM from here
  const calls = await peerCalls(cluster.nodes.map((node) => node.url));
  const bytes = await peerAnswerBytes(cluster.nodes.map((node) => node.url));
  const before = pids.map(threadCpu);
  const t0 = performance.now();
  const clientCpu = await run(dir, nonce);
  const seconds = (performance.now() - t0) / 1000;
  // The third copies a quorum write leaves queued are part of what an object costs: waited out, untimed.
  await cluster.waitFor(async () => (await cluster.statuses()).every((s) => s.queue.depth === 0), 300_000, "empty replication queues");
  const after = pids.map(threadCpu);
  const span = (performance.now() - t0) / 1000;
  const per = (s: number) => ((1000 * s) / ops).toFixed(2);
  const nodeCpu = after.map((m, k) => total(m) - total(before[k]!));
  const split = [...after[0]!].map(([k, v]) => [k, v - (before[0]!.get(k) ?? 0)] as const).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
  const now = await peerCalls(cluster.nodes.map((node) => node.url));
  const perOp = [...now].filter(([m, c]) => c > (calls.get(m) ?? 0)).map(([m, c]) => `${m} ${((c - (calls.get(m) ?? 0)) / ops).toFixed(2)}`).join(", ");
  const answered = await peerAnswerBytes(cluster.nodes.map((node) => node.url));
  const bytesPerOp = [...answered].filter(([m, b]) => b > (bytes.get(m) ?? 0)).map(([m, b]) => `${m} ${((b - (bytes.get(m) ?? 0)) / ops).toFixed(0)}`).join(", ");
  console.log(
    `${label}: ${(ops / seconds).toFixed(1)} ${unit}s/s; ms CPU per ${unit}: nodes ${per(nodeCpu.reduce((a, b) => a + b, 0))} (${nodeCpu.map(per).join(" / ")}; ` +
      `${per(nodeCpu.reduce((a, b) => a + b, 0) - idlePerSecond * span)} beyond what idle nodes spend in ${span.toFixed(1)} s), ` +
      `client ${per(clientCpu)}; node 1 by thread: ${split.map(([k, v]) => `${k} ${per(v)}`).join(", ")}; node 1 peak RSS ${vmHwmMiB(pids[0]!)?.toFixed(0)} MiB; ` +
      `peer calls per ${unit}: ${perOp}; their answers' bytes per ${unit}: ${bytesPerOp}; load ${loadavg()[0]!.toFixed(1)}`,
  );
}

/** The nodes' CPU seconds per second while nobody asks them anything (gossip, the background workers). */
let idlePerSecond = 0;
async function idle(seconds: number): Promise<void> {
  const pids = cluster.nodes.map((node) => node.pid);
  const before = pids.map((pid) => total(threadCpu(pid)));
  await Bun.sleep(seconds * 1000);
  idlePerSecond = pids.reduce((sum, pid, k) => sum + total(threadCpu(pid)) - before[k]!, 0) / seconds;
  console.log(`idle: the nodes spend ${(1000 * idlePerSecond).toFixed(1)} ms CPU per second together; load ${loadavg()[0]!.toFixed(1)}`);
}

try {
  await cluster.addNode([], { S3_PORT: String(s3Port), S3_CREDENTIALS: `${creds.key}:${creds.secret}` });
  for (let k = 1; k < 3; k++) await cluster.addNode(cluster.nodes.map((node) => node.gossipAddr), { S3_PORT: "0" });
  await cluster.waitForMembers(3);
  await cluster.waitForQuorumReads();
  await mkdir(BUCKET);
  if (only.has("warm")) await phase("warm-up (aws s3 sync)", awsSync);
  await idle(10);
  for (let r = 0; r < rounds; r++) {
    if (only.has("files")) await phase("files API, 16 clients", filesApi);
    if (only.has("sync")) await phase("aws s3 sync", awsSync);
    if (only.has("resync")) await phase("aws s3 sync again, nothing changed", resync);
    if (only.has("sdk")) await phase("SDK PutObject, 10 at once", sdkPuts);
    if (only.has("copy")) await phase("SDK CopyObject of those, 10 at once", sdkCopies);
    if (only.has("list")) await phase(`SDK ListObjectsV2 of those, ${LISTINGS} in a row`, sdkListings, LISTINGS, "listing");
    if (only.has("delete")) await phase("SDK DeleteObject of the copies, 10 at once", sdkDeletes);
    if (only.has("top")) await phase("aws s3 sync to a bucket's top level", awsSync);
  }
} finally {
  await cluster.stop().catch(() => cluster.killNow());
  rmSync(root, { recursive: true, force: true });
}
