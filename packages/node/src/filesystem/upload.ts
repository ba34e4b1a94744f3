// Streams a request body through the chunker into the write coordinator, with a bounded number of
// chunks in flight: memory stays at a few chunks whatever the file size.
import { OrreryError, errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Manifest } from "../metadata/manifest.ts";
import type { Durability } from "../replication/placement.ts";
import type { PutResult } from "./changes.ts";
import type { ChunkWriteResult, WriteCoordinator } from "../replication/write-coordinator.ts";
import type { ChunkBufferPool } from "./chunk-buffers.ts";
import { type Chunk, Chunker } from "./chunker.ts";
import { noteStreamedBytes } from "../util/memory-governor.ts";
import { SNIFF_BYTES } from "../metadata/content-sniff.ts";
import { encodeInline } from "../metadata/inline-content.ts";

/** Chunks being placed while the next one is read from the network. */
const MAX_IN_FLIGHT = 2;

export interface UploadResult {
  size: number;
  sha256: string;
  /** Only when asked for (UploadPlacement.md5). */
  md5?: string;
  results: ChunkWriteResult[];
  /** The whole content, base64, when it is kept in the manifest (UploadPlacement.inlineMax): no chunk was written. */
  inline?: string;
  /** The content's first bytes (up to SNIFF_BYTES), copied: its type when its name and writer give none. */
  head: Uint8Array;
}

/** Where an upload's chunks go: at how many copies, and a hook called for each chunk before it is placed. */
export interface UploadPlacement {
  /** The replication factor of the folder written to (the cluster's when undefined). */
  factor?: number;
  /** Called with each chunk's id before it is placed (FileSystem holds it at the folder's factor). */
  onChunk?: (chunkId: string) => void;
  /** Compute the content's MD5 as well (S3's ETag; PutOptions.md5). */
  md5?: boolean;
  /** Content of at most this many bytes that fits one chunk is kept in the manifest, not placed (0: never). */
  inlineMax?: number;
  /** Shown each pooled chunk's bytes, in order, before it is placed (PutOptions.retain). */
  retain?: ChunkRetainer;
}

/**
 * Sees a chunk's bytes; answers true to keep them past the chunk's write, and then calls `release` exactly once
 * when done with them (the pool's buffer goes back only after that and the write both let go).
 */
export type ChunkRetainer = (data: Uint8Array, release: () => void) => boolean;

/** The chunk's release, split in two when `retain` keeps its bytes: the buffer goes back once both let go. */
function retained(chunk: Chunk, retain: ChunkRetainer | undefined): (() => void) | undefined {
  const release = chunk.release;
  // Unpooled bytes are not offered: nothing would bound what a keeper holds.
  if (!retain || !release) return release;
  let shares = 2;
  const share = () => {
    if (--shares === 0) release();
  };
  return retain(chunk.data, share) ? share : release;
}

export async function uploadStream(
  body: ReadableStream<Uint8Array> | null,
  chunkSize: number,
  durability: Durability,
  coordinator: WriteCoordinator,
  log: Logger,
  sizeHint?: number,
  buffers?: ChunkBufferPool,
  placement: UploadPlacement = {},
): Promise<UploadResult> {
  const chunker = new Chunker(chunkSize, sizeHint, buffers && ((buf, reusable) => buffers.give(buf, reusable)), placement.md5);
  const newBuffer = (size: number) => (buffers ? buffers.take(size) : Promise.resolve(Buffer.allocUnsafe(size)));
  const results: ChunkWriteResult[] = [];
  const inFlight: Array<Promise<ChunkWriteResult>> = [];
  let failure: unknown;
  let head: Uint8Array = new Uint8Array(0);

  const place = async (chunk: Chunk) => {
    // A copy: the chunk's buffer goes back to the pool once placed.
    if (results.length + inFlight.length === 0) head = Uint8Array.from(chunk.data.subarray(0, SNIFF_BYTES));
    try {
      placement.onChunk?.(chunk.id);
    } catch (err) {
      chunk.release?.();
      throw err;
    }
    const p = coordinator.writeChunk(chunk.id, chunk.data, durability, retained(chunk, placement.retain), placement.factor);
    // Keep a handled copy so a rejection is never "unhandled" while it waits its turn.
    p.catch(() => {});
    inFlight.push(p);
    while (inFlight.length >= MAX_IN_FLIGHT) results.push(await inFlight.shift()!);
  };

  const reader = body?.getReader();
  try {
    if (reader) {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        noteStreamedBytes(value.byteLength);
        let rest = value;
        while (rest.byteLength > 0) {
          // Waits while the node's chunk buffers are all in use (the pool's limit): the body is not read meanwhile.
          if (chunker.bufferNeeded) chunker.supply(await newBuffer(chunker.bufferNeeded));
          const { used, chunk } = chunker.take(rest);
          rest = rest.subarray(used);
          if (chunk) await place(chunk);
        }
      }
    }
    const end = chunker.finish();
    // The whole content in one last chunk, small enough: the manifest carries it, no chunk is written anywhere.
    if (end.last && results.length + inFlight.length === 0 && end.size <= (placement.inlineMax ?? 0)) {
      const inline = encodeInline(end.last.data);
      head = Uint8Array.from(end.last.data.subarray(0, SNIFF_BYTES));
      end.last.release?.();
      return { size: end.size, sha256: end.sha256, ...(end.md5 === undefined ? {} : { md5: end.md5 }), results, inline, head };
    }
    if (end.last) await place(end.last);
    while (inFlight.length) results.push(await inFlight.shift()!);
    return { size: end.size, sha256: end.sha256, ...(end.md5 === undefined ? {} : { md5: end.md5 }), results, head };
  } catch (err) {
    failure = err;
    chunker.abandon();
    await reader?.cancel(errorMessage(err)).catch(() => {});
    const settled = await Promise.allSettled(inFlight);
    for (const s of settled) if (s.status === "fulfilled") results.push(s.value);
    const stored = `${results.length} chunk(s) (${results.length * chunkSize} bytes at most) were stored before the failure; no manifest was written, so the file does not exist`;
    log.warn("upload failed", { err, chunksStored: results.length });
    if (failure instanceof OrreryError) {
      throw new OrreryError(failure.status, failure.code, `${failure.message}; ${stored}`, {
        ...failure.details,
        chunksStored: results.length,
      });
    }
    throw new OrreryError(400, "upload_aborted", `upload aborted: ${errorMessage(err)}; ${stored}`, {
      chunksStored: results.length,
    });
  }
}

/**
 * What a put answers: the file as committed, and how its chunks were placed at `factor` (the folder's,
 * bounded by the members there are) among `liveNodes`.
 */
export function putAnswer(
  file: Manifest & { manifestCopies: number },
  upload: UploadResult,
  at: { durability: Durability; factor: number; liveNodes: number },
): PutResult {
  const { results } = upload;
  const n = at.factor;
  return {
    path: file.path,
    size: upload.size,
    sha256: upload.sha256,
    ...(upload.md5 === undefined ? {} : { md5: upload.md5 }),
    chunkSize: file.chunkSize,
    chunks: file.chunks,
    version: file.version,
    mtime: file.mtime,
    durability: at.durability,
    replicationFactor: n,
    // Content kept in the manifest has as many copies as the manifest.
    copies: results.length ? Math.min(...results.map((r) => r.copies.length)) : upload.inline !== undefined ? file.manifestCopies : at.liveNodes,
    queued: results.reduce((s, r) => s + r.queued.length, 0),
    underReplicated: results.some((r) => r.owners.length < n) || (results.length === 0 && at.liveNodes < n),
    manifestCopies: file.manifestCopies,
  };
}
