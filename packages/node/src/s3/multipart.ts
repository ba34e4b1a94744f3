// Multipart uploads: parts are ordinary (replicated) files under .s3-uploads/<uploadId>/, held against the
// quota of the home they are for (multipart-quota.ts); Complete commits one manifest listing the parts'
// chunks in order, copying no byte, and drops the staging. The object's SHA-256 is computed as the parts
// arrive in order (object-digest.ts); Complete reads back the rest.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { fileReadStream } from "../filesystem/read-stream.ts";
import { type Manifest, UPLOAD_ID } from "../metadata/manifest.ts";
import { type ObjectMeta, objectMetaSchema } from "../metadata/object-meta.ts";
import { compareNames, nameOf } from "../metadata/path.ts";
import {
  checkParts,
  completedBefore,
  completeResult,
  KEEPALIVE_ABOVE_BYTES,
  MAX_PART_NUMBER,
  multipartEtag,
  requestedParts,
  respondWhileWorking,
} from "./completion.ts";
import { errorXml, s3Error, toS3Error } from "./errors.ts";
import { etagOf, type Handler, intParam, isoDate, keyEncoder, ownerOf, requireBucket, type S3Components, type S3Request, xmlResponse, originOf } from "./http.ts";
import { objectPath, uploadDir, UPLOADS_DIR, uploadMetaPath as metaPath } from "./names.ts";
import { waitingPartBytes } from "./multipart-quota.ts";
import { copySourceOf, mtimeFromMeta, s3Meta } from "./objects.ts";
import { parseXml, readSmallBody } from "./request-body.ts";
import { compositeChecksum, fullObjectChecksum, partChecksum, payloadChecksum, withChecksum } from "./stored-checksums.ts";
import { headerTags, withTags } from "./tagging.ts";
import { ObjectDigests } from "./object-digest.ts";
import type { XmlNode } from "./xml.ts";
import { writtenVersionHeaders } from "./versions.ts";

/** Zero-padded, so a directory listing (by name) is in part order. */
export const partName = (n: number) => `part-${String(n).padStart(5, "0")}`;
const partNumberOf = (name: string) => {
  const m = /^part-(\d{5})$/.exec(name);
  return m ? Number(m[1]) : undefined;
};

const metaSchema = z.strictObject({
  bucket: z.string(),
  key: z.string(),
  initiated: z.number().int(),
  /** The object's metadata, from CreateMultipartUpload; given to the object on Complete. */
  object: objectMetaSchema.optional(),
  /** x-amz-checksum-algorithm and -type of CreateMultipartUpload (lower case, upper case), when given. */
  checksum: z.strictObject({ algorithm: z.string().max(16), type: z.string().max(16).optional() }).optional(),
});
export type UploadMeta = z.output<typeof metaSchema> & { id: string };

export class MultipartUploads {
  /** Upload metadata by id, with the version of the file it was read from. */
  private readonly meta = new Map<string, { version: string; upload: UploadMeta }>();
  /** The objects' SHA-256 as their parts arrive through this node. */
  private readonly digests: ObjectDigests;

  constructor(private readonly c: S3Components) {
    this.digests = new ObjectDigests(async (ids, sink) => {
      for (const id of ids) await c.reader.feed(id, sink);
    });
    // Parts ahead of their turn keep upload buffers: uploads that wait for buffers come first.
    c.fs.chunkBuffers.addRelief(this.digests.relieve);
  }

  private async load(id: string): Promise<UploadMeta | undefined> {
    if (!UPLOAD_ID.test(id)) return undefined;
    const m = this.c.fs.lookup(metaPath(id));
    if (m?.kind !== "file") return undefined;
    const cached = this.meta.get(id);
    if (cached?.version === m.version) return cached.upload;
    const text = await new Response(fileReadStream(m, 0, m.size - 1, this.c.reader, this.c.log)).text();
    let parsed;
    try {
      parsed = metaSchema.safeParse(JSON.parse(text));
    } catch {
      return undefined; // not JSON: not an upload this API made
    }
    if (!parsed.success) return undefined;
    const upload = { ...parsed.data, id };
    if (this.meta.size > 10_000) this.meta.clear();
    this.meta.set(id, { version: m.version, upload });
    return upload;
  }

