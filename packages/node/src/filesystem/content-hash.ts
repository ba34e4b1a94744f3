// The SHA-256 of content already stored, from its chunks: S3's CompleteMultipartUpload needs the whole
// object's hash (the files API's ETag), which does not follow from its parts' hashes. Local copies are read
// in pieces into a reused buffer (ChunkStorage.feed), so hashing a GiB touches no fresh memory; a chunk this
// node lacks comes through the chunk reader. A local copy found bad half-way has already fed its pieces, so
// the hash is started again with every chunk read as the chunk reader reads it (other holders, repair).
import type { Logger } from "../log.ts";
import type { Manifest } from "../metadata/manifest.ts";
import type { ChunkReader } from "../replication/chunk-reader.ts";
import { inlineBytes } from "../metadata/inline-content.ts";

type Feeder = (chunkId: string, sink: (piece: Uint8Array) => void) => Promise<void>;

/** Another digest computed on the same pass (S3's full-object CRC); made afresh for every attempt. */
export interface ExtraDigest {
  update(bytes: Uint8Array): void;
}

async function hashChunks<X extends ExtraDigest>(
  files: readonly Manifest[],
  feed: Feeder,
  extra: X | undefined,
  start: Bun.CryptoHasher | undefined,
): Promise<{ sha256: string; extra: X | undefined }> {
  const hash = start?.copy() ?? new Bun.CryptoHasher("sha256");
  const sink = (piece: Uint8Array) => {
    hash.update(piece);
    extra?.update(piece);
  };
  for (const file of files) {
    if (file.inline !== undefined) sink(inlineBytes({ ...file, inline: file.inline }));
    for (const id of file.chunks) await feed(id, sink);
  }
  return { sha256: hash.digest("hex"), extra };
}

/**
 * SHA-256 of the files' contents one after another, as if they were one file (and `extra`'s digest of them);
 * with `start`, of that state's content followed by theirs (`start` itself is left as it is).
 */
export async function contentSha256<X extends ExtraDigest>(
  files: readonly Manifest[],
  reader: ChunkReader,
  log: Logger,
  extra?: () => X,
  start?: Bun.CryptoHasher,
): Promise<{ sha256: string; extra: X | undefined }> {
  try {
    return await hashChunks(files, (id, sink) => reader.feed(id, sink), extra?.(), start);
  } catch (err) {
    log.warn("hashing stored content from local copies failed; hashing it again as reads get it", { err, files: files.map((f) => f.path) });
    return hashChunks(files, async (id, sink) => sink(await reader.read(id)), extra?.(), start);
  }
}
