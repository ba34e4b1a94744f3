// The machine's own ceilings, measured in the same run as Orrery: (a) raw sequential write + fsync to the data
// disk (one writer, and three at once), (b) a plain Bun.serve PUT to disk and (c) a plain Bun.serve GET of a file.
import type { Subprocess } from "bun";
import { open, rm } from "node:fs/promises";
import { join } from "node:path";
import { hashedGet, streamedPut, throttled } from "./http-client.ts";
import { dropPageCache } from "./page-cache.ts";
import type { Payload } from "./payload.ts";
import { MiB, mbps } from "./stats.ts";

const PKG = join(import.meta.dir, "..");
const BLOCK = 4 * MiB;

export interface Throughput {
  bytes: number;
  ms: number;
  mbps: number | null;
}

export interface Ceilings {
  /** (a) sequential write in 4 MiB blocks, fsync after every block. */
  diskWrite: Throughput;
  /** (a3) the same by three writers at once (as three nodes sharing this disk do), total bytes over wall time. */
  diskWriteParallel: Throughput | null;
  /** (b) Bun.serve PUT, streamed to one file, fsync every 4 MiB. */
  httpPut: Throughput | null;
  httpPutError?: string;
  /** (c) Bun.serve GET of a file from disk (Bun.file), page cache warm. */
  httpGetWarm: Throughput | null;
  /** (c) the same after dropping the page cache; null with a reason when that was not possible. */
  httpGetCold: Throughput | null;
  httpGetColdReason?: string;
}

/** The baseline HTTP server child process; stopped by its PID. */
export class CeilingServer {
  private proc: Subprocess<"ignore", "pipe", "pipe"> | undefined;
  url = "";

