// The peer call that lists which folders below a directory hold rows (`manifests.parents`): how a node finds the
// keys of a bucket that have kept versions, since each key's versions are a partition of their own on the ring.
import { z } from "zod";
import { isCanonicalPath } from "../metadata/path.ts";

/** Folders in one answer. */
export const MAX_PARENTS = 1000;

const path = z.string().max(1100).refine((p) => p !== "" && isCanonicalPath(p), "a canonical path");

export const manifestParentsMethod = {
  /**
   * The distinct parent folders of the rows (tombstones too) the callee holds below `dir`, at or after `from`, in
   * code point order, at most `limit` (ManifestStore.parentsBelow).
   */
  "manifests.parents": {
    // An answer: up to MAX_PARENTS paths of at most 1024 bytes, quotes and backslashes escaped.
    limits: { request: 64 * 1024, response: 4 * 1024 * 1024 },
    request: z.strictObject({
      dir: path,
      from: z.string().max(1100),
      limit: z.number().int().min(1).max(MAX_PARENTS),
    }),
    response: z.strictObject({ parents: z.array(path).max(MAX_PARENTS) }),
  },
} as const;
