// CompleteMultipartUpload, its pure parts: the request's part list and its checks against the stored
// parts, S3's multipart ETag, the answer document (sent while a long completion works), and how a
// Complete that is sent again after it succeeded is recognised.
import { type Manifest, MAX_PARTS } from "../metadata/manifest.ts";
import { s3Error } from "./errors.ts";
import { sameEtag } from "./http.ts";
import { childrenNamed, childText, type XmlElement } from "./request-body.ts";
import { renderXml } from "./xml.ts";

/** S3's limits: parts 1..10000, each but the last at least 5 MiB. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const MAX_PART_NUMBER = MAX_PARTS;
/** Above this size Complete answers at once and sends spaces while it hashes, as S3 does for long completions. */
export const KEEPALIVE_ABOVE_BYTES = 256 * 1024 * 1024;
const KEEPALIVE_INTERVAL_MS = 5000;

export interface CompletedPart {
  partNumber: number;
  etag: string;
}

/** The parts a <CompleteMultipartUpload> document lists, as sent (checkParts judges them). */
export function requestedParts(doc: XmlElement): CompletedPart[] {
  if (doc.name !== "CompleteMultipartUpload") throw s3Error("MalformedXML", "The body must be a <CompleteMultipartUpload> document.");
  const parts = childrenNamed(doc, "Part");
  if (parts.length > MAX_PART_NUMBER) throw s3Error("MalformedXML", `A CompleteMultipartUpload request lists at most ${MAX_PART_NUMBER} parts.`);
  return parts.map((p) => ({ partNumber: Number(childText(p, "PartNumber")), etag: childText(p, "ETag") ?? "" }));
}

/** S3's multipart ETag: the MD5 of the parts' binary MD5s, '-', the number of parts. */
export function multipartEtag(partMd5s: readonly string[]): string {
  const md5 = new Bun.CryptoHasher("md5");
  for (const hex of partMd5s) md5.update(Buffer.from(hex, "hex"));
  return `${md5.digest("hex")}-${partMd5s.length}`;
}

/** Checks Complete's part list against the stored parts; returns them in order. Pure. */
export function checkParts(requested: readonly CompletedPart[], stored: (n: number) => Manifest | undefined): Manifest[] {
  if (requested.length === 0) throw s3Error("MalformedXML", "A CompleteMultipartUpload request must list at least one part.");
  const parts: Manifest[] = [];
  for (const [i, p] of requested.entries()) {
    if (!Number.isInteger(p.partNumber) || p.partNumber < 1 || p.partNumber > MAX_PART_NUMBER) {
      throw s3Error("InvalidPart", `Part number ${p.partNumber} is not between 1 and ${MAX_PART_NUMBER}.`);
    }
    if (i > 0 && p.partNumber <= requested[i - 1]!.partNumber) throw s3Error("InvalidPartOrder");
    const m = stored(p.partNumber);
    if (m?.kind !== "file" || !/^[0-9a-f]{32}$/.test(m.md5 ?? "") || !sameEtag(p.etag, m.md5!)) {
      throw s3Error("InvalidPart", `Part ${p.partNumber} was not uploaded, or its ETag is not ${p.etag}.`);
    }
    parts.push(m);
  }
  for (const [i, m] of parts.slice(0, -1).entries()) {
    if (m.size < MIN_PART_SIZE) {
      throw s3Error("EntityTooSmall", `Part ${requested[i]!.partNumber} has ${m.size} bytes; every part but the last needs at least ${MIN_PART_SIZE}.`);
    }
  }
  return parts;
}

/**
 * The ETag to answer again when `object` (the live entry at the upload's key) is what completing upload
 * `uploadId` with `requested` made; undefined otherwise. A client whose connection broke before it read
 * Complete's answer sends it again, and S3 answers 200 with the same ETag although the upload is gone.
 * The object itself is the record: it carries its upload's id (the manifest's `multipart`), so this holds
 * on every node and for as long as the object is not replaced, and keeps nothing besides it. The parts'
 * ETags must give the object's multipart ETag: the same parts, not merely the same upload.
 */
export function completedBefore(object: Manifest | undefined, uploadId: string, requested: readonly CompletedPart[]): string | undefined {
  if (!object || object.deleted || object.multipart?.uploadId !== uploadId) return undefined;
  if (requested.length === 0 || requested.length > MAX_PART_NUMBER) return undefined;
  const md5s = requested.map((p) => p.etag.replace(/"/g, "").trim());
  if (!md5s.every((m) => /^[0-9a-f]{32}$/.test(m))) return undefined;
  const etag = multipartEtag(md5s);
  return object.md5 === etag ? etag : undefined;
}

/** Complete's answer document; `origin` is the request's scheme and host (https on a node with TLS). */
export function completeResult(origin: string, bucket: string, key: string, etag: string): string {
  return renderXml("CompleteMultipartUploadResult", [
    ["Location", `${origin}/${encodeURIComponent(bucket)}/${key.split("/").map(encodeURIComponent).join("/")}`],
    ["Bucket", bucket],
    ["Key", key],
    ["ETag", `"${etag}"`],
  ]);
}

/**
 * 200 at once, a space every few seconds while `work` runs, then its document, or an <Error> document
 * if it fails: what S3 does for long completions, so that clients and proxies do not time out.
 */
export function respondWhileWorking(
  work: () => Promise<string>,
  errorDocument: (err: unknown) => string,
  intervalMs = KEEPALIVE_INTERVAL_MS,
): Response {
  const enc = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(enc.encode('<?xml version="1.0" encoding="UTF-8"?>\n'));
      const timer = setInterval(() => controller.enqueue(enc.encode(" ")), intervalMs);
      let doc: string;
      try {
        doc = await work();
      } catch (err) {
        doc = errorDocument(err);
      } finally {
        clearInterval(timer);
      }
      controller.enqueue(enc.encode(doc.replace(/^<\?xml[^>]*\?>\n?/, "")));
      controller.close();
    },
  });
  return new Response(body, { headers: { "content-type": "application/xml" } });
}
