// Bucket listings as S3 gives them (UTF-8 key order, delimiter roll-up, pages) over a directory tree,
// reading only what a page needs: the walk seeks to its start key and skips rolled-up directories. The reads are
// asynchronous: each folder the walk enters is read from its manifest owners (buckets.ts treeOf).
import { hasOwnContent, type Manifest } from "../metadata/manifest.ts";
import { compareNames } from "../metadata/path.ts";

/** The reads a listing needs (FileSystem provides them; tests use a manifest store). */
export interface TreeSource {
  /** The live file or directory at a path (a file and a directory may share one: keys `a` and `a/…`). */
  lookup(path: string, kind: "file" | "dir"): Promise<Manifest | undefined>;
  /** Live children of a directory in name order (a directory before a file of its name), names after `after`. */
  children(dir: string, after: string | undefined, limit: number): Promise<Manifest[]>;
}

export interface ListedItem {
  key: string;
  entry: Manifest;
  /**
   * file: an object (a file, or a directory's own content: the key `dir/` holding data); marker: an empty
   * directory, listed as the key `dir/`; rolled: a directory rolled up whole.
   */
  kind: "file" | "marker" | "rolled";
}

const PAGE = 1000;
const SLASH = 0x2f;

const safeLookup = async (tree: TreeSource, path: string, kind: "file" | "dir"): Promise<Manifest | undefined> => {
  try {
    return await tree.lookup(path, kind);
  } catch (err) {
    if ((err as { code?: string }).code === "invalid_path") return undefined; // a name that is not a valid path cannot exist
    throw err;
  }
};

/** Children in name order that can hold keys at or after `lb` (see walk). */
async function* candidates(tree: TreeSource, dir: string, lb: string): AsyncGenerator<Manifest> {
  const join = (name: string) => (dir === "" ? name : `${dir}/${name}`);
  let after: string | undefined;
  if (lb !== "") {
    const slash = lb.indexOf("/");
    const h = slash < 0 ? lb : lb.slice(0, slash);
    // A directory whose name is a proper prefix of h sorts before h by name, but its keys (`name/…`)
    // sort after lb when the next character of h is below '/' ("a-b" < "a/x").
    for (let k = 1; k < h.length; k++) {
      if (h.charCodeAt(k) < SLASH) {
        const m = await safeLookup(tree, join(h.slice(0, k)), "dir");
        if (m) yield m;
      }
    }
    for (const kind of ["dir", "file"] as const) {
      const m = await safeLookup(tree, join(h), kind);
      if (m) yield m;
    }
    after = h;
  }
  for (;;) {
    const page = await tree.children(dir, after, PAGE);
    yield* page;
    if (page.length < PAGE) return;
    after = page[page.length - 1]!.path.slice(dir === "" ? 0 : dir.length + 1);
  }
}

/** Name order → key order: a directory `x` sorts as `x/`, after siblings like `x-1` and `x.txt`. */
async function* inKeyOrder(entries: AsyncIterable<Manifest>, nameOf: (m: Manifest) => string): AsyncGenerator<Manifest> {
  const sortKey = (m: Manifest) => (m.kind === "dir" ? `${nameOf(m)}/` : nameOf(m));
  // Deferred directories; the top has the smallest sort key (each push first pops all smaller ones).
  const deferred: Manifest[] = [];
  for await (const m of entries) {
    const k = sortKey(m);
    while (deferred.length > 0 && compareNames(sortKey(deferred[deferred.length - 1]!), k) < 0) yield deferred.pop()!;
    if (m.kind === "dir") deferred.push(m);
    else yield m;
  }
  while (deferred.length > 0) yield deferred.pop()!;
}

/**
 * Every key of the directory `dir` (whose keys start with `base`) that is after `lb` (relative to
 * base), or equal to it when `inclusive`, in key order. `rollUp(dirKey)` says a directory is listed
 * as one rolled-up item instead of being entered.
 */
