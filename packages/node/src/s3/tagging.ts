// Object tagging: the tag set S3 clients give with `x-amz-tagging` (PutObject, CreateMultipartUpload,
// CopyObject's REPLACE) or as a <Tagging> document (PutObjectTagging), checked against S3's limits, kept in
// the object's manifest `meta.tags`, and changed by a new manifest over the same chunks (no byte re-written).
import { PreconditionFailed } from "../consensus/conditional-writes.ts";
import { hasOwnContent, type Manifest } from "../metadata/manifest.ts";
import { MAX_TAG_KEY, MAX_TAG_VALUE, MAX_TAGS, type ObjectMeta, TAG_TEXT } from "../metadata/object-meta.ts";
import { s3Error } from "./errors.ts";
import { type Handler, type S3Components, type S3Request, xmlResponse } from "./http.ts";
import { objectOf } from "./objects.ts";
import { childrenNamed, childText, parseXml, readSmallBody } from "./request-body.ts";
import type { XmlNode } from "./xml.ts";

export type TagSet = Array<[string, string]>;

/** A tag set as S3 judges it: BadRequest past 10 tags, InvalidTag for a bad or repeated key or value. */
export function checkTags(tags: TagSet): TagSet {
  if (tags.length > MAX_TAGS) throw s3Error("BadRequest", `Object tags cannot be greater than ${MAX_TAGS}.`);
  const seen = new Set<string>();
  for (const [key, value] of tags) {
    if (key.length === 0 || key.length > MAX_TAG_KEY) throw s3Error("InvalidTag", `The TagKey you have provided is ${key.length === 0 ? "empty" : `too long, max ${MAX_TAG_KEY}`}.`);
    if (value.length > MAX_TAG_VALUE) throw s3Error("InvalidTag", `The TagValue you have provided is too long, max ${MAX_TAG_VALUE}.`);
    if (!TAG_TEXT.test(key)) throw s3Error("InvalidTag", "The TagKey you have provided is invalid: letters, digits, spaces and _.:/=+-@ only.");
    if (!TAG_TEXT.test(value)) throw s3Error("InvalidTag", "The TagValue you have provided is invalid: letters, digits, spaces and _.:/=+-@ only.");
    // The aws: prefix is reserved for tags AWS itself sets.
    if (key.toLowerCase().startsWith("aws:")) throw s3Error("InvalidTag", "Your TagKey cannot be prefixed with aws:.");
    if (seen.has(key)) throw s3Error("InvalidTag", "Cannot provide multiple Tags with the same key.");
    seen.add(key);
  }
  return tags;
}

/** The tags of an `x-amz-tagging` header (URL-encoded `k1=v1&k2=v2`), or undefined without one. */
export function headerTags(r: S3Request): TagSet | undefined {
  const raw = r.header("x-amz-tagging");
  if (raw === null) return undefined;
  return checkTags([...new URLSearchParams(raw)]);
}

/** `meta` with `tags` as its tag set (none when empty); undefined when nothing is left. */
export function withTags(meta: ObjectMeta | undefined, tags: TagSet | undefined): ObjectMeta | undefined {
  const { tags: _old, ...rest } = meta ?? {};
  const out: ObjectMeta = tags && tags.length > 0 ? { ...rest, tags } : rest;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A copy's tags: the source's (`x-amz-tagging-directive: COPY`, the default) or the request's (`REPLACE`). */
export function copiedTags(r: S3Request, src: Manifest): TagSet | undefined {
  const directive = (r.header("x-amz-tagging-directive") ?? "COPY").toUpperCase();
  if (directive !== "COPY" && directive !== "REPLACE") throw s3Error("InvalidArgument", "x-amz-tagging-directive must be COPY or REPLACE.");
  return directive === "REPLACE" ? headerTags(r) : src.meta?.tags;
}

/** Attempts at a metadata change that lost a race with another write to the key. */
const REWRITE_ATTEMPTS = 3;

/**
 * Gives an object new metadata: a new manifest over the same chunks, with the same ETag, parts and
 * modification time (S3 does not change Last-Modified for tags). It applies only to the version it read,
 * so an overwrite racing with it is never undone; it then reads the key again and retries.
 */
export async function rewriteMeta(c: S3Components, bucket: string, key: string, change: (meta: ObjectMeta | undefined) => ObjectMeta | undefined): Promise<Manifest> {
  for (let attempt = 1; ; attempt++) {
    const m = objectOf(c, bucket, key);
    // A folder without content of its own (one made by mkdir, or for the keys below it) has nothing to tag.
    if (m.kind !== "file" && !hasOwnContent(m)) throw s3Error("InvalidRequest", "This folder holds no object of its own to tag; put an object at its key first.");
    const unchanged = (current: Manifest | undefined) => (current?.version === m.version && !current.deleted ? undefined : "the object changed meanwhile");
    try {
      const content = { sha256: m.sha256!, md5: m.md5, multipart: m.multipart };
      const kind = m.kind === "dir" ? { kind: "dir" as const } : {};
      // The first attempt decides on the server's quorum read of the key and its folders (server.ts refresh).
      return await c.fs.compose(m.path, [m], content, { mtime: m.mtime, meta: change(m.meta), precondition: unchanged, fresh: attempt === 1, ...kind });
    } catch (err) {
      if (!(err instanceof PreconditionFailed) || attempt === REWRITE_ATTEMPTS) throw err;
      await c.fs.refresh([m.path]);
    }
  }
}

/** The tag set of a PutObjectTagging body: <Tagging><TagSet><Tag><Key/><Value/></Tag>…</TagSet></Tagging>. */
export function parseTagging(body: Uint8Array): TagSet {
  const doc = parseXml(body);
  const set = doc.name === "Tagging" ? childrenNamed(doc, "TagSet") : [];
  if (set.length !== 1) throw s3Error("MalformedXML", "The body must be a <Tagging> document with one <TagSet>.");
  return checkTags(
    childrenNamed(set[0]!, "Tag").map((t): [string, string] => {
      const key = childText(t, "Key");
      const value = childText(t, "Value");
      if (key === undefined || value === undefined) throw s3Error("MalformedXML", "Every <Tag> has a <Key> and a <Value>.");
      return [key, value];
    }),
  );
}

export const getObjectTagging: Handler = (r, c) => {
  const m = objectOf(c, r.bucket!, r.key!);
  const tags = (m.meta?.tags ?? []).map(([key, value]): XmlNode => ["Tag", [["Key", key], ["Value", value]]]);
  return xmlResponse("Tagging", [["TagSet", tags]]);
};

export const putObjectTagging: Handler = async (r, c) => {
  const tags = parseTagging(await readSmallBody(r.payload(), 64 * 1024));
  await rewriteMeta(c, r.bucket!, r.key!, (meta) => withTags(meta, tags));
  return new Response(null, { status: 200 });
};

export const deleteObjectTagging: Handler = async (r, c) => {
  const m = objectOf(c, r.bucket!, r.key!);
  // Nothing to remove: no new manifest (and no new version on every node) for it.
  if (m.meta?.tags) await rewriteMeta(c, r.bucket!, r.key!, (meta) => withTags(meta, undefined));
  return new Response(null, { status: 204 });
};
