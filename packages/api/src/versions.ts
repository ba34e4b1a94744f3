// Versions' shapes: a top-level folder's versioning switch, a file's kept versions, restoring one, the trash.
import { z } from "zod";
import { consistencySchema, entrySchema } from "./files.ts";

const int = () => z.number().int();
const stateSchema = z.enum(["Enabled", "Suspended", "Off"]);

export const versioningSchema = z
  .object({ folder: z.string(), status: stateSchema, keepVersions: int().describe("0: no limit"), keepDays: int().describe("0: no limit") })
  .meta({ id: "FolderVersioning" });
export const versioningBodySchema = z.strictObject({ status: z.enum(["Enabled", "Suspended"]) }).meta({ id: "VersioningChange" });

export const versionSchema = z
  .object({
    versionId: z.string().describe("as ?versionId= takes it; 'null' for a write made while versioning was off"),
    isLatest: z.boolean(),
    deleteMarker: z.boolean(),
    writtenAt: int().describe("ms since the epoch"),
    size: int().optional(),
    mtime: int().optional(),
    sha256: z.string().nullable().optional(),
  })
  .meta({ id: "Version" });
export const versionsSchema = z.object({ path: z.string(), versioning: stateSchema, versions: z.array(versionSchema) });
export const versionRemovedSchema = z.object({ path: z.string(), removed: versionSchema });
export const restoreBodySchema = z.strictObject({ versionId: z.string() }).meta({ id: "Restore" });
export const restoredSchema = z.object({ restored: z.string(), entry: entrySchema });
export const trashSchema = z.object({
  path: z.string(),
  entries: z.array(z.object({ path: z.string(), deletedAt: int(), versionId: z.string().describe("what a restore brings back"), size: int() })),
  more: z.boolean(),
});
export const versionQuery = z.object({ versionId: z.string() });
export const trashQuery = z.object({ limit: z.string().optional(), after: z.string().optional(), consistency: consistencySchema.optional() });
export const versionsQuery = z.object({ consistency: consistencySchema.optional() });