  /** The upload the request names (uploadId) for its bucket and key, or NoSuchUpload. */
  private async required(r: S3Request): Promise<UploadMeta> {
    const upload = await this.load(r.query.get("uploadId") ?? "");
    if (!upload || upload.bucket !== r.bucket || upload.key !== r.key) throw s3Error("NoSuchUpload");
    return upload;
  }

  readonly create: Handler = async (r) => {
    requireBucket(this.c, r.bucket!);
    // Time first, so the ids of one key's uploads sort in the order they began.
    const id = `${Date.now().toString(36).padStart(9, "0")}-${randomBytes(12).toString("hex")}`;
    const object = withTags(s3Meta(r), headerTags(r));
    const checksum = checksumRequestOf(r);
    const meta = JSON.stringify({ bucket: r.bucket, key: r.key, initiated: Date.now(), ...(object ? { object } : {}), ...(checksum ? { checksum } : {}) });
    await this.c.fs.put(metaPath(id), new Response(meta).body, "quorum");
    const algorithm = r.header("x-amz-checksum-algorithm");
    return xmlResponse(
      "InitiateMultipartUploadResult",
      [
        ["Bucket", r.bucket!],
        ["Key", r.key!],
        ["UploadId", id],
      ],
      200,
      {
        ...(algorithm ? { "x-amz-checksum-algorithm": algorithm } : {}),
        ...(checksum?.type ? { "x-amz-checksum-type": checksum.type } : {}),
      },
    );
  };

  /** UploadPart, and UploadPartCopy when x-amz-copy-source is set. */
  readonly uploadPart: Handler = async (r) => {
    const n = Number(r.query.get("partNumber"));
    if (!Number.isInteger(n) || n < 1 || n > MAX_PART_NUMBER) {
      throw s3Error("InvalidArgument", `partNumber must be an integer from 1 to ${MAX_PART_NUMBER}.`);
    }
    const upload = await this.required(r);
    const path = `${uploadDir(upload.id)}/${partName(n)}`;
    const copying = r.header("x-amz-copy-source") !== null;
    const headers: Record<string, string> = {};
    // Held against the quota of the object's home with the parts already waiting (multipart-quota.ts).
    const target = objectPath(upload.bucket, upload.key).path;
    const waiting = await waitingPartBytes(this.c, (bucket) => this.uploadsOf(bucket), target, path);
    let result;
    if (copying) {
      const src = await copySourceOf(r, this.c);
      const [start, end] = copyRange(r.header("x-amz-copy-source-range"), src.size);
      this.c.quotas?.check(target, end - start + 1, -waiting);
      const body = fileReadStream(src, start, end, this.c.reader, this.c.log);
      result = await this.c.fs.put(path, body, "quorum", { sizeHint: end - start + 1, md5: true, inline: false });
    } else {
      const payload = r.payload();
      // `replacing` is what the write gives back; the waiting parts are taken, hence negative.
      const hold = this.c.quotas?.hold(target, payload.stream, payload.length, -waiting);
      const tap = this.digests.tap(upload.id, n);
      try {
        result = await this.c.fs.put(path, hold ? hold.body : payload.stream, "quorum", {
          sizeHint: payload.length,
          check: (content) => payload.check(content),
          md5: true,
          // Parts stay chunks, however small: Complete names the object's content by them (and the digest follows them).
          inline: false,
          // The part's verified checksum: the object's composite one is made of these.
          completeMeta: (meta) => withChecksum(meta, payloadChecksum(payload)),
          retain: tap.retain,
        });
      } catch (err) {
        tap.failed();
        throw err;
      } finally {
        hold?.release();
      }
      tap.stored(result.chunks);
      const checksum = payload.checksum();
      if (checksum) headers[checksum[0]] = checksum[1];
    }
    if (!(await this.load(upload.id))) {
      // Aborted or completed while this part was arriving: putting it recreated the directory.
      await this.c.fs.remove(uploadDir(upload.id), true).catch(() => {});
      this.digests.forget(upload.id);
      throw s3Error("NoSuchUpload");
    }
    if (!copying) return new Response(null, { headers: { ...headers, etag: `"${result.md5}"` } });
    return xmlResponse("CopyPartResult", [
      ["ETag", `"${result.md5}"`],
      ["LastModified", isoDate(result.mtime)],
    ]);
  };

