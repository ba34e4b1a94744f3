// The additional checksum kept with an object (`meta.checksum`): the one a PutObject or UploadPart sent and
// checksums.ts verified, a multipart object's (composite of its parts' "…-N", or full-object when asked and
// computable), and how S3 answers it: x-amz-checksum-* on GET/HEAD with `x-amz-checksum-mode: ENABLED`,
// and the Checksum element of GetObjectAttributes. CRC64NVME is never kept: nothing here verifies it.
import type { Manifest } from "../metadata/manifest.ts";
import { type ObjectMeta, STORED_CHECKSUMS, type StoredChecksum } from "../metadata/object-meta.ts";
import { newChecksum } from "./checksums.ts";
import type { Payload } from "./request-body.ts";
import type { XmlNode } from "./xml.ts";

type Algorithm = StoredChecksum["algorithm"];
const isStored = (a: string): a is Algorithm => (STORED_CHECKSUMS as readonly string[]).includes(a);

/** S3's element names: ChecksumCRC32, ChecksumCRC32C, ChecksumSHA1, ChecksumSHA256. */
export const checksumElement = (algorithm: Algorithm) => `Checksum${algorithm.toUpperCase()}`;

/** The verified checksum of a body that has been read in full, if it carried one this node keeps. */
export function payloadChecksum(payload: Payload): StoredChecksum | undefined {
  const sent = payload.checksum();
  const algorithm = sent?.[0].replace(/^x-amz-checksum-/, "");
  if (!sent || !algorithm || !isStored(algorithm)) return undefined;
  return { algorithm, value: sent[1], type: "FULL_OBJECT" };
}

/** `meta` with `checksum` as its checksum (none when undefined); undefined when nothing is left. */
export function withChecksum(meta: ObjectMeta | undefined, checksum: StoredChecksum | undefined): ObjectMeta | undefined {
  const { checksum: _old, ...rest } = meta ?? {};
  const out: ObjectMeta = checksum ? { ...rest, checksum } : rest;
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * S3's composite checksum of a multipart object: the algorithm over the parts' digests (decoded, in order),
 * when every part carried a checksum of one algorithm (the upload's, if it named one); otherwise none.
 */
export function compositeChecksum(parts: readonly Manifest[], wanted?: string): StoredChecksum | undefined {
  const sums = parts.map((m) => m.meta?.checksum);
  const algorithm = sums[0]?.algorithm;
  if (!algorithm || (wanted !== undefined && wanted !== algorithm)) return undefined;
  if (!sums.every((s) => s?.algorithm === algorithm && s.type === "FULL_OBJECT")) return undefined;
  const sum = newChecksum(algorithm)!;
  for (const s of sums) sum.update(Buffer.from(s!.value, "base64"));
  return { algorithm, value: sum.digest(), type: "COMPOSITE", parts: parts.length };
}

/** A running full-object checksum of a multipart object's content, for the algorithms S3 allows that for. */
export function fullObjectChecksum(algorithm: string | undefined) {
  if (algorithm !== "crc32" && algorithm !== "crc32c") return undefined;
  const sum = newChecksum(algorithm)!;
  return {
    update: (bytes: Uint8Array) => sum.update(bytes),
    result: (): StoredChecksum => ({ algorithm, value: sum.digest(), type: "FULL_OBJECT" }),
  };
}

/** The value as GET and HEAD answer it: a composite one with its part count ("…-N"). */
const headerValue = (c: StoredChecksum) => (c.type === "COMPOSITE" ? `${c.value}-${c.parts}` : c.value);

/** x-amz-checksum-<algorithm> and x-amz-checksum-type, for a whole-object GET or HEAD that asked for them. */
export function checksumHeaders(m: Manifest, mode: string | null): Record<string, string> {
  const c = m.meta?.checksum;
  if (!c || mode?.toUpperCase() !== "ENABLED") return {};
  return { [`x-amz-checksum-${c.algorithm}`]: headerValue(c), "x-amz-checksum-type": c.type };
}

/** GetObjectAttributes' Checksum element, or undefined for an object without one (S3 leaves it out). */
export function checksumAttribute(m: Manifest): XmlNode[] | undefined {
  const c = m.meta?.checksum;
  if (!c) return undefined;
  return [[checksumElement(c.algorithm), c.value], ["ChecksumType", c.type]];
}

/** A part's checksum element in ListParts (ChecksumCRC32, …), if the part carried one. */
export function partChecksum(part: Manifest): XmlNode[] {
  const c = part.meta?.checksum;
  return c ? [[checksumElement(c.algorithm), c.value]] : [];
}
