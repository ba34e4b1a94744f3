// What the browser may show of a stored file, from its content type (the one the node keeps; the name's
// extension when that says nothing): only types that are safe inline. Images go in <img> (an SVG there runs no
// script), audio and video in their elements, a PDF in a sandboxed frame, text as text in a <pre> (HTML and
// scripts are shown as source, never rendered). Everything else is downloaded. Pure.

export type PreviewKind = "image" | "video" | "audio" | "pdf" | "text";

/** The first bytes of a text file that a preview fetches (with Range) and shows. */
export const TEXT_PREVIEW_BYTES = 256 * 1024;

const IMAGE = new Set(["image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/bmp", "image/svg+xml", "image/x-icon", "image/vnd.microsoft.icon"]);
const VIDEO = new Set(["video/mp4", "video/webm", "video/ogg"]);
const AUDIO = new Set(["audio/mpeg", "audio/ogg", "audio/wav", "audio/x-wav", "audio/wave", "audio/webm", "audio/aac", "audio/flac", "audio/x-flac", "audio/mp4"]);
/** Types that are text though not text/*: shown as source. */
const TEXTLIKE = new Set([
  "application/json", "application/xml", "application/javascript", "application/x-javascript", "application/ecmascript",
  "application/x-sh", "application/x-yaml", "application/yaml", "application/toml", "application/sql", "application/x-ndjson",
  "application/ld+json", "application/xhtml+xml",
]);

/** For files stored without a useful type (written before types were kept, or as octet-stream). */
const BY_EXTENSION: Record<string, string> = {
  png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", gif: "image/gif", webp: "image/webp", avif: "image/avif", bmp: "image/bmp",
  svg: "image/svg+xml", ico: "image/x-icon",
  mp4: "video/mp4", m4v: "video/mp4", webm: "video/webm", ogv: "video/ogg",
  mp3: "audio/mpeg", ogg: "audio/ogg", oga: "audio/ogg", opus: "audio/ogg", wav: "audio/wav", flac: "audio/flac", aac: "audio/aac", m4a: "audio/mp4",
  pdf: "application/pdf",
  txt: "text/plain", md: "text/markdown", csv: "text/csv", tsv: "text/tab-separated-values", log: "text/plain", ini: "text/plain", conf: "text/plain",
  json: "application/json", xml: "application/xml", yaml: "application/yaml", yml: "application/yaml", toml: "application/toml",
  html: "text/html", htm: "text/html", css: "text/css", js: "application/javascript", mjs: "application/javascript", ts: "text/plain",
  sh: "application/x-sh", py: "text/plain", rs: "text/plain", go: "text/plain", c: "text/plain", h: "text/plain", java: "text/plain",
  sql: "application/sql", svelte: "text/plain",
};

/** "Text/HTML; charset=utf-8" → "text/html". */
export const essence = (contentType: string | null | undefined): string => (contentType ?? "").split(";")[0]!.trim().toLowerCase();

/** The type a preview goes by: the stored one, unless it is missing or says only "bytes". */
export function effectiveType(contentType: string | null | undefined, name: string): string {
  const type = essence(contentType);
  if (type !== "" && type !== "application/octet-stream" && type !== "binary/octet-stream") return type;
  const dot = name.lastIndexOf(".");
  return dot > 0 ? (BY_EXTENSION[name.slice(dot + 1).toLowerCase()] ?? "application/octet-stream") : "application/octet-stream";
}

/** How the file can be shown, or undefined: download it instead. */
export function previewKind(contentType: string | null | undefined, name: string): PreviewKind | undefined {
  const type = effectiveType(contentType, name);
  if (IMAGE.has(type)) return "image";
  if (VIDEO.has(type)) return "video";
  if (AUDIO.has(type)) return "audio";
  if (type === "application/pdf") return "pdf";
  if (type.startsWith("text/") || TEXTLIKE.has(type) || type.endsWith("+json") || type.endsWith("+xml")) return "text";
  return undefined;
}

export type TextPreview = { kind: "text"; text: string; truncated: boolean } | { kind: "binary" };

/**
 * The text of a file's first bytes (`total`: the file's size). A NUL byte means it is not text after all. A
 * multi-byte character cut by the end of the range is dropped rather than shown as a replacement mark.
 */
export function textPreview(bytes: Uint8Array, total: number): TextPreview {
  if (bytes.includes(0)) return { kind: "binary" };
  const truncated = total > bytes.byteLength;
  const text = new TextDecoder("utf-8", { fatal: false }).decode(truncated ? trimPartialChar(bytes) : bytes);
  return { kind: "text", text, truncated };
}

/** `bytes` without a UTF-8 sequence left incomplete at its end. */
function trimPartialChar(bytes: Uint8Array): Uint8Array {
  for (let i = bytes.byteLength - 1, seen = 0; i >= 0 && seen < 4; i--, seen++) {
    const b = bytes[i]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > bytes.byteLength - i ? bytes.subarray(0, i) : bytes;
  }
  return bytes;
}
