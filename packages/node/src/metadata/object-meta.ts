// What a file carries besides its bytes: its content type, the standard representation headers a client
// set (Cache-Control, Content-Disposition, ...), and user metadata (S3's x-amz-meta-*, the files API's
// X-Orrery-Meta-*), S3 object tags and S3's additional checksum. Kept in the manifest, so it replicates and merges with the file.
// Every value is bounded and free of control characters before it is stored: it is sent back as an HTTP header.
import { z } from "zod";

/** S3's limit on user metadata: names and values together, in UTF-8 bytes. */
export const MAX_USER_META_BYTES = 2048;
/** One standard header's value. */
export const MAX_HEADER_VALUE = 1024;

/** The standard headers kept, by their manifest field and HTTP name. */
export const STANDARD_HEADERS = {
  contentType: "content-type",
  cacheControl: "cache-control",
  contentDisposition: "content-disposition",
  contentEncoding: "content-encoding",
  contentLanguage: "content-language",
  expires: "expires",
} as const;
type StandardField = keyof typeof STANDARD_HEADERS;

/** S3's limits on object tags: at most 10, keys 1-128 and values 0-256 characters (UTF-16 units, as S3 counts). */
export const MAX_TAGS = 10;
export const MAX_TAG_KEY = 128;
export const MAX_TAG_VALUE = 256;
/** The characters S3 allows in a tag key or value: letters, separators (spaces), digits and `_.:/=+-@`. */
export const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** The S3 additional checksums kept with an object: those this node verifies as the bytes arrive. */
export const STORED_CHECKSUMS = ["crc32", "crc32c", "sha1", "sha256"] as const;
export const checksumSchema = z.strictObject({
  algorithm: z.enum(STORED_CHECKSUMS),
  /** base64 of the digest: of the whole content (FULL_OBJECT), or of the parts' digests in order (COMPOSITE). */
  value: z.string().regex(/^[A-Za-z0-9+/]{6,86}={0,2}$/, "a base64 digest"),
  type: z.enum(["FULL_OBJECT", "COMPOSITE"]),
  /** How many parts a COMPOSITE checksum was made of. */
  parts: z.number().int().min(1).max(10_000).optional(),
});
export type StoredChecksum = z.output<typeof checksumSchema>;

export type ObjectMeta = { [F in StandardField]?: string } & {
  /** The additional checksum the client sent and this node verified (S3's x-amz-checksum-*). */
  checksum?: StoredChecksum;
  /** User metadata, names in lower case without their prefix. */
  user?: Record<string, string>;
  /**
   * S3 object tags as [key, value] pairs in the order they were given: pairs rather than a record, since a
   * tag key may be any name (`__proto__` too) and S3 answers a tag set in order.
   */
  tags?: Array<[string, string]>;
};

// Printable text a header may carry: no CR, LF or other control characters (header injection).
const headerText = z
  .string()
  .min(1)
  .max(MAX_HEADER_VALUE)
  .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), "no control characters");
