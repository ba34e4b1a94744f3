// Finding files and folders by name below a folder (the web UI's search): what matches, and how a page of
// matches is cut. Both ManifestStores search by these rules (SQLite in SQL: `lower()` folds ASCII only, so
// the match here does too, and the two stores agree on every name).
import type { Manifest } from "./manifest.ts";
import { VERSIONS_DIR } from "./version-paths.ts";

export const DEFAULT_SEARCH_LIMIT = 100;
export const MAX_SEARCH_LIMIT = 500;
/** Longest text searched for, in characters. */
export const MAX_SEARCH_TEXT = 200;

/** Upper case ASCII letters to lower case, nothing else (what SQLite's lower() does). */
export const foldAscii = (s: string) => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());

/** Whether a name holds the searched text (already folded), ASCII letters of either case alike. */
export const nameMatches = (name: string, folded: string) => foldAscii(name).includes(folded);

/** The reserved namespace is never a search's: at the root its range is skipped. */
export const searchSkips = (path: string) => path === VERSIONS_DIR || path.startsWith(`${VERSIONS_DIR}/`);

/**
 * The page of matches out of `rows` (sorted by path then kind, at most limit + 2 read): `limit` of them, one more
 * when the next has the last one's path (a file and a folder of one path are never split, so a next page after
 * the last path misses neither), and whether more follow.
 */
export function cutSearchPage(rows: readonly Manifest[], limit: number): { rows: Manifest[]; more: boolean } {
  const take = rows.length > limit && rows[limit]!.path === rows[limit - 1]!.path ? limit + 1 : limit;
  return { rows: rows.slice(0, take), more: rows.length > take };
}
