// The one client program of `pnpm bench --compare`, the same for every system: a Bun process that writes or
// reads through a FUSE mount (node:fs, synchronous calls: open, write, fsync, close) or through Orrery's files API
// (fetch, streamed PUT / GET). One process is one client; N clients are N processes started together.
//
// Protocol (so that start-up costs nothing): `bun client.ts '<job JSON>'` prepares (payload, expected hashes),
// prints `READY`, waits for `GO` on stdin, runs, prints `RESULT <json>` and exits. Times are epoch ms
// (performance.timeOrigin + now) so the coordinator can take the span over all clients.
import { closeSync, fsyncSync, openSync, readSync, writeSync } from "node:fs";
import { join } from "node:path";
import { hashedGet, streamedPut } from "../http-client.ts";
import { Payload } from "../payload.ts";
import { smallContent, smallName } from "./content.ts";

export type Target =
  /** A directory: a FUSE mount of a peer, or a plain ext4 directory for the ceiling. */
  | { kind: "fs"; dir: string }
  /**
   * HTTP base URLs (no trailing slash); file i is written through write[i % n] and read through read[i % n],
   * the large file through write[0] / read[0]. `query` is appended to writes (e.g. durability=all).
   */
  | { kind: "http"; write: string[]; read: string[]; query?: string };

/** Files first, first + step, … (count of them). */
export interface IndexRange {
  first: number;
  step: number;
  count: number;
}

export type ClientJob =
  | { op: "write-large"; target: Target; name: string; size: number; chunkSize: number; nonce: string }
  /** Without `sha256` only the length is checked (the ceiling's file). */
  | { op: "read-large"; target: Target; name: string; size: number; sha256?: string }
  | { op: "create-small"; target: Target; dir: string; files: IndexRange; fileSize: number; nonce: string }
  | { op: "read-small"; target: Target; dir: string; files: IndexRange; fileSize: number; nonce: string };

export interface ClientResult {
  ok: number;
  errors: number;
  errorSamples: string[];
  bytes: number;
  startMs: number;
  endMs: number;
  /** Per file, for the small-file jobs. */
  latenciesMs: number[];
  /** Of the large file: what was written (computed before GO), or what was read. */
  sha256?: string;
  /** The files API's answer to the large PUT (copies, chunks, …). */
  response?: unknown;
}

const PIECE = 1024 * 1024;
const epochNow = () => performance.timeOrigin + performance.now();
const indices = (r: IndexRange) => Array.from({ length: r.count }, (_, k) => r.first + k * r.step);
const pathOf = (dir: string, name: string) => (dir ? `${dir}/${name}` : name);
const urlOf = (base: string, path: string, query?: string) =>
  `${base}/${path.split("/").map(encodeURIComponent).join("/")}${query ? `?${query}` : ""}`;

function writeAll(fd: number, buf: Uint8Array): void {
  for (let off = 0; off < buf.byteLength; ) off += writeSync(fd, buf, off, buf.byteLength - off);
}

