// Where WebDAV URLs meet Orrery paths: `/dav/a/b` is the file `a/b`, 1:1, so WebDAV, the files API
// and the UI see one tree. Also the hrefs, ETags and content types the other modules report.
import { OrreryError } from "../errors.ts";
import { pathFromUrl } from "../gateway/files-routes.ts";
import type { Manifest } from "../metadata/manifest.ts";
import { contentTypeFor } from "../metadata/object-meta.ts";
import { davError } from "./errors.ts";

export const DAV_PREFIX = "/dav";

/** The canonical path a request URL names; a bad path is a 400. */
export function davPath(url: string): { path: string; trailingSlash: boolean } {
  try {
    return pathFromUrl(url, DAV_PREFIX);
  } catch (err) {
    throw err instanceof OrreryError ? davError(err.status, err.message) : err;
  }
}

/**
 * The canonical path of a URI in a Destination header or an If-header resource tag: an absolute
 * URI (any host: a proxy may have rewritten it) or an absolute path. Undefined when it is not under /dav/.
 */
export function pathOfUri(uri: string, base: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri, base);
  } catch {
    return undefined;
  }
  const p = url.pathname;
  if (p !== DAV_PREFIX && !p.startsWith(`${DAV_PREFIX}/`)) return undefined;
  try {
    return pathFromUrl(`http://x${p}`, DAV_PREFIX).path;
  } catch {
    return undefined;
  }
}

/** The href of a path as responses spell it: each segment percent-encoded, collections end in '/'. */
export function hrefOf(path: string, isDir: boolean): string {
  if (path === "") return `${DAV_PREFIX}/`;
  const encoded = path.split("/").map(encodeURIComponent).join("/");
  return `${DAV_PREFIX}/${encoded}${isDir ? "/" : ""}`;
}

/**
 * A file's strong ETag: the first 128 bits of its content hash (a prefix of the files API's ETag).
 * Not the whole hash: clients such as litmus build If headers with two ETags in a 200-byte buffer.
 * Directories get a tag of their manifest version.
 */
export const etagOf = (m: Pick<Manifest, "kind" | "sha256" | "version">) =>
  m.kind === "file" ? `"${m.sha256!.slice(0, 32)}"` : `"d-${m.version}"`;

/** The type the writer gave the file, else one guessed from its name's extension. */
export function contentTypeOf(m: Pick<Manifest, "path" | "meta">): string {
  return m.meta?.contentType ?? contentTypeFor(m.path) ?? "application/octet-stream";
}
