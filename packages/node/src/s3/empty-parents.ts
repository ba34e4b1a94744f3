// S3 has no directories: a prefix exists while something is under it. The folders a delete leaves empty go too.
import { OrreryError } from "../errors.ts";
import { hasOwnContent } from "../metadata/manifest.ts";
import { parentOf } from "../metadata/path.ts";
import type { S3Components } from "./http.ts";

/**
 * Removes directories a delete left empty, up to the bucket: S3 has no directories, a prefix exists
 * while something is under it. Each check follows this delete's own commit, so of two racing deletes
 * on one node the later one sees the directory empty — every delete that can leave a key without a live
 * row runs it: a plain delete, and a version's removal (the key's last version, or the one a marker hid).
 */
export async function pruneEmptyParents(c: S3Components, path: string, bucketDir: string): Promise<void> {
  for (let p = parentOf(path); p !== bucketDir && p !== ""; p = parentOf(p)) {
    // A directory holding content of its own is an object (`p/`) and stays; so does one with entries.
    const d = c.fs.lookupDir(p);
    if (!d || hasOwnContent(d) || c.fs.list(p, { limit: 1 }).length > 0) return;
    try {
      await c.fs.remove(p, false, "quorum", undefined, "dir");
    } catch (err) {
      if (err instanceof OrreryError && (err.code === "directory_not_empty" || err.code === "not_found")) return;
      throw err;
    }
  }
}
