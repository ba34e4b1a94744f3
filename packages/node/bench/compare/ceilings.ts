// The machine's ceilings, measured in the same run and on the same disk as the systems, before they start:
// the disk's 4 MiB write+fsync rate (÷ 3: three copies share this one disk), ext4 creates of 4 KiB files with
// an fsync each (by the same client program as the systems, 1 and N clients), and a plain Bun.serve GET of the
// large file (cold) and of 4 KiB files (N clients, cold), again by the same client program.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { CeilingServer, diskWriteCeiling } from "../ceilings.ts";
import { dropPageCache } from "../page-cache.ts";
import { Payload } from "../payload.ts";
import type { ClientJob } from "./client.ts";
import { runClients } from "./clients.ts";
import { ceilingFigure, type CompareReport } from "./report.ts";
import { FILE_SIZE, quiesce, splitFiles, type WorkloadContext } from "./workloads.ts";
import type { CeilingId, Sizes } from "./workload-ids.ts";

/** `server` is the caller's, so that an interrupted run can stop it. */
export async function measureCeilings(
  ctx: WorkloadContext,
  server: CeilingServer,
  reps: number,
  sizes: Sizes,
  wanted: Set<CeilingId>,
): Promise<CompareReport["ceilings"]> {
  const dir = join(ctx.root, "ceilings");
  mkdirSync(dir, { recursive: true });
  const out: CompareReport["ceilings"] = {};
  const cold = () => {
    if (!ctx.dropCaches) return "page cache not dropped (--no-drop-caches): warm";
    const r = dropPageCache();
    if (!r.ok) throw new Error(`cannot drop the page cache: ${r.reason} (run as root, or pass --no-drop-caches)`);
    return undefined;
  };
  const large = join(dir, "disk-ceiling.bin");

  if (wanted.has("diskWriteThird") || wanted.has("httpGetLargeCold")) {
    const payload = new Payload({ size: ctx.size, chunkSize: ctx.chunkSize, nonce: `${ctx.nonce}-ceiling` });
    const values: (number | null)[] = [];
    for (let r = 0; r < reps; r++) {
      quiesce();
      const t = await diskWriteCeiling(large, ctx.size, payload);
      values.push(t.mbps === null ? null : t.mbps / 3);
      ctx.log(`  disk 4 MiB write+fsync: ${t.mbps?.toFixed(1)} MB/s (÷ 3 = ${(t.mbps! / 3).toFixed(1)})`);
    }
    out.diskWriteThird = ceilingFigure("diskWriteThird", "MB/s", values, sizes);
  }

  if (wanted.has("httpGetLargeCold")) {
    await server.start(dir);
    try {
      const values: (number | null)[] = [];
      let note: string | undefined;
      for (let r = 0; r < reps; r++) {
        note = cold();
        const g = await runClients([{ op: "read-large", target: { kind: "http", write: [server.url], read: [server.url] }, name: "disk-ceiling.bin", size: ctx.size }], ctx.own, 600_000);
        if (g.errors) throw new Error(`Bun.serve GET: ${g.errorSamples.join("; ")}`);
        values.push(g.mbps);
        ctx.log(`  Bun.serve GET ${(ctx.size / 2 ** 20).toFixed(0)} MiB${note ? "" : " cold"}: ${g.mbps?.toFixed(1)} MB/s`);
      }
      out.httpGetLargeCold = ceilingFigure("httpGetLargeCold", "MB/s", values, sizes, note);
    } finally {
      await server.stop();
    }
  }
  rmSync(large, { force: true });

  let lastManyDir: { dir: string; nonce: string } | undefined;
  for (const [id, clients] of [
    ["ext4Create1", 1],
    ["ext4CreateN", sizes.clients],
  ] as const) {
    if (!wanted.has(id) && !(id === "ext4CreateN" && wanted.has("httpGetSmall"))) continue;
    const values: (number | null)[] = [];
    for (let r = 0; r < reps; r++) {
      const nonce = `${ctx.nonce}-ceiling-${id}-${r}`;
      const sub = join(dir, `${id}-${r}`);
      mkdirSync(sub);
      quiesce();
      const jobs: ClientJob[] = splitFiles(ctx.smallCount, clients).map((files) => ({ op: "create-small", target: { kind: "fs", dir: sub }, dir: "", files, fileSize: FILE_SIZE, nonce }));
      const g = await runClients(jobs, ctx.own, 300_000);
      if (g.errors) throw new Error(`ext4 creates: ${g.errorSamples.join("; ")}`);
      values.push(g.opsPerSec);
      ctx.log(`  ext4 creates, fsync each, ${clients} client(s): ${g.opsPerSec?.toFixed(0)}/s`);
      if (id === "ext4CreateN") lastManyDir = { dir: sub, nonce };
    }
    if (wanted.has(id)) out[id] = ceilingFigure(id, "files/s", values, sizes);
  }

  if (wanted.has("httpGetSmall") && lastManyDir) {
    await server.start(lastManyDir.dir);
    try {
      const values: (number | null)[] = [];
      let note: string | undefined;
      for (let r = 0; r < reps; r++) {
        note = cold();
        const jobs: ClientJob[] = splitFiles(ctx.smallCount, sizes.clients).map((files) => ({
          op: "read-small",
          target: { kind: "http", write: [server.url], read: [server.url] },
          dir: "",
          files,
          fileSize: FILE_SIZE,
          nonce: lastManyDir!.nonce,
        }));
        const g = await runClients(jobs, ctx.own, 300_000);
        if (g.errors) throw new Error(`Bun.serve GET 4 KiB: ${g.errorSamples.join("; ")}`);
        values.push(g.opsPerSec);
        ctx.log(`  Bun.serve GET 4 KiB, ${sizes.clients} clients: ${g.opsPerSec?.toFixed(0)}/s`);
      }
      out.httpGetSmall = ceilingFigure("httpGetSmall", "files/s", values, sizes, note);
    } finally {
      await server.stop();
    }
  }
  return out;
}
