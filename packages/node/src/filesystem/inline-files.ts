// Files whose content is kept in their manifest row (metadata/inline-content.ts) where the rest of the file
// system expects chunks: their reads, and a chunk made of them when they are joined with other content.
import type { Manifest } from "../metadata/manifest.ts";
import { inlineBytes } from "../metadata/inline-content.ts";
import type { Durability } from "../replication/placement.ts";
import type { WriteCoordinator } from "../replication/write-coordinator.ts";

/**
 * Bytes [start, end] of an inline file, verified against its SHA-256 when this is called (before any status is
 * sent: a damaged row is InlineCorruptError, 500, not a cut-off body).
 */
export function inlineReadStream(file: Manifest & { inline: string }, start: number, end: number, onBytes?: (n: number) => void): ReadableStream<Uint8Array> {
  const bytes = inlineBytes(file).subarray(start, end + 1);
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (bytes.byteLength > 0) {
        controller.enqueue(bytes);
        onBytes?.(bytes.byteLength);
      }
      controller.close();
    },
  });
}

/**
 * The file as a row of one chunk: an inline file's bytes are placed as a chunk (at `durability`, `factor`) so
 * that a file made of several files' chunks can name them; any other file as it is.
 */
export async function chunkedCopy(m: Manifest, coordinator: WriteCoordinator, durability: Durability, factor?: number): Promise<Manifest> {
  if (m.inline === undefined) return m;
  const bytes = inlineBytes({ ...m, inline: m.inline });
  // A one-chunk file's chunk id is the SHA-256 of the whole content.
  await coordinator.writeChunk(m.sha256!, bytes, durability, undefined, factor);
  const { inline: _bytes, ...rest } = m;
  return { ...rest, chunks: [m.sha256!], chunkSize: m.size };
}
