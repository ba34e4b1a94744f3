// ListObjectVersions: the keys of a bucket that have versions or a live object, merged in S3 key order from two
// index-ordered sources (the live tree's walk, the versions' parent index), paged by key and version markers,
// with prefix and delimiter roll-up. A page reads from its marker on and jumps past each common prefix.
import type { FileVersions } from "../filesystem/file-versions.ts";
import { NULL_VERSION, type VersionEntry } from "../filesystem/versioning.ts";
import type { Manifest } from "../metadata/manifest.ts";
import { keysOfVersionsDir } from "../metadata/version-paths.ts";
import { compareNames } from "../metadata/path.ts";
import { treeOf } from "./buckets.ts";
import { s3Error } from "./errors.ts";
import { etagOf, type Handler, intParam, isoDate, keyEncoder, ownerOf, requireBucket, type S3Components, xmlResponse } from "./http.ts";
import { type ListedItem, walk } from "./list.ts";
import type { XmlNode } from "./xml.ts";

const PAGE = 1000;
/** Keys whose versions are read (a quorum read of each one's own partition) while the page loop is still on an earlier key. */
const READ_AHEAD = 16;

/** The smallest string above every string that starts with `prefix` (code point order); undefined when none is. */
export function pastPrefix(prefix: string): string | undefined {
  const points = [...prefix];
  while (points.length > 0) {
    const last = points.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) return points.join("") + String.fromCodePoint(last + 1 === 0xd800 ? 0xe000 : last + 1);
  }
  return undefined;
}

/**
 * The keys of a bucket that have version rows, in key order, a page of the index at a time; it can jump past a
 * prefix. It also reads each key's versions, the next few ahead of the one asked for.
 */
export class VersionedKeys {
  private page: string[] = [];
  private i = 0;
  private exhausted: boolean;
  private readonly ahead = new Map<string, Promise<VersionEntry[]>>();

  /** `from`: the first key it may answer (inclusive); `listed`: whether a key will be listed (read ahead only those). */
  constructor(
    private readonly versions: Pick<FileVersions, "versionedKeys" | "list"> | undefined,
    private readonly dir: string,
    private from: string,
    private readonly listed: (key: string) => boolean = () => true,
  ) {
    this.exhausted = versions === undefined;
  }

  /**
   * The versions of `key` (one this cursor answered, taken), at quorum from its versions folder's owners; the reads
   * of the next keys it will answer start meanwhile, so a page does not wait for one partition after another.
   */
  entriesOf(key: string): Promise<VersionEntry[]> {
    const read = this.start(key);
    this.ahead.delete(key);
    for (let j = this.i; j < Math.min(this.page.length, this.i + READ_AHEAD); j++) if (this.listed(this.page[j]!)) this.start(this.page[j]!);
    return read;
  }

  private start(key: string): Promise<VersionEntry[]> {
    let read = this.ahead.get(key);
    if (!read) {
      // A key ending in '/' is the directory's own content, with versions of its own.
      const directory = key.endsWith("/");
      read = this.versions!.list(`${this.dir}/${directory ? key.slice(0, -1) : key}`, "quorum", directory ? "dir" : "file");
      // A read ahead for a key the page never reaches fails unheard; the one asked for fails to its caller.
      read.catch(() => {});
      this.ahead.set(key, read);
    }
    return read;
  }

  /** The next key, not taken. */
  async peek(): Promise<string | undefined> {
    while (this.i >= this.page.length && !this.exhausted) await this.fill();
    return this.page[this.i];
  }

  take(): void {
    this.i++;
  }

  /** Skips every key that starts with `prefix` (a common prefix given whole): the next read seeks past them. */
  skipPast(prefix: string): void {
    while (this.i < this.page.length && this.page[this.i]!.startsWith(prefix)) this.i++;
    if (this.i < this.page.length || this.exhausted) return;
    const past = pastPrefix(prefix);
    if (past === undefined) this.exhausted = true;
    else if (compareNames(past, this.from) > 0) this.from = past;
  }

  private async fill(): Promise<void> {
    // Read from the members, not this node's rows: each key's versions are a partition of their own (file-versions.ts).
    const { dirs, done } = await this.versions!.versionedKeys(this.dir, this.from, PAGE);
    // A versions directory may hold two keys' versions (a directory's own content beside a file's): both, in key order.
    this.page = dirs.flatMap(keysOfVersionsDir).filter((k) => compareNames(k, this.from) >= 0);
    this.i = 0;
    if (done) this.exhausted = true;
    // Keys hold no NUL (paths refuse it): the smallest string after the last one read.
    else this.from = `${dirs[dirs.length - 1]!}\u0000`;
  }
}

/**
 * A key's versions, newest first: those kept (`versioned`: the cursor answered the key, so it has a versions folder,
 * read at quorum from its owners), or the live object as its "null" version.
 */
async function entriesOf(key: string, live: ListedItem | undefined, versioned: VersionedKeys | undefined): Promise<VersionEntry[]> {
  const kept = versioned ? await versioned.entriesOf(key) : [];
  if (kept.length > 0 || !live || live.kind === "rolled") return kept;
  return [{ versionId: NULL_VERSION, order: live.entry.version, row: live.entry, deleteMarker: false, isLatest: true, writtenAt: live.entry.mtime }];
}

interface Cursor {
  prefix: string;
  delimiter: string;
  keyMarker: string;
  versionIdMarker: string;
  maxKeys: number;
}