/** Prepares the job (untimed) and returns the timed part. */
export function prepare(job: ClientJob): () => Promise<ClientResult> {
  const result: ClientResult = { ok: 0, errors: 0, errorSamples: [], bytes: 0, startMs: 0, endMs: 0, latenciesMs: [] };
  const fail = (what: string, err: unknown) => {
    result.errors++;
    if (result.errorSamples.length < 5) result.errorSamples.push(`${what}: ${(err as Error).message ?? String(err)}`.slice(0, 300));
  };
  const t = job.target;

  if (job.op === "write-large") {
    const payload = new Payload({ size: job.size, chunkSize: job.chunkSize, nonce: job.nonce });
    result.sha256 = payload.sha256();
    return async () => {
      result.startMs = epochNow();
      try {
        if (t.kind === "fs") {
          const fd = openSync(join(t.dir, job.name), "w");
          try {
            for (const piece of payload.pieces()) {
              writeAll(fd, piece);
              result.bytes += piece.byteLength;
            }
            fsyncSync(fd);
          } finally {
            closeSync(fd);
          }
        } else {
          const put = await streamedPut(urlOf(t.write[0]!, job.name, t.query), payload.pieces());
          if (put.status !== 201) throw new Error(`HTTP ${put.status}: ${put.bodyText.slice(0, 300)}`);
          const body = put.body as { sha256?: string; size?: number };
          if (body.sha256 !== result.sha256 || body.size !== job.size) throw new Error(`stored ${body.size} bytes with sha256 ${body.sha256}, sent ${job.size} with ${result.sha256}`);
          result.bytes = put.bytesSent;
          result.response = put.body;
        }
        result.ok = 1;
      } catch (err) {
        fail(`write ${job.name}`, err);
      }
      result.endMs = epochNow();
      return result;
    };
  }

  if (job.op === "read-large") {
    return async () => {
      result.startMs = epochNow();
      try {
        if (t.kind === "fs") {
          const hasher = new Bun.CryptoHasher("sha256");
          const buf = new Uint8Array(PIECE);
          const fd = openSync(join(t.dir, job.name), "r");
          try {
            for (;;) {
              const n = readSync(fd, buf, 0, PIECE, null);
              if (n === 0) break;
              hasher.update(buf.subarray(0, n));
              result.bytes += n;
            }
          } finally {
            closeSync(fd);
          }
          result.sha256 = hasher.digest("hex");
        } else {
          const got = await hashedGet(urlOf(t.read[0]!, job.name));
          if (got.status !== 200) throw new Error(`HTTP ${got.status}`);
          result.bytes = got.bytes;
          result.sha256 = got.sha256;
        }
        if (result.bytes !== job.size || (job.sha256 !== undefined && result.sha256 !== job.sha256)) throw new Error(`read ${result.bytes} bytes with sha256 ${result.sha256}, expected ${job.size} with ${job.sha256}`);
        result.ok = 1;
      } catch (err) {
        fail(`read ${job.name}`, err);
      }
      result.endMs = epochNow();
      return result;
    };
  }

  // Small files: contents computed before GO, so the timed loop only does I/O.
  const files = indices(job.files).map((i) => ({ i, path: pathOf(job.dir, smallName(i)), bytes: smallContent(job.nonce, i, job.fileSize) }));
  const each = async (op: (f: (typeof files)[number]) => Promise<void> | void) => {
    result.startMs = epochNow();
    for (const f of files) {
      const t0 = performance.now();
      try {
        await op(f);
        result.latenciesMs.push(performance.now() - t0);
        result.ok++;
        result.bytes += f.bytes.byteLength;
      } catch (err) {
        fail(f.path, err);
      }
    }
    result.endMs = epochNow();
    return result;
  };

  if (job.op === "create-small") {
    if (t.kind === "fs") {
      return () =>
        each((f) => {
          const fd = openSync(join(t.dir, f.path), "wx");
          try {
            writeAll(fd, f.bytes);
            fsyncSync(fd);
          } finally {
            closeSync(fd);
          }
        });
    }
    return () =>
      each(async (f) => {
        const res = await fetch(urlOf(t.write[f.i % t.write.length]!, f.path, t.query), { method: "PUT", body: f.bytes });
        const text = await res.text();
        if (res.status !== 201) throw new Error(`HTTP ${res.status} ${text.slice(0, 200)}`);
      });
  }

  const check = (f: (typeof files)[number], got: Uint8Array) => {
    if (!Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(f.bytes)) throw new Error(`content differs (${got.byteLength} bytes)`);
  };
  if (t.kind === "fs") {
    const buf = new Uint8Array(job.fileSize + 1);
    return () =>
      each((f) => {
        const fd = openSync(join(t.dir, f.path), "r");
        let n = 0;
        try {
          for (let r = 1; r > 0 && n < buf.byteLength; n += r) r = readSync(fd, buf, n, buf.byteLength - n, null);
        } finally {
          closeSync(fd);
        }
        check(f, buf.subarray(0, n));
      });
  }
  return () =>
    each(async (f) => {
      const res = await fetch(urlOf(t.read[f.i % t.read.length]!, f.path));
      const body = new Uint8Array(await res.arrayBuffer());
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      check(f, body);
    });
}

async function waitForGo(): Promise<void> {
  const reader = Bun.stdin.stream().getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { done, value } = await reader.read();
    if (done) throw new Error("stdin closed before GO");
    text += new TextDecoder().decode(value);
  }
  if (text.trim() !== "GO") throw new Error(`expected GO, got ${JSON.stringify(text)}`);
}

if (import.meta.main) {
  try {
    const job = JSON.parse(process.argv[2] ?? "") as ClientJob;
    const run = prepare(job);
    process.stdout.write("READY\n");
    await waitForGo();
    const result = await run();
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
    process.exit(0);
  } catch (err) {
    process.stdout.write(`FAIL ${(err as Error).message}\n`);
    process.exit(1);
  }
}
