// A download the client abandons mid-chunk ends quietly; a chunk that cannot be read still fails the stream loudly.
import { expect, test } from "bun:test";
import type { Logger } from "../log.ts";
import type { Manifest } from "../metadata/manifest.ts";
import type { ChunkReader } from "../replication/chunk-reader.ts";
import { ReadBuffers } from "../store/read-buffers.ts";
import { giveBack } from "../util/lent-bytes.ts";
import { fileReadStream, READ_AHEAD_CHUNKS } from "./read-stream.ts";

const file = { path: "a.bin", kind: "file", size: 8, chunkSize: 4, chunks: ["1".repeat(64), "2".repeat(64)] } as Manifest;

function recordingLog(): Logger & { errors: string[] } {
  const errors: string[] = [];
  return { errors, debug() {}, info() {}, warn() {}, error: (msg, ctx) => errors.push(`${msg}: ${ctx?.err}`) };
}

test("cancelling while a chunk is being read logs no error and sends nothing more", async () => {
  const log = recordingLog();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const reader = { read: async () => (await gate, new Uint8Array(4)), buffers: new ReadBuffers() } as unknown as ChunkReader;
  const stream = fileReadStream(file, 0, 7, reader, log).getReader();
  const pending = stream.read();
  await Bun.sleep(5);
  await stream.cancel();
  release();
  await Bun.sleep(20);
  expect(await pending).toEqual({ done: true, value: undefined });
  expect(log.errors).toEqual([]);
});

test("a chunk that cannot be read fails the stream and is logged", async () => {
  const log = recordingLog();
  const reader = { read: async () => Promise.reject(new Error("no replica answered")), buffers: new ReadBuffers() } as unknown as ChunkReader;
  const stream = fileReadStream(file, 0, 7, reader, log).getReader();
  await expect(stream.read()).rejects.toThrow("no replica answered");
  expect(log.errors).toEqual(["read failed mid-stream: Error: no replica answered"]);
});

test("the next chunks are fetched while one is handed out, never more than READ_AHEAD_CHUNKS of them", async () => {
  const chunks = Array.from({ length: 6 }, (_, i) => String(i + 1).repeat(64));
  const big = { ...file, size: 24, chunks } as Manifest;
  const asked: string[] = [];
  const reader = { read: async (id: string) => (asked.push(id), new Uint8Array(4)), buffers: new ReadBuffers() } as unknown as ChunkReader;
  const stream = fileReadStream(big, 0, 23, reader, recordingLog()).getReader();
  expect((await stream.read()).value?.byteLength).toBe(4);
  await Bun.sleep(5);
  // The first chunk was handed out and the stream queued the second (its high-water mark is one chunk); the next
  // READ_AHEAD_CHUNKS are on their way, no further one.
  expect(READ_AHEAD_CHUNKS).toBe(2);
  expect(asked).toEqual(chunks.slice(0, 2 + READ_AHEAD_CHUNKS));
  let n = 1;
  while (!(await stream.read()).done) n++;
  expect(n).toBe(6);
  expect(asked).toEqual(chunks);
});

/** A reader that reads every chunk into a buffer from its pool, filled with the chunk's digit. */
function pooledReader(asked: string[] = []) {
  const buffers = new ReadBuffers();
  const read = async (id: string, into?: ReadBuffers) => {
    asked.push(id);
    const buf = (into ?? buffers).take(4).subarray(0, 4);
    return buf.fill(Number(id[0]));
  };
  return { read, buffers } as unknown as ChunkReader;
}

test("a chunk's buffer serves another chunk only once the consumer gave its piece back", async () => {
  const chunks = Array.from({ length: 6 }, (_, i) => String(i + 1).repeat(64));
  const big = { ...file, size: 24, chunks } as Manifest;
  const reader = pooledReader();
  const kept: Uint8Array[] = [];
  for await (const piece of fileReadStream(big, 0, 23, reader, recordingLog())) kept.push(piece);
  // Nothing given back: six buffers, each still holding its own chunk.
  expect(new Set(kept.map((p) => p.buffer)).size).toBe(6);
  expect(kept.map((p) => p[0])).toEqual([1, 2, 3, 4, 5, 6]);
  expect(reader.buffers.reused).toBe(0);

  const sent: number[] = [];
  for await (const piece of fileReadStream(big, 0, 23, reader, recordingLog())) {
    sent.push(piece[0]!);
    giveBack(piece); // as the HTTP server does once a write is flushed
  }
  expect(sent).toEqual([1, 2, 3, 4, 5, 6]);
  expect(reader.buffers.reused).toBeGreaterThan(0);
});

test("a cancelled stream gives the chunks it read ahead back to the pool", async () => {
  const chunks = Array.from({ length: 6 }, (_, i) => String(i + 1).repeat(64));
  const big = { ...file, size: 24, chunks } as Manifest;
  const reader = pooledReader();
  const stream = fileReadStream(big, 0, 23, reader, recordingLog()).getReader();
  await stream.read();
  await Bun.sleep(5);
  await stream.cancel();
  await Bun.sleep(5);
  // Read ahead and never sent: READ_AHEAD_CHUNKS of them (the one queued in the stream is dropped with it).
  expect(reader.buffers.held).toBe(READ_AHEAD_CHUNKS);
});
