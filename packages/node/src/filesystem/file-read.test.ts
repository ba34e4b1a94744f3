// readFile decides a GET or HEAD once for every API: the bytes asked for, the status and the length headers.
import { expect, test } from "bun:test";
import { OrreryError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Manifest } from "../metadata/manifest.ts";
import type { ChunkReader } from "../replication/chunk-reader.ts";
import { readFile } from "./file-read.ts";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const data = new Uint8Array(100).map((_, i) => i);
const file = { path: "f", kind: "file", size: 100, chunkSize: 100, chunks: ["c".repeat(64)] } as unknown as Manifest;
const reader = { read: async () => data, ensureReadable: async () => {} } as unknown as ChunkReader;
const body = async (s: ReadableStream<Uint8Array> | null) => (s ? new Uint8Array(await new Response(s).arrayBuffer()) : null);

test("no Range: 200 with the whole length; a Range: 206 with its Content-Range and only its bytes", async () => {
  const whole = await readFile(file, {}, reader, quiet);
  expect([whole.status, whole.headers]).toEqual([200, { "content-length": "100" }]);
  expect(await body(whole.body)).toEqual(data);
  const part = await readFile(file, { range: "bytes=10-19" }, reader, quiet);
  expect([part.status, part.headers]).toEqual([206, { "content-length": "10", "content-range": "bytes 10-19/100" }]);
  expect(await body(part.body)).toEqual(data.subarray(10, 20));
});

test("If-Range with another ETag serves the whole file; with the file's, the range", async () => {
  expect((await readFile(file, { range: "bytes=0-0", ifRange: '"old"', etag: '"new"' }, reader, quiet)).status).toBe(200);
  expect((await readFile(file, { range: "bytes=0-0", ifRange: '"new"', etag: '"new"' }, reader, quiet)).status).toBe(206);
});

test("a span (S3's part) is a 206 whatever the Range; an empty one a 200 with no body; HEAD opens nothing", async () => {
  const span = await readFile(file, { span: { start: 50, end: 99 }, range: "bytes=0-0" }, reader, quiet);
  expect([span.status, span.headers["content-range"]]).toEqual([206, "bytes 50-99/100"]);
  const empty = await readFile(file, { span: { start: 0, end: -1 } }, reader, quiet);
  expect([empty.status, empty.headers, empty.body]).toEqual([200, { "content-length": "0" }, null]);
  const failing = { read: async () => Promise.reject(new Error("must not read")), ensureReadable: async () => {} } as unknown as ChunkReader;
  const head = await readFile(file, { head: true, range: "bytes=-5" }, failing, quiet);
  expect([head.status, head.headers, head.body]).toEqual([206, { "content-length": "5", "content-range": "bytes 95-99/100" }, null]);
});

test("a range past the end is the one domain error, carrying the Content-Range every API sends", async () => {
  const err = await readFile(file, { range: "bytes=100-" }, reader, quiet).catch((e) => e);
  expect(err).toBeInstanceOf(OrreryError);
  expect([err.status, err.code, err.headers]).toEqual([416, "range_not_satisfiable", { "content-range": "bytes */100" }]);
});
