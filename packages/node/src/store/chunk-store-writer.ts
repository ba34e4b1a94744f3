// The disk half of the streaming writer: a new chunk's bytes go to a tmp file that is fsynced and renamed into
// place only once the whole hashes to the chunk id (chunk-writer.ts decides that). Nothing else is left behind.
import { closeSync, open, writeSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { unlink } from "node:fs/promises";
import { promisify } from "node:util";
import { badRequest, StoreFullError } from "../errors.ts";
import type { ChunkDraft } from "./chunk-writer.ts";
import { DIRECT_MIN_BYTES, DirectFileWriter, openChunkFile, STAGING_BYTES } from "./direct-io.ts";
import { fsyncFd } from "./wal-sync.ts";

/**
 * Chunks smaller than this are written and closed with synchronous calls (microseconds for a few KiB in the
 * page cache); only their create and fsync run on the thread pool: each thread-pool job costs a hand-off and a
 * wake-up of the event loop, which for a 4 KiB file cost more CPU than the work itself. Larger ones are
 * written directly or in 1 MiB writes, off the event loop.
 */
export const SMALL_CHUNK_BYTES = DIRECT_MIN_BYTES;

function isDiskFull(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOSPC" || code === "EDQUOT";
}

/**
 * Size of one file write. Measured on the dev box (write + fsync of 4 MiB files): 1 MiB writes ran 30-50 % faster
 * than one 4 MiB write, and 128 KiB writes (syscall-bound) were slower again.
 */
export const WRITE_SIZE = STAGING_BYTES;

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

/**
 * Creates `path` exclusively with `data` and fsyncs it; the caller renames it and removes it on failure. `direct`:
 * around the page cache where the file system allows (direct-io.ts).
 */
export async function writeDurably(path: string, data: Uint8Array, direct: boolean): Promise<void> {
  if (!direct && data.byteLength < SMALL_CHUNK_BYTES) return writeSmall(path, data);
  const opened = await openChunkFile(path, direct);
  const handle = opened.handle;
  const writer = opened.direct ? new DirectFileWriter(handle) : undefined;
  try {
    if (writer) {
      await writer.write(data);
      await writer.finish();
    } else {
      for (let o = 0; o < data.byteLength; o += WRITE_SIZE) await writeAll(handle, [data.subarray(o, o + WRITE_SIZE)]);
    }
    await handle.sync();
  } finally {
    writer?.release();
    await handle.close();
  }
}

/** fs.open on the thread pool, answering a descriptor (no FileHandle: the writes and the close here are synchronous). */
const openFd = promisify(open);

/**
 * writeDurably for a small chunk: the exclusive create and the fsync on the thread pool, the write and the close
 * on the event loop (SMALL_CHUNK_BYTES). The create stays off the loop: it waits for the file system's journal,
 * which the fsyncs of every write keep busy (synchronous, it blocked the loop ~0.5 ms per chunk under load).
 */
async function writeSmall(path: string, data: Uint8Array): Promise<void> {
  const fd = await openFd(path, "wx");
  try {
    for (let o = 0; o < data.byteLength; ) o += writeSync(fd, data, o);
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

/** What a file draft needs from the disk store. */
export interface ChunkFileHost {
  tmpPath(id: string): string;
  /** Moves a fsynced tmp file into place, makes the rename durable, then indexes it. */
  install(id: string, tmp: string, size: number): Promise<{ created: boolean }>;
}

/** A disk-full error from the OS becomes StoreFullError, which peers see as `store_full`. */
export function asStoreFull(err: unknown, what: string): unknown {
  return isDiskFull(err) ? new StoreFullError(`disk full while ${what}`) : err;
}

/**
 * A tmp file, opened at the first byte. Written directly, bytes are copied into an aligned staging buffer at once
 * (so the caller's buffers are free sooner); buffered, slices given to write() are kept by reference (not copied)
 * until about WRITE_SIZE bytes have gathered, then written with one writev.
 */
export class ChunkFileDraft implements ChunkDraft {
  private handle: FileHandle | undefined;
  private direct: DirectFileWriter | undefined;
  private tmp: string | undefined;
  private gathered: Uint8Array[] = [];
  private gatheredBytes = 0;
  private discarded = false;

  constructor(
    private readonly host: ChunkFileHost,
    private readonly id: string,
    /** Around the page cache (O_DIRECT) where the file system allows. */
    private readonly directIo = false,
  ) {}

  async write(bytes: Uint8Array): Promise<void> {
    try {
      if (!this.handle) await this.openTmp();
      if (this.direct) return await this.direct.write(bytes);
      this.gathered.push(bytes);
      this.gatheredBytes += bytes.byteLength;
      if (this.gatheredBytes >= WRITE_SIZE) await this.flush();
    } catch (err) {
      throw asStoreFull(err, `receiving chunk ${this.id}`);
    }
  }

  async install(size: number): Promise<{ created: boolean }> {
    try {
      await this.flush();
      await this.direct?.finish();
      await this.handle!.sync();
      await this.handle!.close();
      this.handle = undefined;
      const result = await this.host.install(this.id, this.tmp!, size);
      this.tmp = undefined;
      return result;
    } catch (err) {
      throw asStoreFull(err, `storing chunk ${this.id}`);
    }
  }

  async discard(): Promise<void> {
    this.discarded = true;
    const handle = this.handle;
    const tmp = this.tmp;
    this.handle = undefined;
    this.tmp = undefined;
    this.gathered = [];
    this.gatheredBytes = 0;
    this.direct?.release();
    this.direct = undefined;
    if (handle) await handle.close().catch(() => {});
    if (tmp) await unlink(tmp).catch(() => {});
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
    const tmp = this.host.tmpPath(this.id);
    const { handle, direct } = await openChunkFile(tmp, this.directIo);
    if (this.discarded) {
      // Discarded while the file was being created: do not leave it behind.
      await handle.close().catch(() => {});
      await unlink(tmp).catch(() => {});
      throw new Error(`chunk writer for ${this.id} was aborted`);
    }
    this.tmp = tmp;
    this.handle = handle;
    if (direct) this.direct = new DirectFileWriter(handle);
  }
}

/**
 * A small chunk (announced below SMALL_CHUNK_BYTES): its bytes are kept by reference until install, then written
 * to a tmp file at once (writeDurably) and installed. More bytes than announced are refused.
 */
export class SmallChunkDraft implements ChunkDraft {
  private parts: Uint8Array[] = [];
  private size = 0;

  constructor(
    private readonly host: ChunkFileHost,
    private readonly id: string,
    private readonly announced: number,
  ) {}

  async write(bytes: Uint8Array): Promise<void> {
    if (this.size + bytes.byteLength > this.announced) {
      throw badRequest("chunk_too_large", `chunk ${this.id} is larger than the ${this.announced} bytes announced`);
    }
    this.parts.push(bytes);
    this.size += bytes.byteLength;
  }

  async install(size: number): Promise<{ created: boolean }> {
    const data = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
    this.parts = [];
    const tmp = this.host.tmpPath(this.id);
    try {
      await writeDurably(tmp, data, false);
      return await this.host.install(this.id, tmp, size);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw asStoreFull(err, `storing chunk ${this.id}`);
    }
  }

  async discard(): Promise<void> {
    this.parts = [];
  }
}
