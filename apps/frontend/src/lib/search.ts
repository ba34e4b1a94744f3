// Searching names below a folder (GET /api/search, answered by the node from its rows): the URL, and where a
// found entry lies as seen from the folder searched.
import { dirname, normalize } from "./paths.ts";

/** A page of matches for `q` below `dir`; `after` is the previous page's `next`. */
export function apiSearchUrl(dir: string, q: string, page: { after?: string; limit?: number } = {}): string {
  const params = [`q=${encodeURIComponent(q)}`, `path=${encodeURIComponent(normalize(dir))}`];
  if (page.after !== undefined) params.push(`after=${encodeURIComponent(page.after)}`);
  if (page.limit !== undefined) params.push(`limit=${page.limit}`);
  return `/api/search?${params.join("&")}`;
}

/** The folder holding `path`, relative to the searched `dir` ("" when directly in it): "2024/trips". */
export function foundIn(dir: string, path: string): string {
  const base = normalize(dir);
  const parent = dirname(path);
  const prefix = base === "/" ? "/" : `${base}/`;
  return parent === base ? "" : parent.startsWith(prefix) ? parent.slice(prefix.length) : parent;
}

/** The searched text as the node takes it: trimmed, at most 200 characters; undefined when nothing is left. */
export function searchText(query: string): string | undefined {
  const q = query.trim().slice(0, 200);
  return q === "" ? undefined : q;
}
