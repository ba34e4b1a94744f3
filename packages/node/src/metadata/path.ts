// User paths for the files API: validation and the one canonical spelling `a/b/c` (the root is "").
// Every path that reaches the manifest table went through normalizePath, so one file has exactly one key.
import { badRequest } from "../errors.ts";

/** Limits in UTF-8 bytes, as most file systems count them (ext4 and APFS name limit: 255). */
export const MAX_PATH_BYTES = 1024;
export const MAX_SEGMENT_BYTES = 255;

// \p{Cc}: C0 controls (NUL, tab, newline...), DEL and the C1 controls; none belong in a file name.
const CONTROL = /\p{Cc}/u;

const invalid = (reason: string) => badRequest("invalid_path", `invalid path: ${reason}`);

const utf8Bytes = (s: string) => Buffer.byteLength(s, "utf8");

/**
 * Validates a user-supplied path and returns its canonical form: segments joined by `/`, no leading
 * or trailing slash, the root as "". One trailing slash is accepted (`a/b/` names the directory a/b).
 * Throws badRequest("invalid_path") with the reason otherwise.
 *
 * @example normalizePath("photos/2024/") // "photos/2024"
 */
export function normalizePath(raw: string): string {
  if (typeof raw !== "string") throw invalid("not a string");
  if (raw === "") return "";
  // Each UTF-16 unit is at least one UTF-8 byte: a cheap bound before any real work on huge input.
  if (raw.length > MAX_PATH_BYTES + 1) throw invalid(`longer than ${MAX_PATH_BYTES} bytes`);
  if (!raw.isWellFormed()) throw invalid("not valid Unicode (lone UTF-16 surrogate)");
  if (CONTROL.test(raw)) throw invalid("contains a control character (NUL, newline, tab, ...)");
  if (raw.includes("\\")) throw invalid("contains a backslash; separate segments with '/'");
  if (raw.startsWith("/")) throw invalid("absolute paths are not allowed; paths are relative to the root, e.g. a/b");
  const path = raw.endsWith("/") ? raw.slice(0, -1) : raw;
  if (utf8Bytes(path) > MAX_PATH_BYTES) throw invalid(`longer than ${MAX_PATH_BYTES} bytes (UTF-8)`);
  for (const segment of path.split("/")) {
    if (segment === "") throw invalid("empty segment ('//')");
    if (segment === "." || segment === "..") throw invalid(`'${segment}' segments are not allowed`);
    if (utf8Bytes(segment) > MAX_SEGMENT_BYTES) throw invalid(`a segment is longer than ${MAX_SEGMENT_BYTES} bytes (UTF-8)`);
  }
  return path;
}

/** True when `path` is already canonical (what normalizePath would return unchanged). */
export function isCanonicalPath(path: string): boolean {
  try {
    return normalizePath(path) === path;
  } catch {
    return false;
  }
}

/** The directory holding a canonical path: parentOf("a/b") = "a", parentOf("a") = "". The root has none. */
export function parentOf(path: string): string {
  if (path === "") throw invalid("the root has no parent");
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : path.slice(0, i);
}

/** The last segment of a canonical path: nameOf("a/b") = "b"; the root's name is "". */
export function nameOf(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** Joins relative paths and validates the result: joinPath("a", "b/c") = "a/b/c", joinPath("", "x") = "x". */
export function joinPath(...parts: string[]): string {
  return normalizePath(
    parts
      .map(normalizePath)
      .filter((p) => p !== "")
      .join("/"),
  );
}

/** True when `path` is `dir` itself or lies below it (every path is within the root ""). */
export function isWithin(path: string, dir: string): boolean {
  return dir === "" || path === dir || path.startsWith(`${dir}/`);
}

// Map UTF-16 code units so that unit order becomes code point order: surrogates (astral characters)
// move above U+E000..U+FFFF. Code point order is UTF-8 byte order, which is SQLite's BINARY collation.
const fixup = (c: number) => (c >= 0xe000 ? c - 0x800 : c >= 0xd800 ? c + 0x2000 : c);

/**
 * Orders names and paths by Unicode code point (= UTF-8 bytes = SQLite's `ORDER BY name`), so an
 * in-memory store lists directories in the same order as the SQLite one. Plain `<` on JS strings
 * differs for characters above U+FFFF.
 */
export function compareNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return fixup(x) - fixup(y);
  }
  return a.length - b.length;
}

/**
 * The top-level folder a canonical path lies in, "" for an entry at the root: topFolderOf("photos/2024/a.jpg")
 * = "photos", topFolderOf("photos") = "" (the folder itself, or a file of that name, is an entry of the root).
 * Per-folder settings (the replication factor) apply to what lies below a folder.
 */
export function topFolderOf(path: string): string {
  const i = path.indexOf("/");
  return i < 0 ? "" : path.slice(0, i);
}
