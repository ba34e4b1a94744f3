// Remote paths as users type them (`/docs/a.txt`, `docs/a.txt`, `docs/`) and their spelling in URLs.
// `.` and `..` are refused here: the URL parser would resolve them and silently target another path.
import { UsageError } from "./errors.ts";

export interface RemotePath {
  /** Segments without empty ones; the root has none. */
  segments: string[];
  /** Written with a trailing slash: the user means a directory. */
  dir: boolean;
}

export function parseRemotePath(raw: string): RemotePath {
  // Repeated slashes are a typing slip, not a request for an empty-named entry.
  const segments = raw.split("/").filter((s) => s !== "");
  for (const s of segments) {
    if (s === "." || s === "..") throw new UsageError(`invalid remote path '${raw}': '${s}' segments are not allowed`, false);
  }
  return { segments, dir: raw.endsWith("/") || segments.length === 0 };
}

export const isRoot = (p: RemotePath) => p.segments.length === 0;

/** The canonical display form: `/docs/a.txt`, the root as `/`. */
export const displayPath = (p: RemotePath) => `/${p.segments.join("/")}`;

export const baseName = (p: RemotePath) => p.segments[p.segments.length - 1] ?? "";

export const childPath = (p: RemotePath, name: string): RemotePath => ({ segments: [...p.segments, name], dir: false });

/** `/api/files/<each segment percent-encoded>`, with a trailing slash when asking for a directory listing. */
export function filesApiPath(p: RemotePath, opts: { listing?: boolean; prefix?: string } = {}): string {
  const encoded = p.segments.map(encodeURIComponent).join("/");
  const prefix = opts.prefix ?? "/api/files";
  if (encoded === "") return `${prefix}/`;
  return `${prefix}/${encoded}${opts.listing ? "/" : ""}`;
}
