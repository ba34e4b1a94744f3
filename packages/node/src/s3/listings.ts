// ListObjectsV2 and ListObjects (v1), as XML over list.ts's pages (ListObjectVersions: version-listing.ts).
import { treeOf } from "./buckets.ts";
import {
  decodeToken,
  encodeToken,
  etagOf,
  type Handler,
  intParam,
  isoDate,
  keyEncoder,
  ownerOf,
  requireBucket,
  type S3Components,
  type S3Request,
} from "./http.ts";
import { type ListedItem, type ListPage, listPage } from "./list.ts";
import { renderXml, type XmlNode } from "./xml.ts";

const xml = (root: string, children: readonly XmlNode[]) =>
  new Response(renderXml(root, children), { headers: { "content-type": "application/xml" } });

interface Common {
  page: ListPage;
  prefix: string;
  delimiter: string;
  maxKeys: number;
  enc: (s: string) => string;
}

async function list(r: S3Request, c: S3Components, after: string): Promise<Common> {
  const dir = requireBucket(c, r.bucket!);
  const prefix = r.query.get("prefix") ?? "";
  const delimiter = r.query.get("delimiter") ?? "";
  const maxKeys = intParam(r, "max-keys", 1000, 0, 1000);
  const enc = keyEncoder(r);
  return { page: await listPage(treeOf(c, r.access.sees), dir, { prefix, delimiter, after, maxKeys }), prefix, delimiter, maxKeys, enc };
}

const objectFields = (o: ListedItem, enc: (s: string) => string): XmlNode[] => [
  ["Key", enc(o.key)],
  ["LastModified", isoDate(o.entry.mtime)],
  ["ETag", etagOf(o.entry)],
  ["Size", o.kind === "file" ? o.entry.size : 0],
  ["StorageClass", "STANDARD"],
];

const prefixes = (l: Common): XmlNode[] => l.page.commonPrefixes.map((p) => ["CommonPrefixes", [["Prefix", l.enc(p)]]]);

const header = (r: S3Request, l: Common): XmlNode[] => [
  ["Name", r.bucket!],
  ["Prefix", l.enc(l.prefix)],
  ["Delimiter", l.delimiter === "" ? undefined : l.enc(l.delimiter)],
  ["MaxKeys", l.maxKeys],
  ["EncodingType", r.query.get("encoding-type")],
];

export const listObjectsV2: Handler = async (r, c) => {
  // An empty continuation-token is refused, not taken for none: S3 answers it InvalidArgument, as it does
  // any token it did not give.
  const token = r.query.get("continuation-token");
  const startAfter = r.query.get("start-after") ?? "";
  const l = await list(r, c, token !== undefined ? decodeToken(token) : startAfter);
  const owner = r.query.get("fetch-owner") === "true" ? ownerOf(r.auth.accessKey) : undefined;
  return xml("ListBucketResult", [
    ...header(r, l),
    ["KeyCount", l.page.objects.length + l.page.commonPrefixes.length],
    ["IsTruncated", l.page.truncated],
    ["ContinuationToken", token],
    ["NextContinuationToken", l.page.truncated && l.page.last !== undefined ? encodeToken(l.page.last) : undefined],
    ["StartAfter", startAfter === "" ? undefined : l.enc(startAfter)],
    ...l.page.objects.map((o): XmlNode => ["Contents", [...objectFields(o, l.enc), ["Owner", owner]]]),
    ...prefixes(l),
  ]);
};

export const listObjectsV1: Handler = async (r, c) => {
  const marker = r.query.get("marker") ?? "";
  const l = await list(r, c, marker);
  return xml("ListBucketResult", [
    ...header(r, l),
    ["Marker", l.enc(marker)],
    ["NextMarker", l.page.truncated && l.page.last !== undefined ? l.enc(l.page.last) : undefined],
    ["IsTruncated", l.page.truncated],
    ...l.page.objects.map((o): XmlNode => ["Contents", [...objectFields(o, l.enc), ["Owner", ownerOf(r.auth.accessKey)]]]),
    ...prefixes(l),
  ]);
};
