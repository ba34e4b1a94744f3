// Reads a whole chunk file into memory. Files of DIRECT_MIN_BYTES and more go around the page cache (O_DIRECT,
// where the store writes that way) into a reused aligned buffer: a buffered read of a cold chunk makes the kernel
// allocate and fill page-cache pages, then copies them out, which on these VMs cost more CPU than the read itself
// (1 GiB of 4 MiB chunks, cold: 0.66–0.75 s of CPU through fresh buffers, 0.09–0.12 s direct into a reused one).
import { constants, statSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { alignedBuffer, DIRECT_ALIGN, DIRECT_MIN_BYTES } from "./direct-io.ts";
import type { ReadBuffers } from "./read-buffers.ts";

/**
 * The bytes of the file at `path` (one of at most `maxSize` bytes; a larger one is an error, not a read). A large
 * file is read into a buffer from `buffers` when given (the caller gives it back there), else into memory of its
 * own; `direct`: with O_DIRECT when the file system allows.
 */
export async function readChunkFile(path: string, direct: boolean, maxSize: number, buffers?: ReadBuffers): Promise<Uint8Array> {
  // The inode was just looked at (the store's has()): a cheap call on the loop, and small files stay one job.
  const size = statSync(path).size;
  if (size > maxSize) throw new Error(`chunk file ${path} is ${size} bytes, over ${maxSize}`);
  if (size < DIRECT_MIN_BYTES) return Bun.file(path).bytes();
  const buf = buffers?.take(size) ?? alignedBuffer(Math.ceil(size / DIRECT_ALIGN) * DIRECT_ALIGN);
  let handle: FileHandle | undefined;
  try {
    handle = await openForRead(path, direct);
    return await readAll(handle, buf, size);
  } catch (err) {
    buffers?.give(buf);
    throw err;
  } finally {
    await handle?.close();
  }
}

async function openForRead(path: string, direct: boolean): Promise<FileHandle> {
  if (direct && constants.O_DIRECT !== undefined) {
    try {
      return await open(path, constants.O_RDONLY | constants.O_DIRECT);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EINVAL") throw err;
    }
  }
  return open(path, "r");
}

/**
 * Reads the file from its start into `buf` (its length a multiple of the direct-I/O block, so a direct read may
 * ask for whole blocks past the end and get the tail); what it holds if that is not `size` bytes any more.
 */
async function readAll(handle: FileHandle, buf: Buffer, size: number): Promise<Uint8Array> {
  let n = 0;
  while (n < size) {
    const { bytesRead } = await handle.read(buf, n, buf.byteLength - n, n);
    if (bytesRead === 0) break;
    n += bytesRead;
  }
  return buf.subarray(0, n);
}