export async function* walk(
  tree: TreeSource,
  dir: string,
  base: string,
  lb: string,
  inclusive: boolean,
  rollUp: (dirKey: string) => boolean,
): AsyncGenerator<ListedItem> {
  if (base !== "") {
    // The key `dir/` itself sorts before every key below it: the directory's own content when it holds some
    // (an object put at `dir/`, listed beside what lies below), or else a marker while it is empty.
    const empty = (await tree.children(dir, undefined, 1)).length === 0;
    const self = await safeLookup(tree, dir, "dir");
    const own = self !== undefined && hasOwnContent(self);
    if (self && (own || empty) && lb === "" && inclusive) yield { key: base, entry: self, kind: own ? "file" : "marker" };
    if (empty) return;
  }
  const nameOf = (m: Manifest) => m.path.slice(dir === "" ? 0 : dir.length + 1);
  for await (const m of inKeyOrder(candidates(tree, dir, lb), nameOf)) {
    const name = nameOf(m);
    if (m.kind === "file") {
      const c = compareNames(name, lb);
      if (c > 0 || (c === 0 && inclusive)) yield { key: base + name, entry: m, kind: "file" };
      continue;
    }
    const d = `${name}/`;
    let sub: [string, boolean];
    if (lb.startsWith(d)) sub = [lb.slice(d.length), inclusive];
    else if (compareNames(d, lb) > 0) sub = ["", true];
    else continue; // every key below sorts before lb
    if (!rollUp(base + d)) {
      yield* walk(tree, m.path, base + d, sub[0], sub[1], rollUp);
      continue;
    }
    // Started inside this directory (a marker within it): roll it up only if keys remain after lb.
    if (lb.startsWith(d) && (await walk(tree, m.path, base + d, sub[0], sub[1], () => false).next()).done) continue;
    yield { key: base + d, entry: m, kind: "rolled" };
  }
}

export interface ListParams {
  prefix: string;
  delimiter: string;
  /** List keys after this one (marker, start-after, a continuation token's key); "" from the start. */
  after: string;
  maxKeys: number;
}

export interface ListPage {
  objects: ListedItem[];
  commonPrefixes: string[];
  truncated: boolean;
  /** The last key or common prefix of this page: where the next page starts. */
  last: string | undefined;
}

/** One page of a bucket listing (the bucket's directory is `bucketDir`). */
export async function listPage(tree: TreeSource, bucketDir: string, p: ListParams): Promise<ListPage> {
  const { prefix, delimiter, after } = p;
  const fromAfter = compareNames(after, prefix) >= 0;
  // With delimiter '/', a directory wholly below the prefix is one common prefix: do not enter it.
  const rollUp = (dirKey: string) => delimiter === "/" && dirKey.length > prefix.length && dirKey.startsWith(prefix);
  const page: ListPage = { objects: [], commonPrefixes: [], truncated: false, last: undefined };
  if (p.maxKeys <= 0) return page;
  let count = 0;
  for await (const item of walk(tree, bucketDir, "", fromAfter ? after : prefix, !fromAfter, rollUp)) {
    const { key } = item;
    if (!key.startsWith(prefix)) {
      if (compareNames(key, prefix) > 0) break;
      continue;
    }
    let commonPrefix: string | undefined;
    if (delimiter !== "") {
      const i = key.indexOf(delimiter, prefix.length);
      if (i >= 0) commonPrefix = key.slice(0, i + delimiter.length);
    }
    // A common prefix already given (on this page, or as the previous page's last entry) is not repeated.
    if (commonPrefix !== undefined && (commonPrefix === page.last || commonPrefix === after)) continue;
    if (count === p.maxKeys) {
      page.truncated = true;
      break;
    }
    if (commonPrefix !== undefined) page.commonPrefixes.push(commonPrefix);
    else page.objects.push(item);
    page.last = commonPrefix ?? key;
    count++;
  }
  return page;
}
