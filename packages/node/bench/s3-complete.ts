// The S3 Complete on its own: a multipart upload in 5 MiB parts, 4 at once (rclone's defaults), through node 1
// of 3 (RF 3, 4 MiB chunks), then CompleteMultipartUpload timed alone; each node's CPU seconds for both phases
// and node 1's peak RSS.
//   bun bench/s3-complete.ts [parts=205] [partMiB=5] [streams=4] [env JSON]   (205 parts: 1 GiB + 5 MiB;
//   awscli's defaults: 128 8 10; 10 GiB in rclone's: 2048 5 4, the run that shows the S3 node's peak RSS stays
//   bounded whatever the object's size; env: the nodes' extra variables, e.g. '{"MEMORY_LIMIT_MB":"0"}')
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import { z } from "zod";
import { startS3Cluster } from "../test/s3/s3-cluster.ts";
import { cpuSecondsOf } from "./compare/cpu-time.ts";
import { vmHwmMiB } from "./compare/systems/system.ts";

const MiB = 1024 * 1024;
const parts = Number(process.argv[2] ?? 205);
const PART = Number(process.argv[3] ?? 5) * MiB;
const streams = Number(process.argv[4] ?? 4);
const env = z.record(z.string(), z.string()).parse(JSON.parse(process.argv[5] ?? "{}"));
const { cluster, clients } = await startS3Cluster(3, { key: "bench-complete", secret: randomBytes(18).toString("base64url") }, { CHUNK_SIZE_MB: "4", LOG_LEVEL: "warn", ...env });
try {
  const s3 = clients[0]!;
  const pids = cluster.nodes.map((n) => n.proc!.pid);
  const cpu = () => pids.map((pid) => cpuSecondsOf(pid) ?? Number.NaN);
  const Bucket = "bench-complete";
  const Key = "large.bin";
  await s3.send(new CreateBucketCommand({ Bucket }));
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
  const base = randomBytes(PART);
  const etags: string[] = [];
  const cpu0 = cpu();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: streams }, async () => {
      for (let i = next++; i < parts; i = next++) {
        const Body = Buffer.from(base); // bytes of its own per part (the first four are its number)
        Body.writeUInt32BE(i, 0);
        etags[i] = (await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1, Body }))).ETag!;
      }
    }),
  );
  const t1 = performance.now();
  const cpu1 = cpu();
  await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } }));
  const t2 = performance.now();
  const cpu2 = cpu();
  const spent = (a: number[], b: number[]) => a.map((x, i) => (b[i]! - x).toFixed(2)).join(" / ");
  console.log(
    JSON.stringify({
      parts,
      env,
      partMiB: PART / MiB,
      streams,
      uploadS: ((t1 - t0) / 1000).toFixed(2),
      completeS: ((t2 - t1) / 1000).toFixed(2),
      cpuUpload: spent(cpu0, cpu1),
      cpuComplete: spent(cpu1, cpu2),
      peakRssMiB: pids.map((pid) => vmHwmMiB(pid)?.toFixed(0)).join(" / "),
      load: readFileSync("/proc/loadavg", "utf8").trim(),
    }),
  );
} finally {
  await cluster.stop();
}
