// The cluster's live settings: one versioned record that every member holds and that overrides the nodes'
// own defaults (environment) once set, so an operator changes the replication factor (cluster-wide and per
// top-level folder) or the chunk size at runtime, for every node at once, instead of restarting each with a new variable (and nodes disagreeing
// meanwhile). Last writer wins by version (a hybrid-logical-clock version, as manifests use), so every member
// that has seen the same records agrees whatever order they arrived in. Pure.
import { z } from "zod";
import { compareVersions, formatVersion, parseVersion, versionSchema } from "../metadata/hlc.ts";
import { MAX_CHUNK_SIZE_MIB } from "../store/chunk-storage.ts";
import { folderFactorChangesSchema, folderFactorsSchema, type FolderFactors, mergeFolderFactors, replicationFactorSchema } from "./folder-factors.ts";
import {
  type FolderVersioning,
  folderVersioningChangesSchema,
  folderVersioningSchema,
  keepDaysSchema,
  keepVersionsSchema,
  mergeFolderVersioning,
  type VersionLimits,
} from "./folder-versioning.ts";

const MiB = 1024 * 1024;

/**
 * The chunk size of new writes, in whole MiB. Bounded by the ceiling every node's frames and store accept
 * (MAX_CHUNK_SIZE_MIB), so no value the setting allows can stop replication between nodes.
 */
const chunkSizeMiBSchema = z
  .number()
  .int("the chunk size is a whole number of MiB")
  .min(1, "the chunk size is at least 1 MiB")
  .max(MAX_CHUNK_SIZE_MIB, `the chunk size is at most ${MAX_CHUNK_SIZE_MIB} MiB`);

export const settingsValuesSchema = z.strictObject({
  replicationFactor: replicationFactorSchema.optional(),
  chunkSizeMiB: chunkSizeMiBSchema.optional(),
  /** Top-level folder → the replication factor of the files below it (the others follow replicationFactor). */
  folderReplicationFactors: folderFactorsSchema.optional(),
  /** Top-level folder → whether it keeps versions (settings/folder-versioning.ts). */
  folderVersioning: folderVersioningSchema.optional(),
  keepVersions: keepVersionsSchema.optional(),
  keepDays: keepDaysSchema.optional(),
});
export type SettingsValues = z.infer<typeof settingsValuesSchema>;

/** What an operator sends: the settings named change, the others keep their values; a folder's null removes its factor. */
export const settingsChangeSchema = z.strictObject({
  replicationFactor: replicationFactorSchema.optional(),
  chunkSizeMiB: chunkSizeMiBSchema.optional(),
  folderReplicationFactors: folderFactorChangesSchema.optional(),
  folderVersioning: folderVersioningChangesSchema.optional(),
  keepVersions: keepVersionsSchema.optional(),
  keepDays: keepDaysSchema.optional(),
});
export type SettingsChangeValues = z.infer<typeof settingsChangeSchema>;

/** The values after a change (pure; throws a RangeError when too many folders would have a factor). */
export function changedValues(held: SettingsValues | undefined, change: SettingsChangeValues): SettingsValues {
  const { folderReplicationFactors: folderChanges, folderVersioning: versioningChanges, ...plain } = change;
  const { folderReplicationFactors: heldFolders, folderVersioning: heldVersioning, ...rest } = { ...held, ...plain };
  const folders = folderChanges ? mergeFolderFactors(heldFolders, folderChanges) : heldFolders;
  const versioning = versioningChanges ? mergeFolderVersioning(heldVersioning, versioningChanges) : heldVersioning;
  return { ...rest, ...(folders ? { folderReplicationFactors: folders } : {}), ...(versioning ? { folderVersioning: versioning } : {}) };
}

export const settingsRecordSchema = z.strictObject({
  values: settingsValuesSchema,
  /** When and by which node the record was written: orders records (last writer wins). */
  version: versionSchema,
});
export type SettingsRecord = z.infer<typeof settingsRecordSchema>;

/** The settings in force: the record's values over the node's own defaults. */
export interface EffectiveSettings {
  replicationFactor: number;
  /** Bytes per chunk of new writes (files already written keep the layout their manifest records). */
  chunkSize: number;
  /** Top-level folder → its own replication factor; empty when every folder follows replicationFactor. */
  folderReplicationFactors: FolderFactors;
}

/** The node's own defaults: its environment has no per-folder factors. */
export type SettingsDefaults = Omit<EffectiveSettings, "folderReplicationFactors">;

/** Versioning in force: which folders keep versions, and the limits (the record's, over KEEP_VERSIONS / KEEP_DAYS). */
export interface VersioningSettings extends VersionLimits {
  /** Top-level folder → Enabled or Suspended; empty when no folder keeps versions. */
  folderVersioning: FolderVersioning;
}

export function versioningSettings(record: SettingsRecord | undefined, defaults: VersionLimits): VersioningSettings {
  const values = record?.values;
  return {
    folderVersioning: { ...values?.folderVersioning },
    keepVersions: values?.keepVersions ?? defaults.keepVersions,
    keepDays: values?.keepDays ?? defaults.keepDays,
  };
}

export function effectiveSettings(record: SettingsRecord | undefined, defaults: SettingsDefaults): EffectiveSettings {
  const values = record?.values;
  return {
    replicationFactor: values?.replicationFactor ?? defaults.replicationFactor,
    chunkSize: values?.chunkSizeMiB !== undefined ? values.chunkSizeMiB * MiB : defaults.chunkSize,
    folderReplicationFactors: { ...values?.folderReplicationFactors },
  };
}

/** Whether `incoming` should replace `held` (it is newer; a record with no predecessor always is). */
export function supersedes(incoming: SettingsRecord, held: SettingsRecord | undefined): boolean {
  return held === undefined || compareVersions(incoming.version, held.version) > 0;
}

/**
 * A version for a new record (settings, or any record versioned the same way: accounts/) written by `nodeId` at wall time `now`: above the record held, whatever the
 * clocks say, so a change is never lost to an older one stamped by a clock that ran ahead.
 */
export function nextSettingsVersion(nodeId: string, now: number, held: { version: string } | undefined): string {
  if (!held) return formatVersion({ wall: now, counter: 0, nodeId });
  const last = parseVersion(held.version);
  if (now > last.wall) return formatVersion({ wall: now, counter: 0, nodeId });
  return formatVersion({ wall: last.wall, counter: last.counter + 1, nodeId });
}
