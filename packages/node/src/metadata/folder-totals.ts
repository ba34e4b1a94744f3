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
  /** More lies below than was counted (the rows read were bounded): the numbers are lower bounds. */
  partial?: true;
}

/**
 * Rows a listing's page reads for its folders' totals, at most (about: each folder gets at least
 * MIN_ROWS_PER_FOLDER): a folder bigger than its share is counted in part and marked `partial`, so a listing of
 * a huge tree costs a bounded read, not a read of the whole tree.
 */
export const FOLDER_TOTALS_ROWS = 200_000;
const MIN_ROWS_PER_FOLDER = 1000;

/** Each folder's share of the rows when `folders` are counted at once. */
export const rowsPerFolder = (folders: number, budget = FOLDER_TOTALS_ROWS) => Math.max(MIN_ROWS_PER_FOLDER, Math.floor(budget / Math.max(1, folders)));

/**
 * Totals of one folder from its first `cap + 1` live rows below (path order), all of them counted: more than
 * `cap` means more may lie below, so the totals are partial (the memory store; SQLite counts the same in SQL).
 */
export function totalsOfRows(dir: string, rows: readonly Pick<Manifest, "path" | "kind" | "size">[], cap: number): FolderTotals {
  const keys = new Set(rows.map((r) => entryKeyBelow(dir, r)));
  const files = rows.filter((r) => r.kind === "file");
  const totals: FolderTotals = { items: keys.size, files: files.length, bytes: files.reduce((n, r) => n + r.size, 0) };
  return rows.length > cap ? { ...totals, partial: true } : totals;
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
