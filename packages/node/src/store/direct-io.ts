// Chunk files written around the page cache (O_DIRECT). A buffered write copies every byte into page-cache pages
// that the kernel must first allocate, and on these VMs first-touching a page costs more than the copy (measured:
// 64 files of 4 MiB written and fsynced, buffered 2.0-2.3 s and 0.5-0.6 s of CPU, direct 0.8-0.95 s and 0.05-0.09 s).
// A chunk is written once and read rarely (or from another node), so caching it gains little. Direct writes need
// memory, offsets and lengths aligned to the device's block: bytes are staged in aligned, reused buffers, the last
// block is padded and the file then truncated to its size. Bytes that already lie aligned (the coordinator's own
// copy of a chunk, in a pool buffer the allocator placed on a page) are written from where they are, uncopied.
// Where the file system refuses O_DIRECT (tmpfs, some FUSE), writes stay buffered; durability is the same either
// way (the caller fsyncs).
import { constants, closeSync, openSync, unlinkSync, writeSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";

/** Alignment of memory, offsets and lengths: 4096 covers 512-byte and 4K-sector devices alike. */
export const DIRECT_ALIGN = 4096;
/** Bytes staged before one write: the buffered path's write size too (chunk-store-writer.ts). */
export const STAGING_BYTES = 1024 * 1024;
const STAGING_KEPT = 8;
/**
 * Smaller files stay in the page cache: their few pages cost little, and small files are the ones read back soon
 * (a listing's thumbnails, a build's outputs); a direct write would send those reads to the disk.
 */
export const DIRECT_MIN_BYTES = 256 * 1024;

/** Whether a file of `size` bytes (undefined: not known yet) is written directly when the store allows it. */
export function directFor(size: number | undefined): boolean {
  return size === undefined || size >= DIRECT_MIN_BYTES;
}

/** The address of a typed array's bytes (bun:ffi; only to align, never dereferenced). */
function addressOf(bytes: Uint8Array): number {
  const { ptr } = require("bun:ffi") as typeof import("bun:ffi");
  return Number(ptr(bytes));
}

/** `size` bytes starting at a DIRECT_ALIGN boundary (large buffers do not move in memory). */
export function alignedBuffer(size: number): Buffer {
  const raw = Buffer.allocUnsafe(size + DIRECT_ALIGN);
  const skip = (DIRECT_ALIGN - (addressOf(raw) % DIRECT_ALIGN)) % DIRECT_ALIGN;
  return raw.subarray(skip, skip + size);
}

/** Staging buffers, reused so that a long run of writes touches no fresh memory; a few kept, the rest collected. */
class StagingPool {
  private readonly free: Buffer[] = [];

  take(): Buffer {
    return this.free.pop() ?? alignedBuffer(STAGING_BYTES);
  }

  give(buf: Buffer): void {
    if (this.free.length < STAGING_KEPT) this.free.push(buf);
  }
}

const staging = new StagingPool();

function isEinval(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === "EINVAL";
}

/**
 * Whether files in `dir` can be written with O_DIRECT: creates, writes one aligned block to, and removes a probe
 * file. False (never an error) when the file system refuses.
 */
export function supportsDirectIo(dir: string): boolean {
  if (constants.O_DIRECT === undefined) return false;
  const path = `${dir}/.direct-io-probe.${process.pid}`;
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_DIRECT, 0o600);
    const block = alignedBuffer(DIRECT_ALIGN).fill(0);
    return writeSync(fd, block, 0, DIRECT_ALIGN, 0) === DIRECT_ALIGN;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(path);
    } catch {
      // never created
    }
  }
}

/** A new file (exclusive create) for a chunk's bytes: direct when asked and the file system allows, else buffered. */
export async function openChunkFile(path: string, direct: boolean): Promise<{ handle: FileHandle; direct: boolean }> {
  if (direct) {
    try {
      const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_DIRECT;
      return { handle: await open(path, flags, 0o644), direct: true };
    } catch (err) {
      if (!isEinval(err)) throw err;
    }
  }
  return { handle: await open(path, "wx"), direct: false };
}

/** Bytes copied into staging buffers and bytes written from the caller's own, process-wide (tests, benchmarks). */
export const directWriteCounts = { stagedBytes: 0, unstagedBytes: 0 };

/**
 * Writes a file's bytes through an aligned staging buffer: whole buffers as they fill, then the tail padded to the
 * block and the file truncated back to its size. Whole STAGING_BYTES spans of the caller's bytes that start on a
 * block while nothing is staged are written from the caller's memory instead: a 4 MiB chunk in a page-aligned
 * buffer is written with no copy (the copy was 1 GiB of memcpy per GiB on the writing node). One write at a time;
 * the handle is the caller's to fsync and close.
 */
export class DirectFileWriter {
  private buf: Buffer | undefined;
  private fill = 0;
  private size = 0;

  constructor(private readonly handle: FileHandle) {}

  /** Writes `bytes` (copied in, or written from where they are); the caller may reuse them once this resolves. */
  async write(bytes: Uint8Array): Promise<void> {
    let o = 0;
    if (this.fill === 0 && bytes.byteLength >= STAGING_BYTES && addressOf(bytes) % DIRECT_ALIGN === 0) {
      // Every span starts aligned: STAGING_BYTES is a multiple of DIRECT_ALIGN.
      for (; bytes.byteLength - o >= STAGING_BYTES; o += STAGING_BYTES) await this.writeAt(bytes.subarray(o, o + STAGING_BYTES));
      directWriteCounts.unstagedBytes += o;
    }
    while (o < bytes.byteLength) {
      this.buf ??= staging.take();
      const n = Math.min(STAGING_BYTES - this.fill, bytes.byteLength - o);
      this.buf.set(bytes.subarray(o, o + n), this.fill);
      directWriteCounts.stagedBytes += n;
      this.fill += n;
      o += n;
      if (this.fill === STAGING_BYTES) await this.writeStaged(STAGING_BYTES);
    }
  }

  /** Writes what is staged (the last block zero-padded) and cuts the file to the bytes written. */
  async finish(): Promise<void> {
    if (this.fill > 0) {
      const padded = Math.ceil(this.fill / DIRECT_ALIGN) * DIRECT_ALIGN;
      this.buf!.fill(0, this.fill, padded);
      const real = this.fill;
      await this.writeStaged(padded);
      this.size -= padded - real;
      await this.handle.truncate(this.size);
    }
    this.release();
  }

  /** Gives the staging buffer back (after finish, or when the write is abandoned). */
  release(): void {
    if (this.buf) staging.give(this.buf);
    this.buf = undefined;
    this.fill = 0;
  }

  private async writeStaged(length: number): Promise<void> {
    await this.writeAt(this.buf!.subarray(0, length));
    this.fill = 0;
  }

  /** Writes aligned `bytes` (memory and length) at the file's end. */
  private async writeAt(bytes: Uint8Array): Promise<void> {
    for (let o = 0; o < bytes.byteLength; ) {
      const { bytesWritten } = await this.handle.write(bytes, o, bytes.byteLength - o, this.size);
      // A direct write is all or nothing in practice; a short one that is not block-aligned cannot continue.
      if (bytesWritten <= 0 || bytesWritten % DIRECT_ALIGN !== 0) throw new Error(`direct write of ${bytes.byteLength - o} bytes wrote ${bytesWritten}`);
      o += bytesWritten;
      this.size += bytesWritten;
    }
  }
}
