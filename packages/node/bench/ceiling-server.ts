// The plain-Bun baseline, run as its own process like a node: PUT /<name> streams the body to DIR/<name>
// (1 MiB writes, fsync every 4 MiB as Orrery does per chunk), GET /<name> serves DIR/<name> with Bun.file.
// Usage: bun bench/ceiling-server.ts DIR — prints the port it listens on (127.0.0.1) as its first stdout line.
import { open } from "node:fs/promises";
import { join } from "node:path";

const WRITE_SIZE = 1024 * 1024;
const SYNC_EVERY = 4 * 1024 * 1024;
const NAME = /^[A-Za-z0-9._-]{1,128}$/;

const dir = process.argv[2];
if (!dir) {
  process.stderr.write("usage: bun bench/ceiling-server.ts DIR\n");
  process.exit(2);
}

async function putFile(path: string, body: ReadableStream<Uint8Array> | null): Promise<number> {
  const handle = await open(path, "w");
  let size = 0;
  let unsynced = 0;
  let gathered: Uint8Array[] = [];
  let gatheredBytes = 0;
  const flush = async () => {
    if (gatheredBytes === 0) return;
    const parts = gathered;
    const total = gatheredBytes;
    gathered = [];
    gatheredBytes = 0;
    const { bytesWritten } = await handle.writev(parts);
    if (bytesWritten !== total) throw new Error(`short write: ${bytesWritten} of ${total}`);
    unsynced += total;
    if (unsynced >= SYNC_EVERY) {
      await handle.sync();
      unsynced = 0;
    }
  };
  try {
    if (body) {
      for await (const piece of body) {
        gathered.push(piece);
        gatheredBytes += piece.byteLength;
        size += piece.byteLength;
        if (gatheredBytes >= WRITE_SIZE) await flush();
      }
    }
    await flush();
    await handle.sync();
  } finally {
    await handle.close();
  }
  return size;
}

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  maxRequestBodySize: Number.MAX_SAFE_INTEGER,
  idleTimeout: 0,
  async fetch(req) {
    const name = new URL(req.url).pathname.slice(1);
    if (!NAME.test(name)) return new Response("bad name\n", { status: 400 });
    const path = join(dir, name);
    if (req.method === "PUT") {
      const size = await putFile(path, req.body);
      return Response.json({ size }, { status: 201 });
    }
    if (req.method === "GET") {
      const file = Bun.file(path);
      if (!(await file.exists())) return new Response("not found\n", { status: 404 });
      return new Response(file, { headers: { "content-type": "application/octet-stream" } });
    }
    return new Response("method not allowed\n", { status: 405 });
  },
});

process.stdout.write(`${server.port}\n`);
process.on("SIGTERM", () => {
  server.stop(true);
  process.exit(0);
});
