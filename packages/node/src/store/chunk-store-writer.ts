// The streaming half of the chunk store: bytes arrive piecewise, are hashed as they come and go to a tmp file
// that is fsynced and renamed into place only if the whole hashes to the chunk id. Nothing else is left behind.
import type { FileHandle } from "node:fs/promises";
import { open, unlink } from "node:fs/promises";
import { badRequest, ChunkCorruptError, StoreFullError } from "../errors.ts";
import type { ChunkStore, ChunkWriter } from "./chunk-store.ts";

export function isDiskFull(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOSPC" || code === "EDQUOT";
}

/**
 * Size of one file write. Measured on the dev box (write + fsync of 4 MiB files): 1 MiB writes ran 30-50 % faster
 * than one 4 MiB write, and 128 KiB writes (syscall-bound) were slower again.
 */
export const WRITE_SIZE = 1024 * 1024;

/** Writes every byte of `parts`, in order, at the handle's position (a file write may be short). */
async function writeAll(handle: FileHandle, parts: Uint8Array[]): Promise<void> {
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const { bytesWritten } = await handle.writev(parts);
  if (bytesWritten === total) return;
  let skip = bytesWritten;
  for (const part of parts) {
    let offset = Math.min(skip, part.byteLength);
    skip -= offset;
    while (offset < part.byteLength) {
      const r = await handle.write(part, offset, part.byteLength - offset);
      offset += r.bytesWritten;
    }
  }
}

/** Creates `path` exclusively with `data` and fsyncs it; the caller renames it and removes it on failure. */
export async function writeDurably(path: string, data: Uint8Array): Promise<void> {
  const handle = await open(path, "wx");
  try {
    for (let o = 0; o < data.byteLength; o += WRITE_SIZE) await writeAll(handle, [data.subarray(o, o + WRITE_SIZE)]);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

type State = "open" | "committing" | "done";

/**
 * Slices given to write() are kept by reference (not copied) until about WRITE_SIZE bytes have gathered, then
 * written with one writev; so the caller must not reuse a buffer after passing it (socket buffers are fresh).
 */
export class ChunkFileWriter implements ChunkWriter {
  private readonly hasher = new Bun.CryptoHasher("sha256");
  private state: State = "open";
  private size = 0;
  private reserved = 0;
  /** Decided at the first byte: the chunk is already stored, so bytes are only hashed, never written. */
  private duplicate: boolean | undefined;
  private handle: FileHandle | undefined;
  private tmp: string | undefined;
  private gathered: Uint8Array[] = [];
  private gatheredBytes = 0;

  constructor(
    private readonly store: ChunkStore,
    readonly id: string,
    private readonly expectedSize?: number,
  ) {}

  async write(bytes: Uint8Array): Promise<void> {
    if (this.state !== "open") throw new Error(`chunk writer for ${this.id} is closed`);
    if (bytes.byteLength === 0) return;
    const size = this.size + bytes.byteLength;
    try {
      if (size > this.store.maxChunkSize) {
        throw badRequest("chunk_too_large", `chunk ${this.id} exceeds the maximum chunk size of ${this.store.maxChunkSize} bytes`);
      }
      this.duplicate ??= this.store.has(this.id);
      this.hasher.update(bytes);
      this.size = size;
      if (this.duplicate) return;
      // Reserve the announced size up front so a chunk that cannot fit is refused before any byte lands.
      const want = Math.max(size, Math.min(this.expectedSize ?? 0, this.store.maxChunkSize));
      if (want > this.reserved) {
        this.store.reserve(this.id, want - this.reserved);
        this.reserved = want;
      }
      if (!this.handle) await this.openTmp();
      this.gathered.push(bytes);
      this.gatheredBytes += bytes.byteLength;
      if (this.gatheredBytes >= WRITE_SIZE) await this.flush();
    } catch (err) {
      await this.abort();
      throw isDiskFull(err) ? new StoreFullError(`disk full while receiving chunk ${this.id}`) : err;
    }
  }

  async commit(): Promise<{ created: boolean }> {
    if (this.state !== "open") throw new Error(`chunk writer for ${this.id} is closed`);
    this.state = "committing";
    try {
      if (this.hasher.digest("hex") !== this.id) throw new ChunkCorruptError(this.id, "receipt");
      this.duplicate ??= this.store.has(this.id);
      if (this.duplicate) {
        // The bytes were verified but not kept; if the stored copy vanished meanwhile (GC), the sender must retry.
        if (!this.store.has(this.id)) throw new Error(`chunk ${this.id} was deleted while a duplicate was received; retry`);
        this.store.indexInsert(this.id, this.size);
        return { created: false };
      }
      await this.flush();
      await this.handle!.sync();
      await this.handle!.close();
      this.handle = undefined;
      const result = await this.store.install(this.id, this.tmp!, this.size);
      this.tmp = undefined;
      return result;
    } catch (err) {
      await this.cleanup();
      throw isDiskFull(err) ? new StoreFullError(`disk full while storing chunk ${this.id}`) : err;
    } finally {
      this.finish();
    }
  }

  /** Drops everything written so far. During commit() it is a no-op: commit either installs or cleans up itself. */
  async abort(): Promise<void> {
    if (this.state !== "open") return;
    await this.cleanup();
    this.finish();
  }

  /** Writes the gathered slices; opens the tmp file on first use (also for the empty chunk). */
  private async flush(): Promise<void> {
    if (!this.handle) await this.openTmp();
    if (this.gatheredBytes === 0) return;
    const parts = this.gathered;
    this.gathered = [];
    this.gatheredBytes = 0;
    await writeAll(this.handle!, parts);
  }

  private async openTmp(): Promise<void> {
    const tmp = this.store.tmpPath(this.id);
    const handle = await open(tmp, "wx");
    if (this.state === "done") {
      // Aborted while the file was being created: do not leave it behind.
      await handle.close().catch(() => {});
      await unlink(tmp).catch(() => {});
      throw new Error(`chunk writer for ${this.id} was aborted`);
    }
    this.tmp = tmp;
    this.handle = handle;
  }

  private async cleanup(): Promise<void> {
    const handle = this.handle;
    const tmp = this.tmp;
    this.handle = undefined;
    this.tmp = undefined;
    this.gathered = [];
    this.gatheredBytes = 0;
    if (handle) await handle.close().catch(() => {});
    if (tmp) await unlink(tmp).catch(() => {});
  }

  private finish(): void {
    this.state = "done";
    this.store.release(this.reserved);
    this.reserved = 0;
  }
}
