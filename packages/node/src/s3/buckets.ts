// Bucket operations: ListBuckets (paged), CreateBucket, DeleteBucket, HeadBucket, GetBucketLocation,
// and the ACLs (the key holder owns everything with FULL_CONTROL).
import type { Manifest } from "../metadata/manifest.ts";
import { compareNames, isCanonicalPath, nameOf } from "../metadata/path.ts";
import { badRequest } from "../errors.ts";
import { requireAccess } from "./access.ts";
import { dropBucketCors } from "./cors.ts";
import { s3Error } from "./errors.ts";
import { decodeToken, encodeToken, type Handler, intParam, isoDate, ownerOf, requireBucket, type S3Components, type S3Request, xmlResponse } from "./http.ts";
import { type TreeSource, walk } from "./list.ts";
import { bucketNameProblem, RESERVED_DIRS } from "./names.ts";
import { parseXml, readSmallBody } from "./request-body.ts";
import { renderXml, type XmlNode } from "./xml.ts";

/**
 * The file system as the listing walker reads it, at read quorum: every folder the walk enters is read from its
 * manifest owners (a page of entries refreshed once per listing), and so is every name it looks up, because a
 * folder's rows reach the other members only by anti-entropy. With `sees`, only the entries the caller may see
 * (s3/access.ts).
 */
export function treeOf(c: S3Components, sees?: (path: string) => boolean): TreeSource {
  const fresh = new Set<string>();
  /** Paths read at quorum during this listing: listed by a page read from the owners (both rows of a name come in one page), or looked up. */
  const freshPaths = new Set<string>();
  const page = async (dir: string, after: string | undefined): Promise<Manifest[]> => {
    // One read of a whole page even for the walk's one-entry emptiness check: the same page follows at once.
    const key = `${dir}\0${after ?? ""}`;
    if (!fresh.has(key)) {
      fresh.add(key);
      const rows = await c.fs.listFresh(dir, { after, limit: LIST_PAGE });
      for (const m of rows) freshPaths.add(m.path);
      return rows;
    }
    return c.fs.list(dir, { after, limit: LIST_PAGE });
  };
  return {
    lookup: async (path, kind) => {
      if (!isCanonicalPath(path)) throw badRequest("invalid_path", `invalid path: /${path}`);
      // The directory a walk enters was listed in its parent's page a moment ago: no second read of its row.
      if (!freshPaths.has(path)) {
        await c.fs.refresh([path], "quorum", undefined, []);
        freshPaths.add(path);
      }
      return kind === "dir" ? c.fs.lookupDir(path) : c.fs.lookupFile(path);
    },
    children: async (dir, after, limit) => {
      const out: Manifest[] = [];
      for (;;) {
        const rows = await page(dir, after);
        for (const m of rows) {
          if (sees && !sees(m.path)) continue;
          // Full, but never between a directory and the file of its name (the next page starts after the name).
          if (out.length >= limit && m.path !== out[out.length - 1]!.path) return out;
          out.push(m);
        }
        // Pages on past hidden ones, so a short answer still means the end.
        if (rows.length < LIST_PAGE) return out;
        after = nameOf(rows[rows.length - 1]!.path);
      }
    },
  };
}

/** The page a listing reads a folder by. */
const LIST_PAGE = 1000;

/** S3's bound on max-buckets, and the page size when a client pages without giving one. */
export const MAX_BUCKETS_PER_PAGE = 10_000;

/** Top-level entries in name order: after `token`'s name, or else from `prefix` on (itself included). */
function* topLevel(c: S3Components, prefix: string, token: string | undefined): Generator<Manifest> {
  let after: string | undefined;
  if (token !== undefined && compareNames(token, prefix) >= 0) after = token;
  else if (prefix !== "") {
    // A bucket named exactly the prefix sorts first; the listing below starts after it.
    const exact = prefix.includes("/") ? undefined : lookupQuietly(c, prefix);
    if (exact) yield exact;
    after = prefix;
  }
  for (;;) {
    const page = c.fs.list("", { after, limit: 1000 });
    yield* page;
    if (page.length < 1000) return;
    after = nameOf(page[page.length - 1]!.path);
  }
}

function lookupQuietly(c: S3Components, path: string): Manifest | undefined {
  try {
    return c.fs.lookup(path);
  } catch {
    return undefined; // a prefix that is no valid name names no bucket
  }
}

/**
 * ListBuckets, with the paging S3 added in 2024: `max-buckets`, `continuation-token` (opaque: the last name
 * of the previous page), `prefix` and `bucket-region`. Without any of them every bucket comes in one
 * answer, as before; with any of them a page holds at most 10,000 buckets, as S3's do.
 */
