// Bucket operations: ListBuckets, CreateBucket, DeleteBucket, HeadBucket, GetBucketLocation,
// GetBucketVersioning, and the ACLs (the key holder owns everything with FULL_CONTROL).
import { nameOf } from "../metadata/path.ts";
import { s3Error } from "./errors.ts";
import { type Handler, isoDate, ownerOf, requireBucket, type S3Components, type S3Request, xmlResponse } from "./http.ts";
import { type TreeSource, walk } from "./list.ts";
import { bucketNameProblem, UPLOADS_DIR } from "./names.ts";
import { parseXml, readSmallBody } from "./request-body.ts";
import { renderXml, type XmlNode } from "./xml.ts";

/** The file system as the listing walker reads it. */
export const treeOf = (c: S3Components): TreeSource => ({
  lookup: (path) => c.fs.lookup(path),
  children: (dir, after, limit) => c.fs.list(dir, { after, limit }),
});

export const listBuckets: Handler = (r, c) => {
  const buckets: XmlNode[] = [];
  let after: string | undefined;
  for (;;) {
    const page = c.fs.list("", { after, limit: 1000 });
    for (const m of page) {
      if (m.kind === "dir" && m.path !== UPLOADS_DIR) buckets.push(["Bucket", [["Name", m.path], ["CreationDate", isoDate(m.mtime)]]]);
    }
    if (page.length < 1000) break;
    after = nameOf(page[page.length - 1]!.path);
  }
  return xmlResponse("ListAllMyBucketsResult", [
    ["Owner", ownerOf(r.auth.accessKey)],
    ["Buckets", buckets],
  ]);
};

export const createBucket: Handler = async (r, c) => {
  const bucket = r.bucket!;
  const problem = bucketNameProblem(bucket);
  if (problem) throw s3Error("InvalidBucketName", `The bucket name '${bucket}' is not valid: it ${problem}.`);
  // The body, if any, is a CreateBucketConfiguration; its LocationConstraint does not matter here.
  const body = await readSmallBody(r.payload(), 64 * 1024);
  if (body.byteLength > 0) parseXml(body);
  const existing = c.fs.lookup(bucket);
  if (existing?.kind === "dir") throw s3Error("BucketAlreadyOwnedByYou", `You already own the bucket ${bucket}.`);
  if (existing) throw s3Error("BucketAlreadyExists", `A file named ${bucket} is at the top of the tree, so no bucket can have that name.`);
  await c.fs.mkdir(bucket);
  return new Response(null, { status: 200, headers: { location: `/${bucket}` } });
};

/** True when the bucket holds at least one file (empty directories alone do not count). */
function holdsFiles(c: S3Components, dir: string): boolean {
  for (const item of walk(treeOf(c), dir, "", "", true, () => false)) if (item.kind === "file") return true;
  return false;
}

export const deleteBucket: Handler = async (r, c) => {
  const dir = requireBucket(c, r.bucket!);
  // Empty directories left behind (a key's directories outlive it when deletes race) do not make a
  // bucket non-empty: S3 has no directories, so a client cannot see or remove them.
  if (holdsFiles(c, dir)) throw s3Error("BucketNotEmpty", `The bucket ${r.bucket} is not empty.`);
  await c.fs.remove(dir, true);
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

export const getBucketVersioning: Handler = (r, c) => {
  requireBucket(c, r.bucket!);
  return xmlResponse("VersioningConfiguration", []);
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
