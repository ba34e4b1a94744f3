// Syncthing's conflict copy names: `name.sync-conflict-YYYYMMDD-HHMMSS-HOST.ext`, in the same folder, so a
// person sees both versions side by side and a sync program recognises the copy by `.sync-conflict-`.

export const CONFLICT_MARKER = ".sync-conflict-";

const two = (n: number) => String(n).padStart(2, "0");

/** UTC date and time as `YYYYMMDD-HHMMSS`. */
export function conflictStamp(at: Date): string {
  return `${at.getUTCFullYear()}${two(at.getUTCMonth() + 1)}${two(at.getUTCDate())}-${two(at.getUTCHours())}${two(at.getUTCMinutes())}${two(at.getUTCSeconds())}`;
}

/** A host name fit for a file name: letters, digits, `-` and `_` kept, anything else a `-`, at most 40 characters. */
export function safeHost(host: string): string {
  const cleaned = host.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40);
  return cleaned === "" ? "unknown" : cleaned;
}

/**
 * The conflict copy's path for `path` (`/`-separated, relative). The extension is what follows the last dot of
 * the name, unless that dot starts the name (`.bashrc` has none): `a/b.tar.gz` → `a/b.tar.sync-conflict-…-H.gz`.
 */
export function conflictPath(path: string, at: Date, host: string): string {
  const slash = path.lastIndexOf("/");
  const dir = path.slice(0, slash + 1);
  const name = path.slice(slash + 1);
  const dot = name.lastIndexOf(".");
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
  return `${dir}${stem}${CONFLICT_MARKER}${conflictStamp(at)}-${safeHost(host)}${ext}`;
}

/** The node that wrote a version (`<hlc>@<node id>`), to name whose edit a conflict copy holds. */
export const versionAuthor = (version: string) => version.slice(version.lastIndexOf("@") + 1) || "cluster";
