// Which live files reference a chunk, kept beside the manifests (a `chunk_refs` row per chunk and live file):
// a chunk's replication factor is the largest its files' folders ask for, and the workers that place copies
// look it up per chunk, so it must not cost a scan of every manifest. Pure: the change one row write makes.
import type { Manifest } from "./manifest.ts";

/**
 * The distinct chunks a row references while it is live (a tombstone references none; a directory only the
 * content of its own it may hold, S3's `dir/` object with data).
 */
function referenced(m: Manifest | undefined): Set<string> {
  return m && !m.deleted ? new Set(m.chunks) : new Set();
}

/** The references of a row's key (rowKey) to drop and to add when `previous` is replaced by `next` (the same key). */
export function refChanges(previous: Manifest | undefined, next: Manifest): { removed: string[]; added: string[] } {
  const before = referenced(previous);
  const after = referenced(next);
  return { removed: [...before].filter((id) => !after.has(id)), added: [...after].filter((id) => !before.has(id)) };
}
