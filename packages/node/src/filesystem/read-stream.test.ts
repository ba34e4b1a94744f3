// A download the client abandons mid-chunk ends quietly; a chunk that cannot be read still fails the stream loudly.
import { expect, test } from "bun:test";
import type { Logger } from "../log.ts";
import type { Manifest } from "../metadata/manifest.ts";
import type { ChunkReader } from "../replication/chunk-reader.ts";
import { fileReadStream } from "./read-stream.ts";

const file = { path: "a.bin", kind: "file", size: 8, chunkSize: 4, chunks: ["1".repeat(64), "2".repeat(64)] } as Manifest;

function recordingLog(): Logger & { errors: string[] } {
  const errors: string[] = [];
  return { errors, debug() {}, info() {}, warn() {}, error: (msg, ctx) => errors.push(`${msg}: ${ctx?.err}`) };
}

test("cancelling while a chunk is being read logs no error and sends nothing more", async () => {
  const log = recordingLog();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const reader = { read: async () => (await gate, new Uint8Array(4)) } as unknown as ChunkReader;
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
  const reader = { read: async () => Promise.reject(new Error("no replica answered")) } as unknown as ChunkReader;
  const stream = fileReadStream(file, 0, 7, reader, log).getReader();
  await expect(stream.read()).rejects.toThrow("no replica answered");
  expect(log.errors).toEqual(["read failed mid-stream: Error: no replica answered"]);
});