  readonly complete: Handler = async (r) => {
    const id = r.query.get("uploadId") ?? "";
    const upload = await this.load(id);
    const body = await readSmallBody(r.payload(), 4 * 1024 * 1024);
    if (!upload || upload.bucket !== r.bucket || upload.key !== r.key) return this.completedAgain(r, id, body);
    requireBucket(this.c, upload.bucket);
    const { path, directory } = objectPath(upload.bucket, upload.key);
    const requested = requestedParts(parseXml(body));
    const partPath = (n: number) => `${uploadDir(upload.id)}/${partName(n)}`;
    // The parts as a read quorum holds them, not as they reached this node: the last upload of a part
    // number is the part (it replaced the others), and it may have gone through another node moments ago.
    const named = requested.filter((p) => Number.isInteger(p.partNumber) && p.partNumber >= 1 && p.partNumber <= MAX_PART_NUMBER);
    await this.c.fs.refresh(named.map((p) => partPath(p.partNumber)), "quorum", undefined, []);
    const parts = checkParts(requested, (n) => this.c.fs.lookup(partPath(n)));
    const etag = multipartEtag(parts.map((m) => m.md5!));
    // Kept with the object: reads by part number, and the id a retried Complete is recognised by.
    const multipart = { uploadId: upload.id, partSizes: parts.map((m) => m.size) };
    // The parts wait outside the homes; the object they make counts against its owner's quota.
    const replaced = this.c.fs.lookup(path);
    this.c.quotas?.check(path, multipart.partSizes.reduce((a, b) => a + b, 0), replaced?.kind === "file" ? replaced.size : 0);
    let written: Manifest | undefined;
    const finish = async (): Promise<string> => {
      // The manifest keeps the whole content's SHA-256 (the files API's ETag, checked by `orrery get`):
      // it does not follow from the parts' hashes, so the parts not hashed as they arrived are read, in order.
      // Asked for a full-object CRC, it is computed on a read of every part; else the parts' checksums compose one.
      const fullObject = upload.checksum?.type === "FULL_OBJECT";
      const full = fullObject && fullObjectChecksum(upload.checksum?.algorithm) ? () => fullObjectChecksum(upload.checksum?.algorithm)! : undefined;
      const arrived = full ? { covered: 0, state: undefined } : this.digests.prefix(upload.id, parts.map((m, i) => ({ n: requested[i]!.partNumber, chunks: m.chunks })));
      const { sha256, extra } = await this.c.fs.contentSha256(parts.slice(arrived.covered), full, arrived.state);
      const checksum = extra ? extra.result() : fullObject ? undefined : compositeChecksum(parts, upload.checksum?.algorithm);
      const meta = withChecksum(typedByFirstPart(upload.object, parts[0]), checksum);
      written = await this.c.fs.compose(path, parts, { sha256, md5: etag, multipart }, {
        remove: [uploadDir(upload.id)],
        meta,
        mtime: mtimeFromMeta(upload.object),
        ...(directory ? { kind: "dir" as const } : {}),
      });
      this.meta.delete(upload.id);
      this.digests.forget(upload.id);
      return completeResult(originOf(r.raw), upload.bucket, upload.key, etag);
    };
    const size = parts.reduce((s, m) => s + m.size, 0);
    if (size <= KEEPALIVE_ABOVE_BYTES) {
      const doc = await finish();
      // A long completion (below) answers before the write, so without one.
      const versionHeaders = written ? writtenVersionHeaders(this.c, written) : {};
      return new Response(doc, { headers: { "content-type": "application/xml", ...versionHeaders } });
    }
    const resource = new URL(r.raw.url).pathname;
    return respondWhileWorking(finish, (err) => errorXml(toS3Error(err, this.c.log, { op: "CompleteMultipartUpload" }), resource, r.requestId));
  };

