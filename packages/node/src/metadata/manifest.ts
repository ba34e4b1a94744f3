// File and directory manifests and their merge: a last-writer-wins register per (path, kind) — a file and a
// directory may share a path, as S3's `a/b` and `a/b/…` do — where the whole entry with the higher HLC version
// wins. A delete is a tombstone entry with a newer version.
import { z } from "zod";
import { compareVersions, nodeIdSchema, parseVersion, versionSchema } from "./hlc.ts";
import { canonicalMeta, type ObjectMeta, objectMetaSchema } from "./object-meta.ts";
import { isCanonicalPath } from "./path.ts";
import { INLINE_MAX_CHARS, inlineProblem } from "./inline-content.ts";

/** 1 TiB of 4 MiB chunks (the default size): bounds one manifest to ~18 MB of JSON. */
export const MAX_CHUNKS = 262_144;
export const MAX_CHUNK_SIZE = 1024 * 1024 * 1024;
/** S3's limit on the parts of a multipart upload, and so on the parts a manifest records. */
export const MAX_PARTS = 10_000;
/** An S3 multipart upload id as this node makes them (s3/multipart.ts). */
export const UPLOAD_ID = /^[A-Za-z0-9_-]{1,64}$/;

export type ManifestKind = "file" | "dir";

export interface MultipartLayout {
  /** Present on the object its upload completed; a copy of that object keeps the parts, not the id. */
  uploadId?: string;
  /** Bytes of each part, in part order; they add up to the file's size. */
  partSizes: number[];
}

