// Folder totals (the web UI's folder sizes and item counts): what they count and how far. Both ManifestStores
// count entries as their listings show them and take files and bytes from the per-folder sums (folder_usage).

/** What is live below a directory, at any depth (the web UI's folder sizes). */
export interface FolderTotals {
  /** Its entries as a listing shows them: files directly in it, and folders (live, or deleted with something live below). */
  items: number;
  /** Files at any depth below it (exact: the per-folder sums kept with the rows, ManifestStore.liveBytesBelow's). */
  files: number;
  /** Their total size (exact, likewise). */
  bytes: number;
  /** It holds more entries than were counted (a listing counts a bounded number per folder): `items` is a lower bound. */
  partial?: true;
}

/**
 * Entries a listing's page counts for its folders' items, at most (about: each folder gets at least
 * MIN_ITEMS_PER_FOLDER): a folder with more entries than its share shows them as a lower bound (`partial`), so a
 * listing of folders with millions of entries costs a bounded read. Files and bytes are sums, never cut.
 */
export const FOLDER_TOTALS_ITEMS = 200_000;
const MIN_ITEMS_PER_FOLDER = 1000;

/** Each folder's share of the entries counted when `folders` are counted at once. */
export const itemsPerFolder = (folders: number, budget = FOLDER_TOTALS_ITEMS) => Math.max(MIN_ITEMS_PER_FOLDER, Math.floor(budget / Math.max(1, folders)));

/** A folder's totals from its entries counted (at most `cap + 1` of them) and the sums below it. */
export function folderTotalsOf(counted: number, cap: number, sums: { files: number; bytes: number }): FolderTotals {
  const totals: FolderTotals = { items: Math.min(counted, cap), files: sums.files, bytes: sums.bytes };
  return counted > cap ? { ...totals, partial: true } : totals;
}