interface VersionPage {
  entries: Array<{ key: string; entry: VersionEntry }>;
  prefixes: string[];
  truncated: boolean;
  next?: { key: string; versionId?: string };
}

/** One page of versions: keys from the marker on, the live walk and the versioned keys merged in key order. */
async function versionPage(c: S3Components, dir: string, q: Cursor, sees: (path: string) => boolean): Promise<VersionPage> {
  const { prefix, delimiter, keyMarker, versionIdMarker, maxKeys } = q;
  const from = compareNames(keyMarker, prefix) > 0 ? keyMarker : prefix;
  // With delimiter '/', a directory wholly below the prefix is one common prefix: the walk does not enter it.
  const rollUp = (dirKey: string) => delimiter === "/" && dirKey.length > prefix.length && dirKey.startsWith(prefix);
  const live = walk(treeOf(c), dir, "", from, true, rollUp);
  const versioned = new VersionedKeys(c.versions, dir, from, (key) => key.startsWith(prefix) && (delimiter === "" || key.indexOf(delimiter, prefix.length) < 0));
  const page: VersionPage = { entries: [], prefixes: [], truncated: false };
  let liveNext = await live.next();
  for (;;) {
    const lk = liveNext.done ? undefined : liveNext.value.key;
    const vk = await versioned.peek();
    if (lk === undefined && vk === undefined) break;
    const order = lk === undefined ? 1 : vk === undefined ? -1 : compareNames(lk, vk);
    const key = order <= 0 ? lk! : vk!;
    const item = order <= 0 ? (liveNext.value as ListedItem) : undefined;
    if (order <= 0) liveNext = await live.next();
    if (order >= 0) versioned.take();
    if (!key.startsWith(prefix)) {
      if (compareNames(key, prefix) > 0) break;
      continue;
    }
    // Keys the caller may not read are left out, as the files API's listings leave them out.
    if (!sees(`${dir}/${key}`)) continue;
    const cut = delimiter === "" ? -1 : key.indexOf(delimiter, prefix.length);
    if (cut >= 0) {
      const common = key.slice(0, cut + delimiter.length);
      versioned.skipPast(common);
      if (common === page.prefixes[page.prefixes.length - 1] || compareNames(common, keyMarker) <= 0) continue;
      if (page.entries.length + page.prefixes.length >= maxKeys) return { ...page, truncated: true };
      page.prefixes.push(common);
      page.next = { key: common };
      continue;
    }
    let entries = await entriesOf(key, item, order >= 0 ? versioned : undefined);
    // A key marker alone: that key was listed whole; with a version marker: its versions after that one.
    if (key === keyMarker) entries = versionIdMarker === "" ? [] : entries.slice(entries.findIndex((e) => e.versionId === versionIdMarker) + 1);
    for (const entry of entries) {
      if (page.entries.length + page.prefixes.length >= maxKeys) return { ...page, truncated: true };
      page.entries.push({ key, entry });
      page.next = { key, versionId: entry.versionId };
    }
  }
  return page;
}

export const listObjectVersions: Handler = async (r, c) => {
  const dir = requireBucket(c, r.bucket!);
  const q: Cursor = {
    prefix: r.query.get("prefix") ?? "",
    delimiter: r.query.get("delimiter") ?? "",
    maxKeys: intParam(r, "max-keys", 1000, 0, 1000),
    keyMarker: r.query.get("key-marker") ?? "",
    versionIdMarker: r.query.get("version-id-marker") ?? "",
  };
  if (q.versionIdMarker !== "" && q.keyMarker === "") throw s3Error("InvalidArgument", "A version-id marker cannot be specified without a key marker.");
  const enc = keyEncoder(r);
  const owner = ownerOf(r.auth.accessKey);
  const page = await versionPage(c, dir, q, (path) => r.access.sees(path));
  const { truncated, next } = page;
  return xmlResponse("ListVersionsResult", [
    ["Name", r.bucket!],
    ["Prefix", enc(q.prefix)],
    ["KeyMarker", enc(q.keyMarker)],
    ["VersionIdMarker", q.versionIdMarker],
    ["NextKeyMarker", truncated && next ? enc(next.key) : undefined],
    ["NextVersionIdMarker", truncated && next?.versionId !== undefined ? next.versionId : undefined],
    ["MaxKeys", q.maxKeys],
    ["Delimiter", q.delimiter === "" ? undefined : enc(q.delimiter)],
    ["IsTruncated", truncated],
    ["EncodingType", r.query.get("encoding-type")],
    ...page.entries.map(({ key, entry }) => versionNode(key, entry, enc, owner)),
    ...page.prefixes.map((p): XmlNode => ["CommonPrefixes", [["Prefix", enc(p)]]]),
  ]);
};

function versionNode(key: string, e: VersionEntry, enc: (s: string) => string, owner: readonly XmlNode[]): XmlNode {
  if (e.deleteMarker) {
    return ["DeleteMarker", [["Key", enc(key)], ["VersionId", e.versionId], ["IsLatest", e.isLatest], ["LastModified", isoDate(e.writtenAt)], ["Owner", owner]]];
  }
  const row: Manifest = e.row;
  return [
    "Version",
    [
      ["Key", enc(key)], ["VersionId", e.versionId], ["IsLatest", e.isLatest], ["LastModified", isoDate(row.mtime)],
      ["ETag", etagOf(row)], ["Size", row.size], ["StorageClass", "STANDARD"], ["Owner", owner],
    ],
  ];
}
