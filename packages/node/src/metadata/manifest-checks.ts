// The checks a ManifestStore makes of what its callers give it before anything is written: a local change, a
// page limit, an arc of the ring. Bad input is a 400 naming the problem (errors.ts badRequest).
import { z } from "zod";
import { badRequest } from "../errors.ts";
import { contentProblem, manifestContentShape } from "./manifest.ts";
import type { ManifestChange } from "./manifest-store.ts";
import { isPositionRange, type PositionRange } from "./partition.ts";

const changeSchema = z.strictObject(manifestContentShape);

/** Validates a local change; a tombstone drops its content (it only has to win, not to be read). */
export function checkChange(change: ManifestChange): ManifestChange {
  let c = change;
  if (change.deleted) {
    const { md5: _m, chunkSizes: _s, meta: _meta, multipart: _p, inline: _i, ...rest } = change;
    c = { ...rest, size: 0, sha256: null, chunks: [] };
  }
  const parsed = changeSchema.safeParse(c);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw badRequest("invalid_manifest", `invalid change for ${String(c.path)}: ${issue.path.join(".")} ${issue.message}`);
  }
  const problem = contentProblem(c);
  if (problem) throw badRequest("invalid_manifest", `invalid change for ${c.path}: ${problem}`);
  return {
    ...c,
    chunks: [...c.chunks],
    ...(c.chunkSizes ? { chunkSizes: [...c.chunkSizes] } : {}),
    ...(c.meta ? { meta: structuredClone(c.meta) } : {}),
    ...(c.multipart ? { multipart: structuredClone(c.multipart) } : {}),
  };
}

export function checkLimit(limit: number, max: number, name: string): number {
  if (!Number.isInteger(limit) || limit < 1) throw badRequest("invalid_limit", `${name} must be a positive integer`);
  return Math.min(limit, max);
}

export function checkRange(range: PositionRange): void {
  if (!isPositionRange(range)) throw badRequest("invalid_range", `not an arc of the ring: [${range.from}, ${range.to})`);
}
