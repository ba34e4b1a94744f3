// A content type from a file's first bytes, for a file whose name names none (no extension Bun knows) and
// whose writer gave none. Binary formats with an unambiguous magic number only: never a text type, since a
// text file "sniffed" as HTML or SVG is how stored pages end up running scripts.
import type { ObjectMeta } from "./object-meta.ts";

/** How many of a file's first bytes `sniffContentType` looks at. */
export const SNIFF_BYTES = 16;

const ascii = (s: string) => Array.from(s, (ch) => ch.charCodeAt(0));

/** Magic numbers: the bytes at `at` (null: any byte). Checked in order; the first that matches names the type. */
const SIGNATURES: ReadonlyArray<{ type: string; at?: number; bytes: ReadonlyArray<number | null> }> = [
  { type: "image/png", bytes: [0x89, ...ascii("PNG\r\n\x1a\n")] },
  { type: "image/jpeg", bytes: [0xff, 0xd8, 0xff] },
  { type: "image/gif", bytes: ascii("GIF87a") },
  { type: "image/gif", bytes: ascii("GIF89a") },
  { type: "image/webp", bytes: [...ascii("RIFF"), null, null, null, null, ...ascii("WEBP")] },
  { type: "audio/wav", bytes: [...ascii("RIFF"), null, null, null, null, ...ascii("WAVE")] },
  { type: "image/tiff", bytes: [...ascii("II*"), 0] },
  { type: "image/tiff", bytes: [...ascii("MM"), 0, ...ascii("*")] },
  { type: "image/avif", at: 4, bytes: ascii("ftypavif") },
  { type: "image/heic", at: 4, bytes: ascii("ftypheic") },
  { type: "audio/mp4", at: 4, bytes: ascii("ftypM4A ") },
  { type: "video/quicktime", at: 4, bytes: ascii("ftypqt  ") },
  { type: "video/mp4", at: 4, bytes: ascii("ftyp") },
  { type: "video/webm", bytes: [0x1a, 0x45, 0xdf, 0xa3] },
  { type: "application/ogg", bytes: ascii("OggS") },
  { type: "audio/flac", bytes: ascii("fLaC") },
  { type: "audio/mpeg", bytes: ascii("ID3") },
  { type: "application/pdf", bytes: ascii("%PDF-") },
  { type: "application/zip", bytes: ascii("PK\x03\x04") },
  { type: "application/gzip", bytes: [0x1f, 0x8b, 0x08] },
  { type: "application/x-7z-compressed", bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { type: "application/x-xz", bytes: [0xfd, ...ascii("7zXZ"), 0] },
  { type: "application/zstd", bytes: [0x28, 0xb5, 0x2f, 0xfd] },
  { type: "application/wasm", bytes: [0, ...ascii("asm")] },
  { type: "application/vnd.sqlite3", bytes: [...ascii("SQLite format 3"), 0] },
  { type: "font/woff", bytes: ascii("wOFF") },
  { type: "font/woff2", bytes: ascii("wOF2") },
];

/** The type `head` (a file's first bytes, at least SNIFF_BYTES when the file has them) starts like, if any. */
export function sniffContentType(head: Uint8Array): string | undefined {
  const matches = (at: number, bytes: ReadonlyArray<number | null>) =>
    head.byteLength >= at + bytes.length && bytes.every((b, i) => b === null || head[at + i] === b);
  return SIGNATURES.find((s) => matches(s.at ?? 0, s.bytes))?.type;
}

/** `meta` with a content type sniffed from `head` when it names none and the bytes say one. */
export function withSniffedType(meta: ObjectMeta | undefined, head: Uint8Array): ObjectMeta | undefined {
  if (meta?.contentType !== undefined) return meta;
  const sniffed = sniffContentType(head);
  return sniffed === undefined ? meta : { ...meta, contentType: sniffed };
}
