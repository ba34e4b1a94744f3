// GetObjectAttributes (`GET ?attributes`): what an object is without its bytes — ETag, size, storage class
// and, for an object uploaded in parts, its parts with their sizes (paged like ListParts); the Checksum kept
// with the object (stored-checksums.ts), left out for an object without one as S3 does.
import { MAX_PARTS } from "../metadata/manifest.ts";
import type { Manifest } from "../metadata/manifest.ts";
import { s3Error } from "./errors.ts";
import { etagOf, type Handler, type S3Request, xmlResponse } from "./http.ts";
import { objectOf, partsCountOf } from "./objects.ts";
import { checksumAttribute } from "./stored-checksums.ts";
import type { XmlNode } from "./xml.ts";

const ATTRIBUTES = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"] as const;
type Attribute = (typeof ATTRIBUTES)[number];

/** x-amz-object-attributes: a comma-separated list of at least one known attribute. */
function wantedOf(r: S3Request): Set<Attribute> {
  const names = (r.header("x-amz-object-attributes") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw s3Error("InvalidArgument", `x-amz-object-attributes must name one or more of ${ATTRIBUTES.join(", ")}.`);
  for (const n of names) {
    if (!(ATTRIBUTES as readonly string[]).includes(n)) throw s3Error("InvalidArgument", `Invalid attribute name specified: ${n}.`);
  }
  return new Set(names as Attribute[]);
}

/** An integer header within [min, max] (larger ones are max), or the default without one. */
function intHeader(r: S3Request, name: string, fallback: number, min: number, max: number): number {
  const raw = r.header(name);
  if (raw === null || raw === "") return fallback;
  const n = /^\d{1,10}$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!(n >= min)) throw s3Error("InvalidArgument", `${name} must be an integer from ${min} to ${max}.`);
  return Math.min(n, max);
}

/**
 * The ObjectParts element: undefined for an object not uploaded in parts (S3 leaves it out); only the count
 * for a multipart object completed before part sizes were kept; else one page of parts after the marker.
 */
function objectParts(r: S3Request, m: Manifest): XmlNode[] | undefined {
  const count = partsCountOf(m);
  if (count === undefined) return undefined;
  const sizes = m.multipart?.partSizes;
  if (!sizes) return [["PartsCount", count]];
  const marker = intHeader(r, "x-amz-part-number-marker", 0, 0, MAX_PARTS);
  const maxParts = intHeader(r, "x-amz-max-parts", 1000, 0, 1000);
  const after = sizes.slice(marker);
  const page = after.slice(0, maxParts);
  const truncated = after.length > page.length;
  return [
    ["PartsCount", count],
    ["PartNumberMarker", marker],
    ["NextPartNumberMarker", marker + page.length],
    ["MaxParts", maxParts],
    ["IsTruncated", truncated],
    ...page.map((size, i): XmlNode => ["Part", [["PartNumber", marker + i + 1], ["Size", size]]]),
  ];
}

export const getObjectAttributes: Handler = (r, c) => {
  const wanted = wantedOf(r);
  const m = objectOf(c, r.bucket!, r.key!);
  return xmlResponse(
    "GetObjectAttributesResponse",
    [
      // Unquoted here, unlike every other ETag S3 answers.
      ["ETag", wanted.has("ETag") ? etagOf(m).replace(/"/g, "") : undefined],
      ["Checksum", wanted.has("Checksum") ? checksumAttribute(m) : undefined],
      ["ObjectParts", wanted.has("ObjectParts") ? objectParts(r, m) : undefined],
      ["StorageClass", wanted.has("StorageClass") ? "STANDARD" : undefined],
      ["ObjectSize", wanted.has("ObjectSize") ? m.size : undefined],
    ],
    200,
    { "last-modified": new Date(m.mtime).toUTCString() },
  );
};
