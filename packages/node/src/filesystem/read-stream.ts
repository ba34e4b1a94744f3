// Streams bytes [start, end] of a file from its chunks, verifying each chunk before any of its bytes leave,
// and fetching the next chunks (READ_AHEAD_CHUNKS) while the current one is being sent. openFileRead checks first
// that the read can succeed (the first chunk in hand, a live holder for every other), so that a client is
// answered 503 rather than 200 and a cut-off body.
import type { Logger } from "../log.ts";
import type { Manifest } from "../metadata/manifest.ts";
import type { ChunkReader } from "../replication/chunk-reader.ts";
import { lend } from "../util/lent-bytes.ts";
import { ChunkLayout } from "./chunk-layout.ts";
import { inlineReadStream } from "./inline-files.ts";

/**
 * A stream of bytes [start, end] once every chunk they need is known to be readable: the first chunk is
 * fetched (and verified) before this resolves, and every other must have a live holder. Throws
 * ChunkUnavailableError (503 at every API) otherwise, before any status is sent.
 */
export async function openFileRead(
  file: Manifest,
  start: number,
  end: number,
  reader: ChunkReader,
  log: Logger,
  onBytes?: (n: number) => void,
): Promise<ReadableStream<Uint8Array>> {
  if (file.inline !== undefined) return inlineReadStream({ ...file, inline: file.inline }, start, end, onBytes);
  if (end < start || file.chunks.length === 0) return fileReadStream(file, start, end, reader, log, undefined, onBytes);
  const layout = new ChunkLayout(file);
  const first = layout.indexAt(start);
  const last = layout.indexAt(end);
  const head = fetchVerified(file, layout, first, reader);
  await Promise.all([head, reader.ensureReadable(file.chunks.slice(first + 1, last + 1))]);
  return fileReadStream(file, start, end, reader, log, head, onBytes);
}

/** Chunk i of the file, verified, in one of the reader's buffers when local (give it back to `reader.buffers`). */
function fetchVerified(file: Manifest, layout: ChunkLayout, i: number, reader: ChunkReader): Promise<Uint8Array> {
  const id = file.chunks[i]!;
  const p = reader.read(id, reader.buffers).then((data) => {
    const expected = layout.size(i);
    if (data.byteLength !== expected) {
      reader.buffers.give(data);
      throw new Error(`chunk ${id} of /${file.path} has ${data.byteLength} bytes, expected ${expected}`);
    }
    return data;
  });
  p.catch(() => {}); // handled when awaited; avoid an unhandled rejection while prefetched
  return p;
}

/**
 * Chunks being fetched while the ones before them are sent (each up to a chunk of memory; the stream also queues
 * one): with two, the disk (or the holder) and the hash keep ahead of the socket. `bun bench/cold-reads.ts 512`:
 * 448–509 MB/s with one, 532–593 with two, no better with three; the reader's peak RSS 172–180 → 190–202 MiB.
 */
export const READ_AHEAD_CHUNKS = 2;

export function fileReadStream(
  file: Manifest,
  start: number,
  end: number,
  reader: ChunkReader,
  log: Logger,
  /** The first chunk of the range, already being fetched (openFileRead). */
  prefetched?: Promise<Uint8Array>,
  /** Told the size of each piece as it is handed out. */
  onBytes?: (n: number) => void,
): ReadableStream<Uint8Array> {
  if (file.inline !== undefined) return inlineReadStream({ ...file, inline: file.inline }, start, end, onBytes);
  const layout = new ChunkLayout(file);
  const first = layout.indexAt(start);
  const last = end < start ? first - 1 : layout.indexAt(end);
  let index = first;
  /** Chunks being fetched, in order from `index`: the disk and the hash work ahead of the socket. */
  const ahead: Promise<Uint8Array>[] = prefetched ? [prefetched] : [];
  /** The consumer went away (a client hung up mid-download): a chunk still being read is dropped unsent. */
  let cancelled = false;

  const fetchChunk = (i: number) => fetchVerified(file, layout, i, reader);
  const fillAhead = () => {
    while (ahead.length < READ_AHEAD_CHUNKS && index + ahead.length <= last) ahead.push(fetchChunk(index + ahead.length));
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (index > last) {
        controller.close();
        return;
      }
      try {
        fillAhead();
        const data = await ahead.shift()!;
        if (cancelled) return reader.buffers.give(data);
        const base = layout.offset(index);
        const from = Math.max(0, start - base);
        const to = Math.min(data.byteLength, end - base + 1);
        index++;
        fillAhead();
        // Lent: a consumer that gives the piece back once sent (the HTTP server) lets the next chunk reuse it.
        const piece = from === 0 && to === data.byteLength ? data : data.subarray(from, to);
        controller.enqueue(lend(piece, () => reader.buffers.give(data)));
        onBytes?.(to - from);
      } catch (err) {
        if (cancelled) return;
        log.error("read failed mid-stream", { path: file.path, chunkIndex: index, err });
        controller.error(err);
      }
    },
    cancel() {
      cancelled = true;
      // Chunks read ahead and never sent: their buffers go back once read (a failed read holds none).
      for (const p of ahead.splice(0)) p.then((data) => reader.buffers.give(data), () => {});
    },
  });
}
