#!/usr/bin/env bun
// CPU seconds per GiB of a large write, per node and per thread kind (the JS thread, the thread pool, the rest),
// and each node's peak RSS: a local 3-node cluster (RF 3, 4 MiB chunks), R streamed uploads of S MiB through node
// 1 at `durability=all` (every copy fsynced before the 201), one after another. CPU per GiB is a figure that a
// loaded machine disturbs much less than MB/s. Not part of `pnpm bench`: the check for issue 11's write CPU.
//   bun bench/write-cpu.ts [S MiB=1024] [R=1] ['{"ENV":"value"}']   (CPU_PROF_DIR=dir: profiles; STRACE_DIR=dir:
//   each node's system calls during the uploads counted by `strace -c -f`, one file per node; READ=N: then the first
//   file read back N times through node 2, with that node's CPU per GiB and peak RSS over the reads; chunk files are
//   written and read around the page cache, so these reads are cold for the chunks' bytes)
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { BenchCluster } from "./cluster.ts";
import { hashedGet, streamedPut } from "./http-client.ts";
import { threadCpu } from "./node-counters.ts";
import { Payload } from "./payload.ts";

const sizeMiB = Number(process.argv[2] ?? 1024);
const reps = Number(process.argv[3] ?? 1);
const env = z.record(z.string(), z.string()).parse(JSON.parse(process.argv[4] ?? "{}"));
if (!(Number.isInteger(sizeMiB) && sizeMiB > 0 && Number.isInteger(reps) && reps > 0)) {
  throw new Error("usage: bun bench/write-cpu.ts [S MiB] [R] [env JSON]");
}

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;
/** JS thread (its user and its kernel time), thread pool ("Bun Pool #"), everything else (JIT, GC helpers, allocator). */
function byKind(pid: number): { js: number; jsSys: number; pool: number; other: number; faults: number; threads: Map<string, number> } {
  const threads = threadCpu(pid);
  const whole = readFileSync(`/proc/${pid}/stat`, "utf8");
  // minflt, the process's minor page faults (each a first touch of a page: ~11 µs on these VMs).
  const faults = Number(whole.slice(whole.lastIndexOf(")") + 2).split(" ")[7]);
  const out = { js: 0, jsSys: 0, pool: 0, other: 0, faults, threads };
  let all = 0;
  for (const [name, s] of threads) {
    all += s;
    if (name.startsWith("Bun Pool")) out.pool += s;
  }
  // The JS thread is the one whose id is the process's.
  const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  out.js = Number(fields[11]) / 100;
  out.jsSys = Number(fields[12]) / 100;
  out.other = all - out.js - out.jsSys - out.pool;
  return out;
}

const root = mkdtempSync(join(tmpdir(), "orrery-write-cpu-"));
const cluster = new BenchCluster({
  root,
  size: 3,
  env: { REPLICATION_FACTOR: "3", CHUNK_SIZE_MB: "4", LOG_LEVEL: "warn", ...env },
  cpuProfDir: process.env.CPU_PROF_DIR,
  idPrefix: "w",
  log: () => {},
});
try {
  await cluster.start();
  const pids = cluster.nodes.map((n) => n.proc!.pid);
  const peak = pids.map(rssMiB);
  const sampler = setInterval(() => pids.forEach((p, i) => (peak[i] = Math.max(peak[i]!, rssMiB(p)))), 50);
  const load0 = loadavg()[0]!;
  const straceDir = process.env.STRACE_DIR;
  const tracers = straceDir ? pids.map((pid, i) => Bun.spawn(["strace", "-c", "-f", "-o", join(straceDir, `w${i + 1}.txt`), "-p", String(pid)], { stderr: "ignore" })) : [];
  if (tracers.length > 0) await Bun.sleep(1000); // attached to every thread before the first byte
  const before = pids.map(byKind);
  const t0 = performance.now();
  for (let r = 0; r < reps; r++) {
    const put = await streamedPut(
      `${cluster.nodes[0]!.url}/api/files/write-cpu/${r}.bin?durability=all`,
      new Payload({ size: sizeMiB << 20, chunkSize: 4 << 20, nonce: `w${r}-${Date.now()}` }).pieces(),
    );
    if (put.status !== 201) throw new Error(`PUT: HTTP ${put.status} ${put.bodyText.slice(0, 500)}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  const after = pids.map(byKind);
  for (const t of tracers) t.kill("SIGINT");
  await Promise.all(tracers.map((t) => t.exited));
  clearInterval(sampler);
  const gib = (sizeMiB * reps) / 1024;
  let read: { mbPerS: number; cpuSecondsPerGiB: number; peakRssMiB: number } | undefined;
  const readReps = Number(process.env.READ ?? 0);
  if (readReps > 0) {
    const reader = pids[1]!;
    let readPeak = rssMiB(reader);
    const readSampler = setInterval(() => (readPeak = Math.max(readPeak, rssMiB(reader))), 50);
    const c0 = byKind(reader);
    let ms = 0;
    for (let r = 0; r < readReps; r++) {
      const got = await hashedGet(`${cluster.nodes[1]!.url}/api/files/write-cpu/0.bin`);
      if (got.status !== 200 || got.bytes !== sizeMiB << 20) throw new Error(`GET: HTTP ${got.status}, ${got.bytes} bytes`);
      ms += got.ms;
    }
    clearInterval(readSampler);
    const c1 = byKind(reader);
    const cpu = c1.js + c1.jsSys + c1.pool + c1.other - (c0.js + c0.jsSys + c0.pool + c0.other);
    const readGiB = (readReps * sizeMiB) / 1024;
    read = { mbPerS: +((readReps * sizeMiB * 1.048576) / (ms / 1000)).toFixed(1), cpuSecondsPerGiB: +(cpu / readGiB).toFixed(2), peakRssMiB: Math.round(readPeak) };
  }
  const perGiB = after.map((a, i) => {
    const b = before[i]!;
    const js = (a.js - b.js) / gib;
    const jsSys = (a.jsSys - b.jsSys) / gib;
    const pool = (a.pool - b.pool) / gib;
    const other = (a.other - b.other) / gib;
    const r = (x: number) => +x.toFixed(2);
    // The busiest threads besides the JS thread and the pool, by name (JIT, GC helpers, the HTTP server's).
    const busiest = [...a.threads]
      .map(([name, s]) => [name, (s - (b.threads.get(name) ?? 0)) / gib] as const)
      .filter(([name, s]) => s >= 0.05 && !name.startsWith("Bun Pool"))
      .sort((x, y) => y[1] - x[1])
      .slice(0, 5)
      .map(([name, s]) => `${name} ${s.toFixed(2)}`);
    const faultsPerGiB = Math.round((a.faults - b.faults) / gib);
    return { total: r(js + jsSys + pool + other), jsUser: r(js), jsSys: r(jsSys), pool: r(pool), other: r(other), faultsPerGiB, busiest };
  });
  console.log(
    JSON.stringify({
      sizeMiB,
      reps,
      env,
      mbPerS: +((sizeMiB * reps * 1.048576) / seconds).toFixed(1),
      cpuSecondsPerGiB: { writer: perGiB[0], replicas: perGiB.slice(1) },
      peakRssMiB: peak.map((x) => Math.round(x)),
      ...(read ? { read } : {}),
      load: [+load0.toFixed(2), +loadavg()[0]!.toFixed(2)],
    }),
  );
} finally {
  await cluster.stop();
  rmSync(root, { recursive: true, force: true });
}
