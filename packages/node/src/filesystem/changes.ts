// The vocabulary of FileSystem's writes: the change a write commits, what a put is given and answers, and
// the pure helpers that build and judge changes (a directory, a tombstone, checked metadata, newer versions).
import type { Precondition } from "../consensus/conditional-writes.ts";
import { badRequest } from "../errors.ts";
import type { Manifest } from "../metadata/manifest.ts";
import { metaProblem, type ObjectMeta } from "../metadata/object-meta.ts";
import type { Durability } from "../replication/placement.ts";
import type { ChunkRetainer } from "./upload.ts";

export type ManifestChange = Omit<Manifest, "version" | "origin" | "seq">;

/** What an upload turned out to contain, for checks against what the client announced. */
export interface UploadedContent {
  size: number;
  sha256: string;
  /** Only when the put asked for it (PutOptions.md5): S3's ETag. */
  md5?: string;
}

export interface PutResult {
  path: string;
  size: number;
  sha256: string;
  /** Only when the put asked for it (PutOptions.md5). */
  md5?: string;
  chunkSize: number;
  chunks: string[];
  version: string;
  mtime: number;
  durability: Durability;
  replicationFactor: number;
  /** Fewest durable copies any chunk had when the write was acknowledged. */
  copies: number;
  /** Copies waiting in the replication queue. */
  queued: number;
  /** Fewer live owners than the replication factor: the queue and placement checks will catch up. */
  underReplicated: boolean;
  /** Nodes holding the manifest when the write was acknowledged. */
  manifestCopies: number;
}

/** For a write or delete whose caller already read what it decides on at quorum. */
export interface Fresh {
  /**
   * The caller brought the path (for a write: and its folders; for a delete of a directory: its first page of
   * entries) up to a read quorum's rows in this request, just before (S3's object operations check their bucket
   * on them first): the operation does not read them again.
   */
  fresh?: boolean;
}

export interface PutOptions extends Fresh {
  /**
   * "dir": the content is the directory's own (S3's object `dir/` with data), kept in the directory's row
   * beside whatever lies below it; default "file".
   */
  kind?: "file" | "dir";
  /** The file's modification time (default: now). */
  mtime?: number;
  /** The body's length when known, to size the first chunk's buffer. */
  sizeHint?: number;
  /** Runs after the body is stored and before the manifest is committed; a throw leaves no file. */
  check?: (content: UploadedContent) => void;
  /** Write only if this holds on the path's current row, decided by a Paxos round (412 otherwise). */
  precondition?: Precondition;
  /** Content type, standard headers, user metadata; a content type is inferred from the name when none is given. */
  meta?: ObjectMeta;
  /**
   * Also compute the content's MD5 (S3's ETag of a single-part object; ~1.5 s of CPU per GiB here, more
   * than any other pass over the bytes). Only S3 asks: the files API and WebDAV name content by its
   * SHA-256, and S3 shows a file written without an MD5 with an ETag in the multipart form ("…-1"), which
   * clients know not to compare with an MD5 of their own.
   */
  md5?: boolean;
  /**
   * Metadata known only once the body is read (an S3 checksum sent as a trailer of the body): runs after
   * `check`, given `meta`, and its answer is what is committed (checked like `meta`).
   */
  completeMeta?: (meta: ObjectMeta | undefined) => ObjectMeta | undefined;
  /**
   * false: store the content as chunks even when it is small enough to be kept in the manifest (S3 multipart
   * parts, which Complete joins by their chunks). Default: inline when it fits (metadata/inline-content.ts).
   */
  inline?: boolean;
  /** Shown each chunk's bytes before it is placed, and may keep them a while (upload.ts ChunkRetainer). */
  retain?: ChunkRetainer;
}

/** `meta` if it may be stored (400 invalid_metadata otherwise), before a byte of the body is read. */
export function checkedMeta(meta: ObjectMeta | undefined): ObjectMeta | undefined {
  if (!meta) return undefined;
  const problem = metaProblem(meta);
  if (problem) throw badRequest("invalid_metadata", `metadata cannot be stored: ${problem}`);
  return meta;
}

/** The manifest change that creates (or re-creates) a directory. */
export const dirChange = (path: string, mtime: number): ManifestChange => ({
  path,
  kind: "dir",
  deleted: false,
  size: 0,
  sha256: null,
  chunkSize: 0,
  chunks: [],
  mtime,
});

/**
 * Directory rows a write adds only so that its file has live parents (TreeView.ancestorsToCreate), by identity:
 * any live row of such a directory serves, so a newer live one at a replica is no conflict (manifest-commit.ts).
 */
const parentRows = new WeakSet<ManifestChange>();

/** dirChange for a parent that a write needs live, marked as such. */
export function parentDirChange(path: string, mtime: number): ManifestChange {
  const change = dirChange(path, mtime);
  parentRows.add(change);
  return change;
}

export const isParentDirChange = (change: ManifestChange): boolean => parentRows.has(change);

export const tombstoneOf = (m: Manifest, mtime: number): ManifestChange => ({
  path: m.path,
  kind: m.kind,
  deleted: true,
  size: 0,
  sha256: null,
  chunkSize: 0,
  chunks: [],
  mtime,
});