export interface Manifest {
  /** Canonical, non-root path (see normalizePath). */
  path: string;
  kind: ManifestKind;
  /** HLC version; the node id inside it is `origin`. */
  version: string;
  /** A tombstone: the path was deleted by this write. */
  deleted: boolean;
  size: number;
  /** SHA-256 of the whole file (hex); null for directories and tombstones. */
  sha256: string | null;
  /**
   * Every chunk but the last is exactly chunkSize bytes, so byte offsets map to chunks without lookups;
   * unless chunkSizes is present, in which case chunkSize is the largest a chunk may be.
   */
  chunkSize: number;
  chunks: string[];
  /**
   * Each chunk's size, present only when the chunks are not all chunkSize bytes but the last: a file
   * assembled from other files' chunks without copying them (an S3 multipart upload's parts).
   */
  chunkSizes?: number[];
  /**
   * MD5 of the content (hex), S3's ETag. A file assembled from S3 multipart parts has S3's multipart
   * form instead: the MD5 of the parts' binary MD5s, '-', the part count. Absent on files written
   * before it was recorded.
   */
  md5?: string;
  /** Content type, standard headers and user metadata a client gave (object-meta.ts); files only. */
  meta?: ObjectMeta;
  /**
   * A file assembled from S3 multipart parts: each part's size in order (S3 reads one part with
   * `?partNumber=N`, and parts do not line up with chunks) and, on the upload's own object, the upload
   * id (a retried CompleteMultipartUpload is recognised by it). Its md5 is then the multipart ETag for
   * exactly this many parts. Absent on other files and on multipart objects completed before it was kept.
   */
  multipart?: MultipartLayout;
  /**
   * The whole content, base64, of a file of at most INLINE_MAX_BYTES kept in its row instead of a chunk
   * (inline-content.ts): no chunks then. Absent on every other row.
   */
  inline?: string;
  /** Client-visible modification time, ms since epoch. */
  mtime: number;
  /** The node that made this write and its local sequence number there: the key of delta sync. */
  origin: string;
  seq: number;
}

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, "expected 64 lowercase hex digits");
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** The content fields of a manifest: what a local change supplies (version, origin and seq are the store's). */
export const manifestContentShape = {
  path: z.string().refine((p) => p !== "" && isCanonicalPath(p), "path must be canonical (a/b/c) and not the root"),
  kind: z.enum(["file", "dir"]),
  deleted: z.boolean(),
  size: count,
  sha256: hex64.nullable(),
  chunkSize: z.number().int().min(0).max(MAX_CHUNK_SIZE),
  chunks: z.array(hex64).max(MAX_CHUNKS),
  chunkSizes: z.array(z.number().int().min(1).max(MAX_CHUNK_SIZE)).max(MAX_CHUNKS).optional(),
  md5: z
    .string()
    .regex(/^[0-9a-f]{32}(-[1-9][0-9]{0,4})?$/, "expected 32 lowercase hex digits, optionally -<parts>")
    .optional(),
  meta: objectMetaSchema.optional(),
  multipart: z
    .strictObject({
      uploadId: z.string().regex(UPLOAD_ID, "an upload id is 1-64 letters, digits, '_' or '-'").optional(),
      partSizes: z.array(count).min(1).max(MAX_PARTS),
    })
    .optional(),
  inline: z.string().min(1).max(INLINE_MAX_CHARS).optional(),
  mtime: count,
};

type Content = Pick<Manifest, "kind" | "deleted" | "size" | "sha256" | "chunkSize" | "chunks" | "chunkSizes" | "md5" | "meta" | "multipart" | "inline"> & { path: string };

/**
 * Cross-field rules. Tombstones and directories carry no content, so a tombstone stays small and can
 * never be read as data; a live file's chunk list must match its size, or Range reads would map
 * offsets to the wrong chunk.
 */
export function contentProblem(m: Content): string | undefined {
  if (m.deleted || (m.kind === "dir" && m.sha256 === null)) {
    if (
      m.size !== 0 || m.chunks.length !== 0 || m.sha256 !== null || m.md5 !== undefined || m.chunkSizes !== undefined || m.meta !== undefined ||
      m.multipart !== undefined || m.inline !== undefined
    ) {
      return `${m.deleted ? "a tombstone" : "a directory"} has no content${m.deleted ? "" : " without a sha256"}: size 0, no chunks, sha256 null, no md5, no metadata, no parts, no inline bytes`;
    }
    return undefined;
  }
  // A directory with content is S3's object `dir/` holding data (a console "folder" with a body): its
  // content follows a file's rules.
  if (m.sha256 === null) return "a file needs its sha256";
  if (m.multipart) {
    // Reads by part number answer byte ranges and the parts count from this list: it must cover the file
    // exactly and agree with the ETag's "-<parts>".
    const total = m.multipart.partSizes.reduce((a, b) => a + b, 0);
    if (total !== m.size) return `the parts add up to ${total} bytes, not the file's ${m.size}`;
    const parts = /-(\d+)$/.exec(m.md5 ?? "")?.[1];
    if (Number(parts) !== m.multipart.partSizes.length) {
      return `a file of ${m.multipart.partSizes.length} parts needs the multipart md5 "<hex>-${m.multipart.partSizes.length}"`;
    }
  }
  if (m.inline !== undefined) return inlineProblem(m);
  if (m.size === 0) {
    return m.chunks.length === 0 && m.chunkSizes === undefined ? undefined : "an empty file has no chunks";
  }
  if (m.chunkSize === 0) return "a non-empty file needs a chunkSize";
  if (m.chunkSizes !== undefined) {
    if (m.chunkSizes.length !== m.chunks.length) {
      return `chunkSizes has ${m.chunkSizes.length} entries for ${m.chunks.length} chunks`;
    }
    let total = 0;
    for (const s of m.chunkSizes) {
      if (s > m.chunkSize) return `a chunk of ${s} bytes is larger than chunkSize ${m.chunkSize}`;
      total += s;
    }
    return total === m.size ? undefined : `chunkSizes add up to ${total} bytes, not the file's ${m.size}`;
  }
  const expected = Math.ceil(m.size / m.chunkSize);
  if (m.chunks.length !== expected) {
    return `a file of ${m.size} bytes in ${m.chunkSize}-byte chunks has ${expected} chunks, not ${m.chunks.length}`;
  }
  return undefined;
}

export const manifestSchema = z
  .strictObject({
    ...manifestContentShape,
    version: versionSchema,
    origin: nodeIdSchema,
    seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  })
  .superRefine(
    (m, ctx) => {
      const problem = contentProblem(m);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
      // The version's node id is the writer; a row claiming another origin would corrupt delta sync.
      if (parseVersion(m.version).nodeId !== m.origin) {
        ctx.addIssue({ code: "custom", path: ["origin"], message: "origin must be the node id in the version" });
      }
    },
    // zod runs refinements after non-fatal field issues (a failed regex) too; judge only well-formed rows.
    { when: (payload) => payload.issues.length === 0 },
  );

// Compile-time check that the schema and the interface describe the same thing.
const _schemaMatches: (m: z.output<typeof manifestSchema>) => Manifest = (m) => m;
void _schemaMatches;

/** A stable serialisation (fixed key order) for tie-breaks and equality. */
function canonical(m: Manifest): string {
  return JSON.stringify([
    m.path, m.kind, m.version, m.deleted, m.size, m.sha256, m.chunkSize, m.chunks, m.mtime, m.origin, m.seq,
    m.md5 ?? null, m.chunkSizes ?? null, canonicalMeta(m.meta),
    m.multipart ? [m.multipart.uploadId ?? null, m.multipart.partSizes] : null, m.inline ?? null,
  ]);
}

/**
 * The CRDT key of a row: its path, qualified by its kind, so a file `a/b` and a directory `a/b` are two
 * registers. A directory's key is its path with a '/' (S3's key for it), which no file's path can be.
 */
export function rowKey(m: Pick<Manifest, "path" | "kind">): string {
  return m.kind === "dir" ? `${m.path}/` : m.path;
}

/** A directory that carries content of its own (S3's object `dir/` with data, or with metadata). */
export function hasOwnContent(m: Manifest): boolean {
  return m.kind === "dir" && !m.deleted && m.sha256 !== null;
}

export function sameManifest(a: Manifest, b: Manifest): boolean {
  return a === b || canonical(a) === canonical(b);
}

/**
 * Last writer wins: the entry with the higher version wins whole, so a tombstone with a newer version
 * is never overridden by an older write. Equal versions are the same write from an honest node; if a
 * faulty node sent two different entries under one version, a deterministic tie-break on their
 * content keeps the merge commutative, so every node still picks the same one.
 * Returns `a` itself when both are the same, so callers can tell "nothing changed" by identity.
 */
export function mergeManifest(a: Manifest, b: Manifest): Manifest {
  if (a.path !== b.path || a.kind !== b.kind) {
    throw new Error(`cannot merge manifests of different paths or kinds (two keys): ${rowKey(a)} and ${rowKey(b)}`);
  }
  const byVersion = compareVersions(a.version, b.version);
  if (byVersion !== 0) return byVersion > 0 ? a : b;
  if (a === b) return a;
  const ca = canonical(a);
  const cb = canonical(b);
  return ca >= cb ? a : b;
}
