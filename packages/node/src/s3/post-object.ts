// POST Object: a browser form upload to a bucket. The form's SigV4 policy stands in for a signed request:
// its signature is checked, then every condition against the fields, and only then is the `file` field
// streamed into the file system, its size held to the policy's content-length-range as it arrives.
import { metaFromHeaders, metaProblem, type ObjectMeta, type StoredChecksum } from "../metadata/object-meta.ts";
import { checksumAlgorithmOf, verifyChecksum } from "./checksums.ts";
import { accessOf, requireAccess, type S3Identities } from "./access.ts";
import { encryptionRequestOf, refuseCustomerKeys, refuseManagedEncryption } from "./encryption.ts";
import { s3Error } from "./errors.ts";
import { type Form, readForm } from "./form-data.ts";
import { requireBucket, type S3Components, originOf } from "./http.ts";
import { bucketPath, objectPath } from "./names.ts";
import { mtimeFromMeta, S3_USER_META } from "./objects.ts";
import { checkPolicy, parsePolicy, verifyPolicySignature } from "./post-policy.ts";
import { withChecksum } from "./stored-checksums.ts";
import { parseTagging, withTags } from "./tagging.ts";
import { renderXml } from "./xml.ts";

/** S3's largest POST upload: 5 GB. */
export const MAX_POST_OBJECT_BYTES = 5 * 1024 ** 3;

/** Passes the file through, erroring it (EntityTooLarge) as soon as it holds more than `max` bytes. */
function bounded(body: ReadableStream<Uint8Array>, max: number): ReadableStream<Uint8Array> {
  let size = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        size += chunk.byteLength;
        if (size > max) {
          controller.error(s3Error("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", { fields: [["MaxSizeAllowed", String(max)]] }));
          return;
        }
        controller.enqueue(chunk);
      },
    }),
  );
}

/** The object's metadata from the form's fields (Content-Type, Cache-Control, …, x-amz-meta-*, tagging). */
function formMeta(form: Form): ObjectMeta | undefined {
  const meta = metaFromHeaders(form.fields.entries(), S3_USER_META);
  const problem = meta ? metaProblem(meta) : undefined;
  if (problem) throw s3Error(problem.startsWith("user") ? "MetadataTooLarge" : "InvalidArgument", `The metadata cannot be stored: ${problem}.`);
  // S3 takes a form's tags as a <Tagging> document, not the header's URL encoding.
  const tagging = form.fields.get("tagging");
  return tagging === undefined ? meta : withTags(meta, parseTagging(Buffer.from(tagging, "utf8")));
}

/**
 * An x-amz-checksum-<algorithm> field: the file is checked against it as it streams (BadDigest, nothing
 * stored, when it differs) and, for an algorithm this node verifies, it is kept with the object.
 */
function formChecksum(form: Form, body: ReadableStream<Uint8Array>): { body: ReadableStream<Uint8Array>; checksum?: StoredChecksum } {
  for (const [name, value] of form.fields) {
    const algorithm = checksumAlgorithmOf(name);
    if (!algorithm) continue;
    const checked = verifyChecksum(body, algorithm, () => value);
    return { body: checked, checksum: algorithm === "crc64nvme" ? undefined : { algorithm, value, type: "FULL_OBJECT" } };
  }
  return { body };
}

/** `success_action_redirect` (or the older `redirect`) when it is an http(s) URL; S3 ignores anything else. */
function redirectOf(form: Form): URL | undefined {
  const raw = form.fields.get("success_action_redirect") ?? form.fields.get("redirect");
  if (!raw) return undefined;
  try {
    const url = new URL(raw);
    return url.protocol === "http:" || url.protocol === "https:" ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The answer S3 gives a stored upload: a 303 to the redirect, or success_action_status (204 by default). */
function answer(form: Form, origin: string, bucket: string, key: string, etag: string): Response {
  const location = `${origin}/${encodeURIComponent(bucket)}/${key.split("/").map(encodeURIComponent).join("/")}`;
  const redirect = redirectOf(form);
  if (redirect) {
    for (const [k, v] of [["bucket", bucket], ["key", key], ["etag", etag]] as const) redirect.searchParams.set(k, v);
    return new Response(null, { status: 303, headers: { location: redirect.toString(), etag } });
  }
  const status = Number(form.fields.get("success_action_status"));
  const headers = { etag, location };
  if (status === 200) return new Response(null, { status: 200, headers });
  if (status !== 201) return new Response(null, { status: 204, headers });
  const xml = renderXml("PostResponse", [["Location", location], ["Bucket", bucket], ["Key", key], ["ETag", etag]]);
  return new Response(xml, { status: 201, headers: { ...headers, "content-type": "application/xml" } });
}

export async function postObject(req: Request, bucket: string, c: S3Components, credentials: S3Identities, now: number): Promise<Response> {
  await c.fs.refresh([bucketPath(bucket)]);
  requireBucket(c, bucket);
  const form = await readForm(req);
  try {
    const accessKey = verifyPolicySignature(form.fields, credentials);
    // Encryption fields are refused as on PutObject: never stored in plaintext behind a success.
    const sse = encryptionRequestOf(form.fields);
    if (sse) {
      refuseCustomerKeys(sse, new URL(req.url).protocol === "https:");
      refuseManagedEncryption(sse, "PutObject");
    }
    const size = checkPolicy(parsePolicy(form.fields.get("policy")!), form.fields, bucket, now);
    const rawKey = form.fields.get("key");
    if (!rawKey) throw s3Error("InvalidArgument", "Bucket POST must contain a field named 'key'.", { fields: [["ArgumentName", "key"]] });
    if (!form.file) throw s3Error("InvalidArgument", "POST requires exactly one file upload per request.", { fields: [["ArgumentName", "file"]] });
    // The browser's file name, without any folders a client put in it.
    const key = rawKey.replaceAll("${filename}", form.file.filename.replace(/^.*[\\/]/, ""));
    const { path, directory } = objectPath(bucket, key);
    if (directory) throw s3Error("InvalidArgument", "A key ending in '/' names a directory here; it cannot hold data.");
    // The policy's signer is who uploads: a user's key writes only where that user may.
    requireAccess(accessOf(credentials.principal(accessKey), credentials.open), "write", path);
    const max = Math.min(size.max, MAX_POST_OBJECT_BYTES);
    const { body, checksum } = formChecksum(form, bounded(form.file.stream, max));
    const meta = withChecksum(formMeta(form), checksum);
    const replaced = c.fs.lookup(path);
    const hold = c.quotas?.hold(path, body, undefined, replaced?.kind === "file" ? replaced.size : 0);
    let result: Awaited<ReturnType<typeof c.fs.put>>;
    try {
      result = await c.fs.put(path, hold ? hold.body : body, "quorum", {
        mtime: mtimeFromMeta(meta),
        meta,
        md5: true, // the object's ETag
        check: (content) => {
          if (content.size < size.min) throw s3Error("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size", { fields: [["MinSizeAllowed", String(size.min)]] });
        },
      });
    } finally {
      hold?.release();
    }
    return answer(form, originOf(req), bucket, key, `"${result.md5}"`);
  } catch (err) {
    await form.file?.stream.cancel().catch(() => {});
    throw err;
  }
}
