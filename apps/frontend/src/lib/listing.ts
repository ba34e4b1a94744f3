// How a folder's listing is ordered and narrowed: sorting by name, size or modification time (folders
// first, as file managers do), and a filter on names. Pure, so the order is tested once.
import type { Entry } from "./api.ts";
import { formatBytes, plural } from "./format.ts";

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
 * By size, a folder counts what is below it when the node said (its totals), else nothing: name order.
 */
export function sortEntries(entries: readonly Entry[], order: SortOrder): Entry[] {
  const sign = order.dir === "asc" ? 1 : -1;
  const byName = (a: Entry, b: Entry) => collator.compare(a.name, b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return [...entries].sort((a, b) => {
    if (a.kind !== b.kind) return a.kind === "dir" ? -1 : 1;
    const primary =
      order.key === "size" ? sizeOf(a) - sizeOf(b) : order.key === "mtime" ? a.mtime - b.mtime : byName(a, b);
    return sign * primary || byName(a, b);
  });
}

/** What an entry weighs in a listing: a file its size, a folder all that is below it (0 when not known). */
const sizeOf = (e: Entry): number => (e.kind === "dir" ? (e.folder?.bytes ?? 0) : e.size);

/**
 * A folder's size cell: what is below it (the node's totals, counted at any depth) and how many entries it
 * holds; undefined when the node gave no totals (a folder on the way to the user's own, or an older node).
 */
export function folderSize(e: Entry): { size: string; items: string; title: string } | undefined {
  const f = e.kind === "dir" ? e.folder : undefined;
  if (!f) return undefined;
  // A folder with too many entries to count for one listing: what was counted, as a lower bound (files and bytes are sums, whole).
  const least = f.partial ? "≥ " : "";
  const below = `${plural(f.files, "file")} in all below it, ${f.bytes.toLocaleString("en")} bytes`;
  return {
    size: formatBytes(f.bytes),
    items: f.items === 0 && !f.partial ? "empty" : `${least}${plural(f.items, "item")}`,
    title: f.partial ? `At least ${plural(f.items, "item")} in this folder (too many to count for one listing); ${below}` : `${plural(f.items, "item")} in this folder; ${below}`,
  };
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

/**
 * A file's size cell tooltip: its exact size and how it is stored. A small file kept in its manifest (no chunk,
 * size above zero: the node keeps files up to 4 KiB so) says so, rather than "0 chunks".
 */
export function fileSizeTitle(e: Entry): string | undefined {
  if (e.kind === "dir") return undefined;
  const bytes = `${e.size.toLocaleString("en")} bytes`;
  if (e.chunks === undefined) return bytes;
  if (e.chunks === 0 && e.size > 0) return `${bytes}, kept in its manifest (a small file: no chunks)`;
  return `${bytes}, ${plural(e.chunks, "chunk")}`;
}
