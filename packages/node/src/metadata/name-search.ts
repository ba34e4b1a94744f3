// Finding files and folders by name below a folder (the web UI's search): what matches, and how a page of
// matches is cut. Both ManifestStores search by these rules (SQLite in SQL: `lower()` folds ASCII only, so
// the match here does too, and the two stores agree on every name).
import { z } from "zod";
import { versionSchema } from "./hlc.ts";
import type { Manifest } from "./manifest.ts";
import { isCanonicalPath } from "./path.ts";
import { VERSIONS_DIR } from "./version-paths.ts";

export const DEFAULT_SEARCH_LIMIT = 100;
export const MAX_SEARCH_LIMIT = 500;
/** Longest text searched for, in characters. */
export const MAX_SEARCH_TEXT = 200;

/** A page of a name search: matches after `after` (a path), at most `limit` (one more to keep a pair whole). */
export interface SearchOptions {
  after?: string;
  limit: number;
  /** Deleted rows whose name matches too (a peer's answer to a search across the cluster). */
  tombstones?: boolean;
}

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
export function cutSearchPage<T extends Pick<Manifest, "path">>(rows: readonly T[], limit: number): { rows: T[]; more: boolean } {
  const take = rows.length > limit && rows[limit]!.path === rows[limit - 1]!.path ? limit + 1 : limit;
  return { rows: rows.slice(0, take), more: rows.length > take };
}

/**
 * One match as a peer answers a search across the cluster: what a listing shows of it and what merging the
 * answers needs (the version, and whether it is a deletion), never its chunk ids or inline bytes.
 */
export const searchHitSchema = z.strictObject({
  path: z.string().refine((p) => p !== "" && isCanonicalPath(p), "a canonical path"),
  kind: z.enum(["file", "dir"]),
  version: versionSchema,
  deleted: z.boolean(),
  size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  mtime: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
  chunks: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});
export type SearchHit = z.infer<typeof searchHitSchema>;

export const toSearchHit = (m: Manifest): SearchHit => ({
  path: m.path,
  kind: m.kind,
  version: m.version,
  deleted: m.deleted,
  size: m.size,
  mtime: m.mtime,
  sha256: m.sha256,
  chunks: m.chunks.length,
});