  /**
   * Complete for an upload that is not (or no longer) there: S3's answer to a Complete sent again after it
   * succeeded is that success again (completedBefore); to anything else, NoSuchUpload.
   */
  private completedAgain(r: S3Request, id: string, body: Uint8Array): Response {
    let etag: string | undefined;
    try {
      const requested = requestedParts(parseXml(body));
      const { path, directory } = objectPath(r.bucket!, r.key!);
      etag = completedBefore(directory ? this.c.fs.lookupDir(path) : this.c.fs.lookupFile(path), id, requested);
    } catch {
      etag = undefined; // a body or key no Complete could have succeeded with
    }
    if (etag === undefined) throw s3Error("NoSuchUpload");
    return new Response(completeResult(originOf(r.raw), r.bucket!, r.key!, etag), { headers: { "content-type": "application/xml" } });
  }

  readonly abort: Handler = async (r) => {
    const upload = await this.required(r);
    await this.c.fs.remove(uploadDir(upload.id), true);
    this.meta.delete(upload.id);
    this.digests.forget(upload.id);
    return new Response(null, { status: 204 });
  };

  readonly listParts: Handler = async (r) => {
    const upload = await this.required(r);
    const marker = intParam(r, "part-number-marker", 0, 0, MAX_PART_NUMBER);
    const maxParts = intParam(r, "max-parts", 1000, 0, 1000);
    // upload.json sorts after every part, so one more than asked (and one for it) tells if there are more.
    const entries = this.c.fs.list(uploadDir(upload.id), { after: partName(marker), limit: maxParts + 2 });
    const parts = entries.filter((m) => m.kind === "file" && partNumberOf(nameOf(m.path)) !== undefined);
    const page = parts.slice(0, maxParts);
    const truncated = parts.length > maxParts;
    const owner = ownerOf(r.auth.accessKey);
    return xmlResponse("ListPartsResult", [
      ["Bucket", upload.bucket],
      ["Key", upload.key],
      ["UploadId", upload.id],
      ["Initiator", owner],
      ["Owner", owner],
      ["StorageClass", "STANDARD"],
      ["PartNumberMarker", marker],
      ["NextPartNumberMarker", page.length > 0 ? partNumberOf(nameOf(page[page.length - 1]!.path)) : marker],
      ["MaxParts", maxParts],
      ["IsTruncated", truncated],
      ...page.map((m): XmlNode => [
        "Part",
        [
          ["PartNumber", partNumberOf(nameOf(m.path))],
          ["LastModified", isoDate(m.mtime)],
          ["ETag", etagOf(m)],
          ["Size", m.size],
          ...partChecksum(m),
        ],
      ]),
    ]);
  };

  readonly listUploads: Handler = async (r) => {
    requireBucket(this.c, r.bucket!);
    const prefix = r.query.get("prefix") ?? "";
    const delimiter = r.query.get("delimiter") ?? "";
    const keyMarker = r.query.get("key-marker") ?? "";
    const idMarker = r.query.get("upload-id-marker") ?? "";
    const maxUploads = intParam(r, "max-uploads", 1000, 0, 1000);
    const enc = keyEncoder(r);
    const all = (await this.uploadsOf(r.bucket!))
      .filter((u) => u.key.startsWith(prefix) && visibleKey(r, u.key))
      .filter((u) => compareNames(u.key, keyMarker) > 0 || (u.key === keyMarker && idMarker !== "" && u.id > idMarker));
    const uploads: UploadMeta[] = [];
    const prefixes: string[] = [];
    let truncated = false;
    for (const u of all) {
      const i = delimiter === "" ? -1 : u.key.indexOf(delimiter, prefix.length);
      const cp = i < 0 ? undefined : u.key.slice(0, i + delimiter.length);
      if (cp !== undefined && (cp === prefixes[prefixes.length - 1] || cp === keyMarker)) continue;
      if (uploads.length + prefixes.length === maxUploads) {
        truncated = true;
        break;
      }
      if (cp === undefined) uploads.push(u);
      else prefixes.push(cp);
    }
    const last = uploads[uploads.length - 1];
    const owner = ownerOf(r.auth.accessKey);
    return xmlResponse("ListMultipartUploadsResult", [
      ["Bucket", r.bucket!],
      ["KeyMarker", enc(keyMarker)],
      ["UploadIdMarker", idMarker],
      ["NextKeyMarker", truncated && last ? enc(last.key) : undefined],
      ["NextUploadIdMarker", truncated && last ? last.id : undefined],
      ["Prefix", enc(prefix)],
      ["Delimiter", delimiter === "" ? undefined : enc(delimiter)],
      ["MaxUploads", maxUploads],
      ["EncodingType", r.query.get("encoding-type")],
      ["IsTruncated", truncated],
      ...uploads.map((u): XmlNode => [
        "Upload",
        [
          ["Key", enc(u.key)],
          ["UploadId", u.id],
          ["Initiator", owner],
          ["Owner", owner],
          ["StorageClass", "STANDARD"],
          ["Initiated", isoDate(u.initiated)],
        ],
      ]),
      ...prefixes.map((p): XmlNode => ["CommonPrefixes", [["Prefix", enc(p)]]]),
    ]);
  };

