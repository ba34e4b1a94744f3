// Versioning in the settings record: which top-level folders keep versions (S3's bucket versioning:
// Enabled, or Suspended once it was on) and the limits the garbage collector prunes versions to. Pure.
import { z } from "zod";
import { isFolderName, MAX_FOLDER_FACTORS } from "./folder-factors.ts";

export const versioningStateSchema = z.enum(["Enabled", "Suspended"]);
export type VersioningState = z.infer<typeof versioningStateSchema>;

/** folder → its state; a folder not named has never had versioning (S3's "unversioned"). */
export type FolderVersioning = Record<string, VersioningState>;

const folderKeys = <V extends z.ZodType>(value: V) =>
  z
    .record(z.string(), value)
    .superRefine((map, ctx) => {
      for (const name of Object.keys(map)) {
        // The reserved folders (versions, S3's multipart staging) keep no versions of their own.
        if (!isFolderName(name) || name.startsWith(".orrery") || name === ".s3-uploads") ctx.addIssue({ code: "custom", path: [name], message: `not a top-level folder name: ${JSON.stringify(name.slice(0, 80))}` });
      }
      if (Object.keys(map).length > MAX_FOLDER_FACTORS) ctx.addIssue({ code: "custom", message: `versioning for at most ${MAX_FOLDER_FACTORS} folders` });
    });

export const folderVersioningSchema = folderKeys(versioningStateSchema);
/** In a change: folder → its new state, or null to forget it (only once no version is left is that S3's "never versioned"). */
export const folderVersioningChangesSchema = folderKeys(versioningStateSchema.nullable());

/** Versions kept per file, the current one included (0: no limit). */
export const keepVersionsSchema = z.number().int("keepVersions is a whole number").min(0).max(1_000_000);
/** Days a version is kept once a newer one replaced it (0: no limit). */
export const keepDaysSchema = z.number().min(0).max(36_500);

export function mergeFolderVersioning(held: FolderVersioning | undefined, changes: Record<string, VersioningState | null>): FolderVersioning | undefined {
  const merged = new Map(Object.entries(held ?? {}));
  for (const [folder, state] of Object.entries(changes)) {
    if (state === null) merged.delete(folder);
    else merged.set(folder, state);
  }
  if (merged.size > MAX_FOLDER_FACTORS) throw new RangeError(`at most ${MAX_FOLDER_FACTORS} folders may have versioning settings`);
  if (merged.size === 0) return undefined;
  return Object.fromEntries([...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** How many versions of a file to keep and for how long (from the settings in force). */
export interface VersionLimits {
  keepVersions: number;
  keepDays: number;
}
