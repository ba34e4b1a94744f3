// Putting back a small file kept inline whose row is damaged here (its bytes no longer match its SHA-256: a bad
// disk sector under the database), from the copies its manifest owners hold, as the scrubber restores a corrupt
// chunk from a replica. A damaged row is never served (metadata/inline-content.ts), and peers refuse it in
// every answer that carries it (a sync page, a quorum read), so it must not stay: the scrubber finds it
// (Scrubber's inline pass) and a read that meets it repairs it before answering.
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import { compareVersions } from "../metadata/hlc.ts";
import { inlineProblem } from "../metadata/inline-content.ts";
import type { Manifest } from "../metadata/manifest.ts";
import type { ManifestStore } from "../metadata/manifest-store.ts";
import type { ManifestReads } from "./manifest-reads.ts";

export interface InlineRepairComponents {
  manifests: ManifestStore;
  /** Absent on a node alone: nobody else holds a copy. */
  reads?: ManifestReads;
  log: Logger;
}

/**
 * Replaces the damaged row `row` with a sound copy of the same write an owner holds, or with a newer write of the
 * path if an owner has one. Returns the row this node holds afterwards when it is sound, undefined when no owner
 * had a sound copy (logged; the row stays refused).
 */
export async function repairInline(c: InlineRepairComponents, row: Manifest): Promise<Manifest | undefined> {
  const where = { path: `/${row.path}`, version: row.version };
  if (!c.reads) {
    c.log.error("a small file's row is damaged and no other node holds a copy", where);
    return undefined;
  }
  try {
    const copies = (await c.reads.ownersRows(row.path)).filter((r) => r.kind === row.kind && inlineProblem(r) === undefined);
    const same = copies.find((r) => r.version === row.version && r.inline !== undefined);
    if (same && c.manifests.restoreInline(same)) {
      c.log.info("restored a damaged small file's row from an owner's copy", where);
    } else {
      const newer = copies.filter((r) => compareVersions(r.version, row.version) > 0);
      if (newer.length > 0) c.manifests.apply(newer);
    }
  } catch (err) {
    c.log.error("could not repair a damaged small file's row", { ...where, err: errorMessage(err) });
    return undefined;
  }
  const now = c.manifests.get(row.path, row.kind);
  if (now && inlineProblem(now) === undefined) return now;
  c.log.error("a small file's row is damaged and no owner answered with a sound copy", where);
  return undefined;
}