  async start(dir: string): Promise<void> {
    this.proc = Bun.spawn([process.execPath, "bench/ceiling-server.ts", dir], {
      cwd: PKG,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const reader = this.proc.stdout.getReader();
    let text = "";
    const deadline = Date.now() + 15_000;
    while (!text.includes("\n")) {
      if (Date.now() > deadline) throw new Error("ceiling server did not report its port");
      const { done, value } = await reader.read();
      if (done) throw new Error(`ceiling server exited: ${await new Response(this.proc.stderr).text()}`);
      text += new TextDecoder().decode(value);
    }
    reader.releaseLock();
    const port = Number(text.trim().split("\n")[0]);
    if (!Number.isInteger(port) || port <= 0) throw new Error(`ceiling server printed ${JSON.stringify(text)}`);
    this.url = `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill("SIGTERM");
    const t = setTimeout(() => this.proc?.kill("SIGKILL"), 5000);
    await this.proc.exited;
    clearTimeout(t);
  }

  killNow(): void {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill("SIGKILL");
  }
}

const through = (bytes: number, ms: number): Throughput => ({ bytes, ms, mbps: mbps(bytes, ms) });

/** (a): what the disk takes when written the way Orrery must write (fsync per 4 MiB). */
export async function diskWriteCeiling(path: string, size: number, payload: Payload): Promise<Throughput> {
  const t0 = performance.now();
  const { bytes, endMs } = await writeBlocks(path, size, payload, 0);
  return through(bytes, endMs - t0);
}

/** (a3): `writers` files written at once, `size` bytes in all, each in 4 MiB blocks with an fsync after every block. */
export async function parallelDiskWriteCeiling(dir: string, size: number, writers: number, payload: Payload): Promise<Throughput> {
  const each = Math.max(BLOCK, Math.floor(size / writers / BLOCK) * BLOCK);
  const t0 = performance.now();
  const done = await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      const path = join(dir, `disk-ceiling-${w}.bin`);
      try {
        return await writeBlocks(path, each, payload, w * 7);
      } finally {
        await rm(path, { force: true });
      }
    }),
  );
  // rm is cheap next to the writes but not free: time stops when the last writer has fsynced.
  return through(done.reduce((a, b) => a + b.bytes, 0), Math.max(...done.map((d) => d.endMs)) - t0);
}

async function writeBlocks(path: string, size: number, payload: Payload, firstBlock: number): Promise<{ bytes: number; endMs: number }> {
  const handle = await open(path, "w");
  let written = 0;
  try {
    for (let i = firstBlock; written < size; i++) {
      const block = payload.poolBlock(i, Math.min(BLOCK, size - written));
      let off = 0;
      while (off < block.byteLength) off += (await handle.write(block, off, block.byteLength - off)).bytesWritten;
      await handle.sync();
      written += block.byteLength;
    }
    return { bytes: written, endMs: performance.now() };
  } finally {
    await handle.close();
  }
}

export async function measureCeilings(
  dir: string,
  size: number,
  payload: Payload,
  server: CeilingServer,
  log: (line: string) => void,
): Promise<Ceilings> {
  const progress = (what: string) =>
    throttled(5000, (bytes, ms) => log(`  ${what}: ${(bytes / MiB).toFixed(0)} MiB, ${mbps(bytes, ms)?.toFixed(0)} MB/s`));

  log(`ceiling (a): sequential write of ${size / MiB} MiB, fsync per 4 MiB block`);
  const rawFile = join(dir, "disk-ceiling.bin");
  const diskWrite = await diskWriteCeiling(rawFile, size, payload);
  log(`  ${diskWrite.mbps?.toFixed(1)} MB/s`);

  log(`ceiling (a3): the same, ${size / MiB} MiB in all by 3 writers at once`);
  const diskWriteParallel = await parallelDiskWriteCeiling(dir, size, 3, payload);
  log(`  ${diskWriteParallel.mbps?.toFixed(1)} MB/s`);

  await server.start(dir);
  const result: Ceilings = { diskWrite, diskWriteParallel, httpPut: null, httpGetWarm: null, httpGetCold: null };
  try {
    log("ceiling (c): Bun.serve GET of that file, cold then warm");
    const drop = dropPageCache();
    if (drop.ok) {
      const cold = await hashedGet(`${server.url}/disk-ceiling.bin`, progress("cold GET"));
      if (cold.status !== 200 || cold.bytes !== size) throw new Error(`ceiling GET: ${cold.status}, ${cold.bytes} bytes`);
      result.httpGetCold = through(cold.bytes, cold.ms);
      log(`  cold ${result.httpGetCold.mbps?.toFixed(1)} MB/s`);
    } else {
      result.httpGetColdReason = drop.reason;
      log(`  cold: skipped (${drop.reason})`);
    }
    const warm = await hashedGet(`${server.url}/disk-ceiling.bin`, progress("warm GET"));
    if (warm.status !== 200 || warm.bytes !== size) throw new Error(`ceiling GET: ${warm.status}, ${warm.bytes} bytes`);
    result.httpGetWarm = through(warm.bytes, warm.ms);
    log(`  warm ${result.httpGetWarm.mbps?.toFixed(1)} MB/s`);
    await rm(rawFile, { force: true });

    log(`ceiling (b): Bun.serve PUT of ${size / MiB} MiB (streamed, fsync per 4 MiB)`);
    const put = await streamedPut(`${server.url}/put-ceiling.bin`, payload.pieces(), progress("PUT"));
    const stored = (put.body as { size?: number } | undefined)?.size;
    if (put.status !== 201 || stored !== size) {
      result.httpPutError = `status ${put.status}, stored ${stored} of ${size} bytes: ${put.bodyText.slice(0, 200)}`;
      log(`  failed: ${result.httpPutError}`);
    } else {
      result.httpPut = through(size, put.ms);
      log(`  ${result.httpPut.mbps?.toFixed(1)} MB/s`);
    }
  } finally {
    await server.stop();
    await rm(rawFile, { force: true });
    await rm(join(dir, "put-ceiling.bin"), { force: true });
  }
  return result;
}
