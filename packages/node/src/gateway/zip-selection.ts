// What a zip download holds: the asked files and folders (folders walked whole, page by page, at the read's
// consistency), each path put to the caller's read verdict, named relative to the paths' common folder.
// Listed before the archive's first byte, so a missing path or too many entries is an error answer.
import type { Verdict } from "../accounts/authorize.ts";
import { OrreryError } from "../errors.ts";
import type { FileSystem } from "../filesystem/file-system.ts";
import { openFileRead } from "../filesystem/read-stream.ts";
import type { Logger } from "../log.ts";
import type { Manifest } from "../metadata/manifest.ts";
import { nameOf, parentOf } from "../metadata/path.ts";
import type { ChunkReader } from "../replication/chunk-reader.ts";
import type { Consistency } from "../replication/manifest-reads.ts";
import type { ZipEntry } from "../zip/zip-writer.ts";

export interface ZipSelectionDeps {
  fs: FileSystem;
  reader: ChunkReader;
  log: Logger;
}

export interface ZipSelection {
  /** The archive's file name: the common folder's (or the one path's) name. */
  name: string;
  entries: ZipEntry[];
  files: number;
  bytes: number;
}

const PAGE = 1000;

/** The folder that holds every path ("" is the root). */
export function commonParent(paths: readonly string[]): string {
  const parents = paths.map((p) => parentOf(p).split("/").filter(Boolean));
  const first = parents[0] ?? [];
  let n = first.length;
  for (const p of parents) {
    let i = 0;
    while (i < n && i < p.length && p[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n).join("/");
}

/** The asked paths without repeats and without those inside another asked folder (they come with it). */
export function outermost(paths: readonly string[]): string[] {
  const unique = [...new Set(paths)].sort();
  return unique.filter((p) => !unique.some((q) => q !== p && (q === "" || p.startsWith(`${q}/`))));
}

/**
 * The entries of `paths` (canonical, "" the root) as `verdict` lets the caller read them: a named path it may
 * not read is refused by `requireRead` (401/403); below a folder, what it may not read is left out, as a
 * listing leaves it out. More than `maxEntries` entries is 400 too_many_entries.
 */
export async function zipSelection(
  d: ZipSelectionDeps,
  paths: readonly string[],
  opts: { verdict: (path: string) => Verdict; requireRead: (path: string, m: Manifest) => void; maxEntries: number; consistency: Consistency },
): Promise<ZipSelection> {
  const roots = outermost(paths);
  const base = roots.length > 1 ? commonParent(roots) : roots[0] === "" ? "" : parentOf(roots[0]!);
  const relative = (path: string) => (base === "" ? path : path.slice(base.length + 1));
  const entries: ZipEntry[] = [];
  let files = 0;
  let bytes = 0;
  const add = (m: Manifest) => {
    if (entries.length >= opts.maxEntries) {
      throw new OrreryError(400, "too_many_entries", `more than ${opts.maxEntries} files and folders to zip (ZIP_MAX_ENTRIES); download fewer at a time`);
    }
    if (m.kind === "dir") {
      entries.push({ kind: "dir", name: relative(m.path), mtime: m.mtime });
      return;
    }
    files++;
    bytes += m.size;
    entries.push({ kind: "file", name: relative(m.path), mtime: m.mtime, size: m.size, open: () => openFileRead(m, 0, m.size - 1, d.reader, d.log) });
  };

  for (const root of roots) {
    await d.fs.refresh([root], opts.consistency);
    const m = d.fs.stat(root);
    opts.requireRead(root, m);
    if (m.kind === "file") {
      add(m);
      continue;
    }
    if (root !== "") add(m);
    // A folder's entries, then its subfolders' (an explicit stack): every folder's entry comes before what it holds.
    const stack = [root];
    while (stack.length > 0) {
      const dir = stack.pop()!;
      const below: string[] = [];
      for (let after: string | undefined; ; ) {
        const page = await d.fs.listFresh(dir, { limit: PAGE, after }, opts.consistency);
        for (const child of page) {
          const v = opts.verdict(child.path);
          if (v === "deny" || (child.kind === "file" && v !== "allow")) continue;
          add(child);
          if (child.kind === "dir") below.push(child.path);
        }
        if (page.length < PAGE) break;
        after = nameOf(page[page.length - 1]!.path);
      }
      stack.push(...below.reverse());
    }
  }
  const name = `${nameOf(roots.length === 1 ? roots[0]! : base) || "orrery"}.zip`;
  return { name, entries, files, bytes };
}
