// Per-folder replication factors in the settings record: which names a folder may have, how many folders
// may have one, and how a change (a factor, or null to go back to the cluster's) merges into the map held.
// Pure.
import { z } from "zod";
import { isCanonicalPath, MAX_SEGMENT_BYTES } from "../metadata/path.ts";

/** The largest replication factor a setting may ask for (copies of every chunk and manifest). */
export const MAX_REPLICATION_FACTOR = 7;

/**
 * Folders that may have their own factor. Every chunk's factor is looked up through its folders (see
 * replication/chunk-factors.ts), and the record goes to every member in one datagram-sized RPC: a bound keeps
 * both small.
 */
export const MAX_FOLDER_FACTORS = 64;

export const replicationFactorSchema = z
  .number()
  .int("a replication factor is a whole number")
  .min(1, "a replication factor is at least 1")
  .max(MAX_REPLICATION_FACTOR, `a replication factor is at most ${MAX_REPLICATION_FACTOR}`);

/** A top-level folder's name: one canonical path segment (no '/', '.', '..', control characters; ≤ 255 bytes). */
export function isFolderName(name: string): boolean {
  return name !== "" && !name.includes("/") && name !== "__proto__" && isCanonicalPath(name);
}

const FOLDER_NAME_RULE = `a folder is one top-level folder's name (no '/', '.' or '..', no control characters, at most ${MAX_SEGMENT_BYTES} bytes), e.g. "photos"`;

/**
 * folder → value maps: every key a folder name (each refusal names it), at most MAX_FOLDER_FACTORS of them.
 * The keys are checked on the object as received: z.record drops a "__proto__" key without a word.
 */
function folderMap<V extends z.ZodType>(value: V, what: string) {
  const keysChecked = z.custom<Record<string, unknown>>((v) => typeof v === "object" && v !== null && !Array.isArray(v), "expected an object of folder names").superRefine((map, ctx) => {
    for (const name of Object.keys(map)) {
      if (!isFolderName(name)) ctx.addIssue({ code: "custom", path: [name], message: `${FOLDER_NAME_RULE}; got ${JSON.stringify(name.slice(0, 80))}` });
    }
    if (Object.keys(map).length > MAX_FOLDER_FACTORS) ctx.addIssue({ code: "custom", message: `${what} at most ${MAX_FOLDER_FACTORS} folders` });
  });
  return keysChecked.pipe(z.record(z.string(), value));
}

/** In the record: folder → its factor (a folder not named follows the cluster's factor). */
export const folderFactorsSchema = folderMap(replicationFactorSchema, "factors for");
export type FolderFactors = Record<string, number>;

/** In a change: folder → its new factor, or null to go back to the cluster's factor. */
export const folderFactorChangesSchema = folderMap(replicationFactorSchema.nullable(), "changes for");
export type FolderFactorChanges = Record<string, number | null>;

/**
 * The folder factors after `changes`: each named folder takes its new factor, null removes it. Undefined when
 * none is left (the record then has no map at all). Throws a RangeError when more than MAX_FOLDER_FACTORS would be left.
 */
export function mergeFolderFactors(held: FolderFactors | undefined, changes: FolderFactorChanges): FolderFactors | undefined {
  const merged = new Map(Object.entries(held ?? {}));
  for (const [folder, factor] of Object.entries(changes)) {
    if (factor === null) merged.delete(folder);
    else merged.set(folder, factor);
  }
  if (merged.size > MAX_FOLDER_FACTORS) {
    throw new RangeError(`at most ${MAX_FOLDER_FACTORS} folders may have their own replication factor; remove some first (this change would leave ${merged.size})`);
  }
  if (merged.size === 0) return undefined;
  // Sorted, so that two members holding the same factors hold the same record bytes and fingerprint.
  return Object.fromEntries([...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
