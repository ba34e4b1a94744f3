// How a folder's listing is ordered and narrowed: sorting by name, size or modification time (folders
// first, as file managers do), and a filter on names. Pure, so the order is tested once.
import type { Entry } from "./api.ts";

export type SortKey = "name" | "size" | "mtime";
export type SortDir = "asc" | "desc";
export interface SortOrder {
  key: SortKey;
  dir: SortDir;
}

export const SORT_KEYS: readonly SortKey[] = ["name", "size", "mtime"];
export const DEFAULT_SORT: SortOrder = { key: "name", dir: "asc" };

/** Names as people sort them: "file 2" before "file 10", case and accents ignored. */
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

/**
 * Folders first, then files, each by `order`; ties (same size, same time) by name, so the order is stable.
 * A folder has no size of its own: by size, folders stay in name order.
 */
export function sortEntries(entries: readonly Entry[], order: SortOrder): Entry[] {
  const sign = order.dir === "asc" ? 1 : -1;
  const byName = (a: Entry, b: Entry) => collator.compare(a.name, b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return [...entries].sort((a, b) => {
    if (a.kind !== b.kind) return a.kind === "dir" ? -1 : 1;
    const primary =
      order.key === "size" ? (a.kind === "dir" ? 0 : a.size - b.size) : order.key === "mtime" ? a.mtime - b.mtime : byName(a, b);
    return sign * primary || byName(a, b);
  });
}

/**
 * The order after a click on a column's header: the same column flips its direction; another column starts
 * where people expect it (names A→Z, the largest and the newest first).
 */
export function nextSort(current: SortOrder, key: SortKey): SortOrder {
  if (current.key === key) return { key, dir: current.dir === "asc" ? "desc" : "asc" };
  return { key, dir: key === "name" ? "asc" : "desc" };
}

/** What aria-sort says for a column under `order`. */
export function ariaSort(order: SortOrder, key: SortKey): "ascending" | "descending" | "none" {
  return order.key !== key ? "none" : order.dir === "asc" ? "ascending" : "descending";
}

/** A saved order (localStorage), or the default when it is missing or not one of ours. */
export function parseSort(saved: string | null | undefined): SortOrder {
  const [key, dir] = (saved ?? "").split(":");
  return SORT_KEYS.includes(key as SortKey) && (dir === "asc" || dir === "desc") ? { key: key as SortKey, dir } : DEFAULT_SORT;
}

export const formatSort = (o: SortOrder) => `${o.key}:${o.dir}`;

/**
 * An entry's identity in a listing: a file and a folder may share a path (S3's `a/b` beside `a/b/c`), so the
 * path alone does not name one.
 */
export const entryKey = (e: Pick<Entry, "kind" | "path">) => `${e.kind}:${e.path}`;

/** Names that are both a folder and a file here: the file is marked, so the two rows are told apart. */
export function sharedNames(entries: readonly Pick<Entry, "kind" | "name">[]): Set<string> {
  const dirs = new Set(entries.filter((e) => e.kind === "dir").map((e) => e.name));
  return new Set(entries.filter((e) => e.kind === "file" && dirs.has(e.name)).map((e) => e.name));
}

/** Entries whose name contains every word of `query`, case and accents ignored; all of them for an empty query. */
export function filterEntries(entries: readonly Entry[], query: string): Entry[] {
  const words = fold(query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...entries];
  return entries.filter((e) => {
    const name = fold(e.name);
    return words.every((w) => name.includes(w));
  });
}

const fold = (s: string) => s.normalize("NFD").replace(/\p{Diacritic}/gu, "").toLowerCase();