export const listBuckets: Handler = (r, c, init) => {
  const paged = ["max-buckets", "continuation-token", "prefix", "bucket-region"].some((p) => r.query.has(p));
  const max = paged ? intParam(r, "max-buckets", MAX_BUCKETS_PER_PAGE, 1, MAX_BUCKETS_PER_PAGE) : Number.POSITIVE_INFINITY;
  const prefix = r.query.get("prefix") ?? "";
  const token = r.query.get("continuation-token");
  // An empty token is none: S3 documents the parameter with a minimum length of 0.
  const start = token === undefined || token === "" ? undefined : decodeToken(token);
  const buckets: Manifest[] = [];
  let more = false;
  // Every bucket is in this node's region: asked for another one, there are none.
  const region = r.query.get("bucket-region");
  if (region === undefined || region === init.region) {
    for (const m of topLevel(c, prefix, start)) {
      if (!m.path.startsWith(prefix)) {
        if (compareNames(m.path, prefix) > 0) break; // past every name with the prefix
        continue;
      }
      // Only the buckets the key's holder may see (an admin's key: all; a user's: /home and what is shared).
      if (m.kind !== "dir" || RESERVED_DIRS.includes(m.path) || !r.access.sees(m.path)) continue;
      if (buckets.length === max) {
        more = true;
        break;
      }
      buckets.push(m);
    }
  }
  return xmlResponse("ListAllMyBucketsResult", [
    ["Owner", ownerOf(r.auth.accessKey)],
    ["Buckets", buckets.map((m): XmlNode => ["Bucket", [["Name", m.path], ["CreationDate", isoDate(m.mtime)], ["BucketRegion", init.region]]])],
    ["ContinuationToken", more ? encodeToken(buckets[buckets.length - 1]!.path) : undefined],
    ["Prefix", r.query.has("prefix") ? prefix : undefined],
  ]);
};

export const createBucket: Handler = async (r, c) => {
  const bucket = r.bucket!;
  const problem = bucketNameProblem(bucket);
  if (problem) throw s3Error("InvalidBucketName", `The bucket name '${bucket}' is not valid: it ${problem}.`);
  // The body, if any, is a CreateBucketConfiguration; its LocationConstraint does not matter here.
  const body = await readSmallBody(r.payload(), 64 * 1024);
  if (body.byteLength > 0) parseXml(body);
  const existing = c.fs.lookupDir(bucket) ?? c.fs.lookupFile(bucket);
  // Creating a bucket one already owns succeeds in us-east-1, S3's default region (elsewhere S3 answers
  // 409 BucketAlreadyOwnedByYou); every key here owns every bucket, and tools that "make sure" a bucket
  // exists (terraform, rclone's mkdir, scripts) expect that 200.
  // A user's key that may see a bucket gets that 200 too (access.ts); it may not make one.
  if (existing?.kind === "dir") return new Response(null, { status: 200, headers: { location: `/${bucket}` } });
  requireAccess(r.access, "write", bucket);
  if (existing) throw s3Error("BucketAlreadyExists", `A file named ${bucket} is at the top of the tree, so no bucket can have that name.`);
  // A new bucket starts with no CORS rules, whatever a deleted one of that name had.
  await dropBucketCors(c, bucket);
  await c.fs.mkdir(bucket);
  return new Response(null, { status: 200, headers: { location: `/${bucket}` } });
};

/** True when the bucket holds at least one file (empty directories alone do not count). */
async function holdsFiles(c: S3Components, dir: string): Promise<boolean> {
  for await (const item of walk(treeOf(c), dir, "", "", true, () => false)) if (item.kind === "file") return true;
  return false;
}

export const deleteBucket: Handler = async (r, c) => {
  const dir = requireBucket(c, r.bucket!);
  // Empty directories left behind (a key's directories outlive it when deletes race) do not make a
  // bucket non-empty: S3 has no directories, so a client cannot see or remove them.
  if (await holdsFiles(c, dir)) throw s3Error("BucketNotEmpty", `The bucket ${r.bucket} is not empty.`);
  await c.fs.remove(dir, true);
  await dropBucketCors(c, r.bucket!);
  return new Response(null, { status: 204 });
};

export const headBucket: Handler = (r, c, init) => {
  requireBucket(c, r.bucket!);
  return new Response(null, { status: 200, headers: { "x-amz-bucket-region": init.region } });
};

export const getBucketLocation: Handler = (r, c, init) => {
  requireBucket(c, r.bucket!);
  // S3 answers an empty LocationConstraint for us-east-1.
  const body = renderXml("LocationConstraint", init.region === "us-east-1" ? "" : init.region);
  return new Response(body, { headers: { "content-type": "application/xml" } });
};

/** GetBucketAcl and GetObjectAcl: the key holder owns everything with FULL_CONTROL. */
export function aclResponse(r: S3Request): Response {
  const owner = ownerOf(r.auth.accessKey);
  return xmlResponse("AccessControlPolicy", [
    ["Owner", owner],
    [
      "AccessControlList",
      [
        [
          "Grant",
          [
            ["Grantee", owner, { "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance", "xsi:type": "CanonicalUser" }],
            ["Permission", "FULL_CONTROL"],
          ],
        ],
      ],
    ],
  ]);
}

export const getBucketAcl: Handler = (r, c) => {
  requireBucket(c, r.bucket!);
  return aclResponse(r);
};
