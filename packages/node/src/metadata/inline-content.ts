// Small files kept inside their manifest row (Garage's inline objects): the threshold, the row's rules, and the
// bytes of such a row, verified against its SHA-256 as a chunk read verifies a chunk.
import { OrreryError } from "../errors.ts";

/**
 * The largest file kept inline. 4 KiB covers the benchmark's small files (and most configuration and text
 * files); every message that carries rows stays within its bound at its row limit without raising it: a
 * manifests.get answer of 2 × 1,000 rows with 5,464 base64 characters each is ~11 MB of the 32 MiB an RPC
 * body may hold, a sync page of 1,000 rows ~5.5 MB. Garage keeps 3 KiB inline; bigger rows would also make
 * every row of a folder's quorum reads and anti-entropy pages heavier for files that gain little.
 */
export const INLINE_MAX_BYTES = 4096;
/** The base64 length of INLINE_MAX_BYTES. */
export const INLINE_MAX_CHARS = 4 * Math.ceil(INLINE_MAX_BYTES / 3);

export const encodeInline = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");

const sha256Hex = (bytes: Uint8Array): string => new Bun.CryptoHasher("sha256").update(bytes).digest("hex");

interface InlineRow {
  path: string;
  size: number;
  sha256: string | null;
  chunks: readonly string[];
  chunkSizes?: readonly number[];
  inline?: string;
}

/**
 * Why an inline row cannot be stored (undefined: it can). The bytes must be the content whole: no chunks
 * beside them, exactly `size` of them, and they hash to `sha256` — checked on every row that arrives, so a
 * peer cannot plant bytes under another content's name.
 */
export function inlineProblem(m: InlineRow): string | undefined {
  if (m.inline === undefined) return undefined;
  if (m.size === 0 || m.size > INLINE_MAX_BYTES) return `inline content is for files of 1 to ${INLINE_MAX_BYTES} bytes, not ${m.size}`;
  if (m.chunks.length !== 0 || m.chunkSizes !== undefined) return "a file with inline content has no chunks";
  // The decoder skips what is not base64; encoding its bytes again gives back only a canonical string (a
  // regular expression over the 5 KiB took twice as long: 13–16 µs a check against 6–8 µs).
  const bytes = Buffer.from(m.inline, "base64");
  if (bytes.toString("base64") !== m.inline) return "inline content must be canonical base64";
  if (bytes.byteLength !== m.size) return `inline content holds ${bytes.byteLength} bytes, not the file's ${m.size}`;
  if (m.sha256 !== sha256Hex(bytes)) return "inline content does not match the file's sha256";
  return undefined;
}

/** An inline row's bytes no longer match its SHA-256 (a damaged database row): 500, never served. */
export class InlineCorruptError extends OrreryError {
  constructor(path: string) {
    super(500, "inline_corrupt", `the content kept in the manifest of /${path} does not match its sha256; it was not served`);
  }
}

/** The content of an inline row, verified against its SHA-256 (InlineCorruptError otherwise). */
export function inlineBytes(m: InlineRow & { inline: string }): Buffer {
  const bytes = Buffer.from(m.inline, "base64");
  if (bytes.byteLength !== m.size || sha256Hex(bytes) !== m.sha256) throw new InlineCorruptError(m.path);
  return bytes;
}
