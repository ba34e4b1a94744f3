// Store paths ("/photos/2024/a.jpg") and the URLs that name them: API URLs with each segment
// percent-encoded, UI routes, breadcrumbs. Store paths are absolute, '/'-separated, without a
// trailing slash; the root is "/".

/** Splits a path into its non-empty segments: "/a//b/" → ["a", "b"]. */
export function segments(path: string): string[] {
  return path.split("/").filter((s) => s !== "" && s !== ".");
}

/** Canonical form: "a/b/" → "/a/b", "" → "/". */
export function normalize(path: string): string {
  return `/${segments(path).join("/")}`;
}

/** Joins a directory and a relative path: join("/a", "b/c.txt") → "/a/b/c.txt". */
export function join(dir: string, rel: string): string {
  return normalize(`${dir}/${rel}`);
}

/** "/a/b/c.txt" → "c.txt"; the root's name is "". */
export function basename(path: string): string {
  const s = segments(path);
  return s[s.length - 1] ?? "";
}

/** "/a/b/c.txt" → "/a/b"; the root is its own parent. */
export function dirname(path: string): string {
  const s = segments(path);
  return `/${s.slice(0, -1).join("/")}`;
}

/** Percent-encodes every segment on its own, so '/' separates and '#', '?', '%' are data. */
export function encodePath(path: string): string {
  return segments(path).map(encodeURIComponent).join("/");
}

/** The file (or directory with `dir`) in the files API: "/api/files/a%20b/c". */
export function apiFileUrl(path: string, opts: { dir?: boolean } = {}): string {
  const enc = encodePath(path);
  if (opts.dir) return enc ? `/api/files/${enc}/` : "/api/files/";
  return `/api/files/${enc}`;
}

/** A directory listing page: limit and the name to continue after. */
/** `totals`: each folder entry with what is below it (the node counts it; costs it a read of those rows). */
export function apiListUrl(dir: string, page: { limit?: number; after?: string; totals?: boolean } = {}): string {
  const q = new URLSearchParams();
  if (page.limit) q.set("limit", String(page.limit));
  if (page.after !== undefined) q.set("after", page.after);
  if (page.totals) q.set("totals", "1");
  const qs = q.toString();
  return apiFileUrl(dir, { dir: true }) + (qs ? `?${qs}` : "");
}

export function apiStatUrl(path: string): string {
  return `/api/stat/${encodePath(path)}`;
}

/** A ZIP of files and folders (GET /api/zip, streamed by the node): one `path` parameter each. */
export function apiZipUrl(paths: readonly string[]): string {
  // %20, not URLSearchParams' "+": every server reads it as a space.
  return `/api/zip?${paths.map((p) => `path=${encodeURIComponent(normalize(p))}`).join("&")}`;
}

/** The UI route that browses a directory: "/" for the root, "/files/a/b" otherwise. */
export function browseHref(dir: string): string {
  const enc = encodePath(dir);
  return enc ? `/files/${enc}` : "/";
}

/** The cluster view with a file's chunks highlighted. */
export function ringHref(path: string): string {
  return `/cluster?file=${encodeURIComponent(normalize(path))}`;
}

export interface Crumb {
  name: string;
  path: string;
  href: string;
}

/** "/a/b" → [{Files, /}, {a, /a}, {b, /a/b}]; the last crumb is the current directory. */
export function breadcrumbs(dir: string, rootName = "Files"): Crumb[] {
  const crumbs: Crumb[] = [{ name: rootName, path: "/", href: "/" }];
  const s = segments(dir);
  s.forEach((name, i) => {
    const path = `/${s.slice(0, i + 1).join("/")}`;
    crumbs.push({ name, path, href: browseHref(path) });
  });
  return crumbs;
}

/**
 * Why a name typed into a dialog cannot be a file or folder name, or undefined when it can.
 * The node validates again; this only saves a round trip and gives a clearer message.
 */
export function invalidName(name: string): string | undefined {
  if (name.trim() === "") return "Enter a name.";
  if (name === "." || name === "..") return `"${name}" is not a valid name.`;
  if (name.includes("/")) return "A name cannot contain '/'.";
  if (name.includes("\\")) return "A name cannot contain a backslash.";
  if (/[\u0000-\u001f\u007f]/.test(name)) return "A name cannot contain control characters.";
  if (new TextEncoder().encode(name).length > 255) return "That name is too long (255 bytes at most).";
  return undefined;
}

/** Why a new folder cannot have this name here: an invalid name, or one an entry of the folder has. */
export function newFolderProblem(name: string, existing: ReadonlyArray<{ name: string; kind: string }>): string | undefined {
  const invalid = invalidName(name);
  if (invalid) return invalid;
  const taken = existing.find((e) => e.name === name.trim());
  if (!taken) return undefined;
  return `“${taken.name}” already exists here (a ${taken.kind === "dir" ? "folder" : "file"}).`;
}

/**
 * The picked files that would replace a file already in the folder (only the folder's own entries are
 * known, so files picked inside subfolders are not checked), and those that would land on a folder's name.
 */
export function uploadConflicts(
  relPaths: readonly string[],
  existing: ReadonlyArray<{ name: string; kind: string }>,
): { replaced: string[]; onFolder: string[] } {
  const byName = new Map(existing.map((e) => [e.name, e.kind]));
  const top = relPaths.filter((p) => !p.includes("/"));
  return {
    replaced: top.filter((p) => byName.get(p) === "file"),
    onFolder: top.filter((p) => byName.get(p) === "dir"),
  };
}

/**
 * The destination typed into a rename/move dialog, relative to the current directory unless it
 * starts with '/': resolves "..", so "../x" moves one level up.
 */
export function resolveDestination(currentDir: string, input: string): string {
  const start = input.startsWith("/") ? [] : segments(currentDir);
  for (const part of input.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") start.pop();
    else start.push(part);
  }
  return `/${start.join("/")}`;
}