/** An HTTP token (RFC 9110), lower case; never a name that means something to a JavaScript object. */
const metaName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[a-z0-9!#$%&'*+.^_`|~-]+$/, "a lower-case HTTP token")
  .refine((n) => n !== "__proto__" && n !== "constructor" && n !== "prototype", "a reserved name");

const utf8Bytes = (s: string) => Buffer.byteLength(s, "utf8");
export const userMetaBytes = (user: Record<string, string>) =>
  Object.entries(user).reduce((n, [k, v]) => n + utf8Bytes(k) + utf8Bytes(v), 0);

export const objectMetaSchema = z.strictObject({
  contentType: headerText.optional(),
  cacheControl: headerText.optional(),
  contentDisposition: headerText.optional(),
  contentEncoding: headerText.optional(),
  contentLanguage: headerText.optional(),
  expires: headerText.optional(),
  user: z
    .unknown()
    // zod's record drops an own "__proto__" key (JSON.parse and fromEntries make one) instead of judging it:
    // judge the raw names first.
    .refine(
      (u) => typeof u !== "object" || u === null || Object.keys(u).every((k) => metaName.safeParse(k).success),
      "a metadata name is a lower-case HTTP token, not a reserved name",
    )
    .pipe(
      z.record(metaName, z.string().max(MAX_USER_META_BYTES).refine((v) => !/[\u0000-\u001f\u007f]/.test(v), "no control characters"))
      .refine((u) => userMetaBytes(u) <= MAX_USER_META_BYTES, `user metadata is at most ${MAX_USER_META_BYTES} bytes`),
    )
    .optional(),
  tags: z
    .array(
      z.tuple([
        z.string().min(1).max(MAX_TAG_KEY).regex(TAG_TEXT, "letters, digits, spaces and _.:/=+-@"),
        z.string().max(MAX_TAG_VALUE).regex(TAG_TEXT, "letters, digits, spaces and _.:/=+-@"),
      ]),
    )
    .min(1)
    .max(MAX_TAGS)
    .refine((tags) => new Set(tags.map(([k]) => k)).size === tags.length, "tag keys are unique")
    .optional(),
  checksum: checksumSchema.optional(),
});

/** Why `meta` cannot be stored, or undefined when it can. */
export function metaProblem(meta: ObjectMeta): string | undefined {
  const parsed = objectMetaSchema.safeParse(meta);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0]!;
  return `${issue.path.join(".") || "metadata"}: ${issue.message}`;
}

/**
 * The metadata a request's headers carry: the standard headers by their names, user metadata from every
 * header starting with `userPrefix` (lower case). Undefined when there is none.
 */
export function metaFromHeaders(headers: Iterable<[string, string]>, userPrefix: string): ObjectMeta | undefined {
  const meta: ObjectMeta = {};
  const user: Array<[string, string]> = [];
  const byName = new Map<string, StandardField>(Object.entries(STANDARD_HEADERS).map(([f, h]) => [h, f as StandardField]));
  for (const [rawName, value] of headers) {
    const name = rawName.toLowerCase();
    const field = byName.get(name);
    if (field) meta[field] = value.trim();
    else if (name.startsWith(userPrefix) && name.length > userPrefix.length) user.push([name.slice(userPrefix.length), value.trim()]);
  }
  // Own properties only (fromEntries defines, never assigns), so no name can reach a prototype.
  if (user.length > 0) meta.user = Object.fromEntries(user);
  return Object.keys(meta).length > 0 ? meta : undefined;
}

/** The response headers for `meta`: the standard ones by name, user metadata under `userPrefix`. */
export function metaToHeaders(meta: ObjectMeta | undefined, userPrefix: string): Array<[string, string]> {
  if (!meta) return [];
  const out: Array<[string, string]> = [];
  for (const [field, header] of Object.entries(STANDARD_HEADERS)) {
    const v = meta[field as StandardField];
    if (v !== undefined) out.push([header, v]);
  }
  for (const [name, value] of Object.entries(meta.user ?? {})) out.push([`${userPrefix}${name}`, value]);
  return out;
}

/** A content type from a file name's extension (Bun's table), or undefined when it names none. */
export function contentTypeFor(path: string): string | undefined {
  const name = path.slice(path.lastIndexOf("/") + 1);
  if (!name.includes(".")) return undefined;
  const type = Bun.file(name).type;
  return type === "application/octet-stream" ? undefined : type;
}

/** `meta` with a content type inferred from `path` when it names none. */
export function withInferredType(meta: ObjectMeta | undefined, path: string): ObjectMeta | undefined {
  if (meta?.contentType !== undefined) return meta;
  const inferred = contentTypeFor(path);
  return inferred === undefined ? meta : { ...meta, contentType: inferred };
}

/** A stable serialisation (sorted keys) for manifest equality and tie-breaks. */
export function canonicalMeta(meta: ObjectMeta | undefined): string | null {
  if (!meta) return null;
  const user = meta.user ? Object.entries(meta.user).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : null;
  const c = meta.checksum;
  // Appended only when present (an object, unlike the tags' array), so rows without one keep their form.
  const checksum = c ? [{ checksum: [c.algorithm, c.value, c.type, c.parts ?? null] }] : [];
  return JSON.stringify([...Object.keys(STANDARD_HEADERS).map((f) => meta[f as StandardField] ?? null), user, ...(meta.tags ? [meta.tags] : []), ...checksum]);
}
