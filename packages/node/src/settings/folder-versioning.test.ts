// Versioning in the settings record: folder states merge into the record, null forgets one, bad names and
// states are refused, and the limits fall back to the node's KEEP_VERSIONS / KEEP_DAYS.
import { describe, expect, test } from "bun:test";
import { changedValues, settingsChangeSchema, versioningSettings } from "./cluster-settings.ts";

describe("folder versioning settings", () => {
  test("a change sets or forgets a folder's state and keeps the other settings", () => {
    const held = changedValues({ replicationFactor: 3 }, { folderVersioning: { photos: "Enabled", docs: "Enabled" } });
    expect(held).toEqual({ replicationFactor: 3, folderVersioning: { docs: "Enabled", photos: "Enabled" } });
    const next = changedValues(held, { folderVersioning: { photos: "Suspended", docs: null }, keepVersions: 5 });
    expect(next).toEqual({ replicationFactor: 3, folderVersioning: { photos: "Suspended" }, keepVersions: 5 });
    expect(changedValues(next, { folderVersioning: { photos: null } })).toEqual({ replicationFactor: 3, keepVersions: 5 });
  });

  test("bad folder names, states and limits are refused", () => {
    for (const bad of [
      { folderVersioning: { "a/b": "Enabled" } },
      { folderVersioning: { ".orrery-versions": "Enabled" } },
      { folderVersioning: { ".s3-uploads": "Enabled" } },
      { folderVersioning: { photos: "On" } },
      { keepVersions: -1 },
      { keepVersions: 1.5 },
      { keepDays: -2 },
    ]) {
      expect(settingsChangeSchema.safeParse(bad).success).toBe(false);
    }
  });

  test("the record's limits win over the node's defaults", () => {
    const defaults = { keepVersions: 10, keepDays: 30 };
    expect(versioningSettings(undefined, defaults)).toEqual({ folderVersioning: {}, keepVersions: 10, keepDays: 30 });
    const record = { values: { keepVersions: 2, folderVersioning: { p: "Enabled" as const } }, version: "000000000001000000@a" };
    expect(versioningSettings(record, defaults)).toEqual({ folderVersioning: { p: "Enabled" }, keepVersions: 2, keepDays: 30 });
  });
});
