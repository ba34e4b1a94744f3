// Folder totals (the web UI's folder sizes and item counts): what they count, and how a row below a folder
// names the entry of the folder's listing it makes. Both ManifestStores count by this key (SQLite in SQL).
import type { Manifest } from "./manifest.ts";

/** What is live below a directory, at any depth (the web UI's folder sizes). */
export interface FolderTotals {
  /** Its entries as a listing shows them: files directly in it, and folders (with a row, or implied by a row below). */
  items: number;
  /** Files at any depth below it. */
  files: number;
  /** Their total size. */
  bytes: number;
}

/**
 * The entry of `dir`'s listing that a live row below it makes: a file directly in it is that file, anything
 * else (a folder's row, or a row deeper down) the folder of its first name below `dir`. Names hold no '/', so
 * the key is unambiguous; counting distinct keys counts entries (FolderTotals.items).
 */
export function entryKeyBelow(dir: string, row: Pick<Manifest, "path" | "kind">): string {
  const rest = row.path.slice(dir === "" ? 0 : dir.length + 1);
  const slash = rest.indexOf("/");
  return slash < 0 && row.kind === "file" ? `${rest}/f` : `${slash < 0 ? rest : rest.slice(0, slash)}/d`;
}
