// Direct chunk-file writes: whatever the sizes of the pieces and of the file, the file holds exactly the bytes
// written (the padded last block cut off). (Which file systems refuse O_DIRECT varies: tmpfs accepts it since Linux 6.6.)
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "./chunk-store.case.ts";
import {
  alignedBuffer,
  DIRECT_ALIGN,
  DIRECT_MIN_BYTES,
  directFor,
  DirectFileWriter,
  directWriteCounts,
  openChunkFile,
  STAGING_BYTES,
  supportsDirectIo,
} from "./direct-io.ts";

const dir = mkdtempSync(join(tmpdir(), "orrery-direct-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("aligned buffers start on a block boundary", () => {
  const { ptr } = require("bun:ffi") as typeof import("bun:ffi");
  for (let i = 0; i < 5; i++) expect(Number(ptr(alignedBuffer(STAGING_BYTES))) % DIRECT_ALIGN).toBe(0);
});

const sizes = [1, DIRECT_ALIGN - 1, DIRECT_ALIGN, DIRECT_ALIGN + 1, STAGING_BYTES, STAGING_BYTES + 1, 3 * STAGING_BYTES + 4101];
const pieceSizes = [7, 4096, 65_536 + 3, STAGING_BYTES + 17];

test.each(sizes)("a file of %i bytes, given in pieces of every size, holds exactly them", async (size) => {
  const direct = supportsDirectIo(dir);
  for (const piece of pieceSizes) {
    const data = randomBytes(size);
    const path = join(dir, `f-${size}-${piece}`);
    const opened = await openChunkFile(path, true);
    expect(opened.direct).toBe(direct);
    const writer = new DirectFileWriter(opened.handle);
    for (let o = 0; o < size; o += piece) await writer.write(data.subarray(o, Math.min(size, o + piece)));
    await writer.finish();
    await opened.handle.sync();
    await opened.handle.close();
    const back = readFileSync(path);
    expect(back.byteLength).toBe(size);
    expect(Buffer.compare(back, Buffer.from(data))).toBe(0);
  }
});

/** Writes `data` in one call and answers the bytes copied into staging buffers for it, checking the file. */
async function stagedFor(name: string, data: Uint8Array): Promise<number> {
  const path = join(dir, name);
  const opened = await openChunkFile(path, true);
  const writer = new DirectFileWriter(opened.handle);
  const before = directWriteCounts.stagedBytes;
  await writer.write(data);
  await writer.finish();
  const staged = directWriteCounts.stagedBytes - before;
  await opened.handle.close();
  expect(Buffer.compare(readFileSync(path), Buffer.from(data))).toBe(0);
  return staged;
}

test.if(supportsDirectIo(dir))("bytes that lie aligned are written from where they are; only what follows the last whole span is copied", async () => {
  const tail = 4101;
  const aligned = alignedBuffer(4 * STAGING_BYTES + tail);
  aligned.set(randomBytes(aligned.byteLength));
  expect(await stagedFor("aligned-whole", aligned.subarray(0, 4 * STAGING_BYTES))).toBe(0);
  expect(await stagedFor("aligned-tail", aligned)).toBe(tail);
  // Not on a block: every byte goes through a staging buffer.
  const unaligned = aligned.subarray(1);
  expect(await stagedFor("unaligned", unaligned)).toBe(unaligned.byteLength);
});

test("an empty file stays empty, and openChunkFile never replaces an existing file", async () => {
  const path = join(dir, "empty");
  const opened = await openChunkFile(path, true);
  const writer = new DirectFileWriter(opened.handle);
  await writer.finish();
  await opened.handle.close();
  expect(readFileSync(path).byteLength).toBe(0);
  await expect(openChunkFile(path, true)).rejects.toThrow(/EEXIST|exists/);
  await expect(openChunkFile(path, false)).rejects.toThrow(/EEXIST|exists/);
});

test("without direct IO asked for, the file is opened buffered", async () => {
  const opened = await openChunkFile(join(dir, "buffered"), false);
  expect(opened.direct).toBe(false);
  await opened.handle.close();
});

test("the probe answers no, never throws, where no probe file can be written", () => {
  expect(supportsDirectIo(join(dir, "no-such-dir"))).toBe(false);
});

test("small files stay in the page cache; large ones, and those of unknown size, go around it", () => {
  expect(directFor(4096)).toBe(false);
  expect(directFor(DIRECT_MIN_BYTES - 1)).toBe(false);
  expect(directFor(DIRECT_MIN_BYTES)).toBe(true);
  expect(directFor(4 * 1024 * 1024)).toBe(true);
  expect(directFor(undefined)).toBe(true);
});
