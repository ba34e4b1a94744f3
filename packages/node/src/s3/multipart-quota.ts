// The quota of a home and the parts of multipart uploads into it: parts wait outside the homes
// (.s3-uploads/<id>/) until Complete makes the object, so each UploadPart counts the parts its owner's
// uploads in progress already hold; otherwise parts could pile up past the quota without ever completing.
import { homeOwnerOf } from "../accounts/quota.ts";
import type { S3Components } from "./http.ts";
import { objectPath, uploadDir, uploadMetaPath } from "./names.ts";

/** The uploads of a bucket in progress (multipart.ts). */
export type UploadsOf = (bucket: string) => Promise<Array<{ id: string; bucket: string; key: string }>>;

/**
 * Bytes held by the parts of every upload in progress whose object is in `target`'s home, but for the part at
 * `replacing` (the one being uploaded again); 0 when the home has no quota.
 */
export async function waitingPartBytes(c: S3Components, uploadsOf: UploadsOf, target: string, replacing: string): Promise<number> {
  const owner = homeOwnerOf(target);
  if (!c.quotas || owner === undefined || c.quotas.room(target) === Number.POSITIVE_INFINITY) return 0;
  const [bucket] = target.split("/", 1) as [string];
  let bytes = 0;
  for (const u of await uploadsOf(bucket)) {
    if (homeOwnerOf(objectPath(u.bucket, u.key).path) !== owner) continue;
    // Everything below the upload's folder is its parts, but for its upload.json.
    bytes += c.quotas.bytesOf({ kind: "dir", path: uploadDir(u.id), size: 0 }) - (c.fs.lookupFile(uploadMetaPath(u.id))?.size ?? 0);
  }
  const again = c.fs.lookupFile(replacing);
  return bytes - (again?.size ?? 0);
}