  /** Every upload in progress for a bucket, by key, then by when it began. */
  private async uploadsOf(bucket: string): Promise<UploadMeta[]> {
    const out: UploadMeta[] = [];
    if (!this.c.fs.lookupDir(UPLOADS_DIR)) return out;
    let after: string | undefined;
    for (;;) {
      const page = this.c.fs.list(UPLOADS_DIR, { after, limit: 1000 });
      for (const d of page) {
        const u = d.kind === "dir" ? await this.load(nameOf(d.path)) : undefined;
        if (u?.bucket === bucket) out.push(u);
      }
      if (page.length < 1000) break;
      after = nameOf(page[page.length - 1]!.path);
    }
    return out.sort((a, b) => compareNames(a.key, b.key) || a.initiated - b.initiated || (a.id < b.id ? -1 : 1));
  }
}

/** Whether the caller may see an upload's key (listings leave out what they may not read). */
function visibleKey(r: S3Request, key: string): boolean {
  try {
    return r.access.sees(objectPath(r.bucket!, key).path);
  } catch {
    return false;
  }
}

/** CreateMultipartUpload's x-amz-checksum-algorithm (and -type), lower case and upper case as kept. */
function checksumRequestOf(r: S3Request): { algorithm: string; type?: string } | undefined {
  const algorithm = r.header("x-amz-checksum-algorithm")?.trim().toLowerCase();
  if (!algorithm) return undefined;
  const type = r.header("x-amz-checksum-type")?.trim().toUpperCase();
  if (type !== undefined && type !== "COMPOSITE" && type !== "FULL_OBJECT") throw s3Error("InvalidRequest", "x-amz-checksum-type must be COMPOSITE or FULL_OBJECT.");
  if (algorithm.length > 16) throw s3Error("InvalidRequest", "Checksum algorithm provided is unsupported.");
  // S3's rule: a full-object checksum of a multipart object is a CRC (it combines; a hash does not).
  if (type === "FULL_OBJECT" && (algorithm === "sha1" || algorithm === "sha256")) {
    throw s3Error("InvalidRequest", `The FULL_OBJECT checksum type cannot be used with the ${algorithm.toUpperCase()} checksum algorithm.`);
  }
  return type ? { algorithm, type } : { algorithm };
}

/** x-amz-copy-source-range: `bytes=first-last` within the source; the whole source without one. */
export function copyRange(header: string | null, size: number): [number, number] {
  if (header === null) return [0, size - 1];
  const m = /^bytes=(\d+)-(\d+)$/.exec(header.trim());
  const [start, end] = m ? [Number(m[1]), Number(m[2])] : [Number.NaN, Number.NaN];
  if (!m || start > end) {
    throw s3Error("InvalidArgument", `The x-amz-copy-source-range ${header} must be bytes=first-last, first <= last, zero-based offsets.`);
  }
  // A well-formed range that reaches past the source is S3's InvalidRange (416), as for a GET.
  if (end >= size) throw s3Error("InvalidRange", `The x-amz-copy-source-range ${header} is not satisfiable for a source object of ${size} bytes.`);
  return [start, end];
}

/**
 * An object given no type and none by its key's extension takes its first part's: a part is stored as a
 * file with no name to type it by, so its type is the one sniffed from its first bytes (if any).
 */
function typedByFirstPart(meta: ObjectMeta | undefined, first: Manifest | undefined): ObjectMeta | undefined {
  const sniffed = first?.meta?.contentType;
  return meta?.contentType !== undefined || sniffed === undefined ? meta : { ...meta, contentType: sniffed };
}
