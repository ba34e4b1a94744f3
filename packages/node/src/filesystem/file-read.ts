// A GET or HEAD of a file, decided once for the files API, S3 and WebDAV: which bytes (Range, If-Range, or an
// explicit span such as S3's part), the status, the Content-Length (and Content-Range) every one of them sends,
// and the body opened only when it is wanted. Each API adds its own headers and maps the one error
// (rangeNotSatisfiable) to its format.
import { rangeNotSatisfiable } from "../errors.ts";
import { parseRange } from "./range.ts";
import type { Logger } from "../log.ts";
import { InlineCorruptError } from "../metadata/inline-content.ts";
import type { Manifest } from "../metadata/manifest.ts";
import type { ChunkReader } from "../replication/chunk-reader.ts";
import { openFileRead } from "./read-stream.ts";

export interface ReadRequest {
  /** The Range header: a single range is served as 206; anything else, or none, the whole file. */
  range?: string | null;
  /** If-Range: the Range holds only while the file's ETag is this one (else the whole file). */
  ifRange?: string | null;
  /** The file's ETag as the API shows it, for If-Range. */
  etag?: string;
  /** Bytes [start, end] asked for by other means than Range (S3's ?partNumber=N); always a 206 unless empty. */
  span?: { start: number; end: number };
  /** HEAD: the status and headers of the GET, no body opened. */
  head?: boolean;
}

export interface FileRead {
  status: 200 | 206;
  headers: { "content-length": string; "content-range"?: string };
  /** The bytes, the first chunk already fetched and verified (a 503 comes before any status); null for HEAD or none. */
  body: ReadableStream<Uint8Array> | null;
}

/** What to answer for `req` on `file`; throws rangeNotSatisfiable(size) (416) or the chunk reader's unavailability. */
export async function readFile(
  file: Manifest,
  req: ReadRequest,
  reader: ChunkReader,
  log: Logger,
  /** Told the size of each piece of the body as it is handed out (the node's traffic counters). */
  onBytes?: (n: number) => void,
): Promise<FileRead> {
  const size = file.size;
  let start = 0;
  let end = size - 1;
  let partial = false;
  if (req.span) {
    ({ start, end } = req.span);
    partial = end >= start;
  } else if (!req.ifRange || req.ifRange === req.etag) {
    const range = parseRange(req.range ?? undefined, size);
    if (range.kind === "unsatisfiable") throw rangeNotSatisfiable(size);
    if (range.kind === "range") ({ start, end, partial } = { start: range.start, end: range.end, partial: true });
  }
  const length = Math.max(0, end - start + 1);
  const headers: FileRead["headers"] = { "content-length": String(length) };
  if (partial) headers["content-range"] = `bytes ${start}-${end}/${size}`;
  const body = req.head || length === 0 ? null : await openFileRead(file, start, end, reader, log, onBytes);
  return { status: partial ? 206 : 200, headers, body };
}

/**
 * readFile, but a small file whose row is damaged here is first put back from an owner's copy (`repair`:
 * replication/inline-repair.ts) and then read: the client never meets the damaged row while an owner has a sound one.
 */
export async function readFileRepairing(
  file: Manifest,
  req: ReadRequest,
  reader: ChunkReader,
  log: Logger,
  repair: (damaged: Manifest) => Promise<Manifest | undefined>,
  onBytes?: (n: number) => void,
): Promise<FileRead> {
  try {
    return await readFile(file, req, reader, log, onBytes);
  } catch (err) {
    if (!(err instanceof InlineCorruptError)) throw err;
    const sound = await repair(file);
    if (!sound) throw err;
    return readFile(sound, req, reader, log, onBytes);
  }
}
