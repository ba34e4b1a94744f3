// Streams bytes [start, end] of a file from its chunks, verifying each chunk before any of its
// bytes leave, and fetching the next chunk while the current one is being sent.
import type { Logger } from "../log.ts";
import type { Manifest } from "../metadata/manifest.ts";
import type { ChunkReader } from "../replication/chunk-reader.ts";
import { ChunkLayout } from "./chunk-layout.ts";

export function fileReadStream(
  file: Manifest,
  start: number,
  end: number,
  reader: ChunkReader,
  log: Logger,
): ReadableStream<Uint8Array> {
  const layout = new ChunkLayout(file);
  const first = layout.indexAt(start);
  const last = end < start ? first - 1 : layout.indexAt(end);
  let index = first;
  let next: Promise<Uint8Array> | undefined;
  /** The consumer went away (a client hung up mid-download): a chunk still being read is dropped unsent. */
  let cancelled = false;

  const fetchChunk = (i: number) => {
    const id = file.chunks[i]!;
    const p = reader.read(id).then((data) => {
      const expected = layout.size(i);
      if (data.byteLength !== expected) {
        throw new Error(`chunk ${id} of /${file.path} has ${data.byteLength} bytes, expected ${expected}`);
      }
      return data;
    });
    p.catch(() => {}); // handled when awaited; avoid an unhandled rejection while prefetched
    return p;
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (index > last) {
        controller.close();
        return;
      }
      try {
        const data = await (next ?? fetchChunk(index));
        if (cancelled) return;
        next = index + 1 <= last ? fetchChunk(index + 1) : undefined;
        const base = layout.offset(index);
        const from = Math.max(0, start - base);
        const to = Math.min(data.byteLength, end - base + 1);
        index++;
        controller.enqueue(from === 0 && to === data.byteLength ? data : data.subarray(from, to));
      } catch (err) {
        if (cancelled) return;
        log.error("read failed mid-stream", { path: file.path, chunkIndex: index, err });
        controller.error(err);
      }
    },
    cancel() {
      cancelled = true;
      next = undefined;
    },
  });
}
