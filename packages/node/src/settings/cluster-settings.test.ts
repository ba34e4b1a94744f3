// The settings record's schema (what an operator and a peer may send) and the settings it puts in force.
import { describe, expect, test } from "bun:test";
import { MAX_CHUNK_SIZE_MIB } from "../store/chunk-storage.ts";
import { changedValues, effectiveSettings, type SettingsRecord, settingsChangeSchema, settingsRecordSchema, settingsValuesSchema } from "./cluster-settings.ts";
import { MAX_FOLDER_FACTORS } from "./folder-factors.ts";

const MiB = 1024 * 1024;
const defaults = { replicationFactor: 3, chunkSize: 4 * MiB };
const record = (values: SettingsRecord["values"]): SettingsRecord => ({ values, version: "018f00000001000000@a" });

describe("settings values", () => {
  test("a chunk size is a whole number of MiB from 1 to the ceiling every node's frames accept", () => {
    expect(MAX_CHUNK_SIZE_MIB).toBe(64);
    for (const chunkSizeMiB of [1, 8, MAX_CHUNK_SIZE_MIB]) expect(settingsValuesSchema.parse({ chunkSizeMiB })).toEqual({ chunkSizeMiB });
    const refusal = (chunkSizeMiB: unknown) => settingsValuesSchema.safeParse({ chunkSizeMiB }).error?.issues[0]?.message;
    expect(refusal(0)).toBe("the chunk size is at least 1 MiB");
    expect(refusal(-4)).toBe("the chunk size is at least 1 MiB");
    expect(refusal(MAX_CHUNK_SIZE_MIB + 1)).toBe(`the chunk size is at most ${MAX_CHUNK_SIZE_MIB} MiB`);
    expect(refusal(1.5)).toBe("the chunk size is a whole number of MiB");
    for (const bad of ["8", null, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, [8], { mib: 8 }]) expect(refusal(bad)).toBeString();
  });

  test("strict: an unknown setting, or the chunk size in bytes, is refused; record and values alike", () => {
    expect(settingsValuesSchema.safeParse({ chunkSize: 4 * MiB }).success).toBe(false);
    expect(settingsValuesSchema.safeParse({ chunkSizeMiB: 4, extra: 1 }).success).toBe(false);
    expect(settingsRecordSchema.safeParse(record({ replicationFactor: 2, chunkSizeMiB: 16 })).success).toBe(true);
    expect(settingsRecordSchema.safeParse({ values: { chunkSizeMiB: 65 }, version: "018f00000001000000@a" }).success).toBe(false);
  });
});

describe("effectiveSettings", () => {
  test("the node's own defaults (CHUNK_SIZE_MB in bytes, fractions kept) until the cluster sets a value", () => {
    expect(effectiveSettings(undefined, defaults)).toEqual({ ...defaults, folderReplicationFactors: {} });
    expect(effectiveSettings(undefined, { replicationFactor: 3, chunkSize: 262_144 })).toEqual({ replicationFactor: 3, chunkSize: 262_144, folderReplicationFactors: {} });
    expect(effectiveSettings(record({ replicationFactor: 2 }), defaults)).toEqual({ replicationFactor: 2, chunkSize: 4 * MiB, folderReplicationFactors: {} });
  });

  test("a set chunk size is in force in bytes, whatever the node's default, each setting on its own", () => {
    expect(effectiveSettings(record({ chunkSizeMiB: 1 }), defaults)).toEqual({ replicationFactor: 3, chunkSize: MiB, folderReplicationFactors: {} });
    expect(effectiveSettings(record({ chunkSizeMiB: 64 }), { replicationFactor: 5, chunkSize: 1000 })).toEqual({ replicationFactor: 5, chunkSize: 64 * MiB, folderReplicationFactors: {} });
    expect(effectiveSettings(record({ replicationFactor: 1, chunkSizeMiB: 8 }), defaults)).toEqual({ replicationFactor: 1, chunkSize: 8 * MiB, folderReplicationFactors: {} });
  });
});

describe("folder replication factors", () => {
  test("a folder is one top-level name with a factor from 1 to 7; null only in a change, where it removes the folder's", () => {
    const ok = { photos: 2, "Family Photos": 1, "été": 7, "a.b": 3 };
    expect(settingsValuesSchema.parse({ folderReplicationFactors: ok })).toEqual({ folderReplicationFactors: ok });
    expect(settingsChangeSchema.parse({ folderReplicationFactors: { photos: null } })).toEqual({ folderReplicationFactors: { photos: null } });
    expect(settingsValuesSchema.safeParse({ folderReplicationFactors: { photos: null } }).success).toBe(false);
    const refusal = (folders: unknown) => settingsChangeSchema.safeParse({ folderReplicationFactors: folders }).error?.issues[0]?.message;
    for (const name of ["", "a/b", "/a", "a/", ".", "..", "a\nb", "x".repeat(256), "__proto__"]) expect(refusal(JSON.parse(`{${JSON.stringify(name)}: 2}`))).toStartWith("a folder is one top-level folder's name");
    expect(refusal({ photos: 0 })).toBe("a replication factor is at least 1");
    expect(refusal({ photos: 8 })).toBe("a replication factor is at most 7");
    expect(refusal({ photos: 1.5 })).toBe("a replication factor is a whole number");
    for (const bad of ["2", true, [2], { n: 2 }]) expect(refusal({ photos: bad })).toBeString();
    const tooMany = Object.fromEntries(Array.from({ length: MAX_FOLDER_FACTORS + 1 }, (_, i) => [`f${i}`, 2]));
    expect(refusal(tooMany)).toBe(`changes for at most ${MAX_FOLDER_FACTORS} folders`);
    expect(settingsRecordSchema.safeParse(record({ folderReplicationFactors: tooMany })).success).toBe(false);
  });

  test("a change merges folder by folder into the factors held, sorted; the last one removed leaves no map", () => {
    const held = { replicationFactor: 3, folderReplicationFactors: { b: 4, a: 2 } };
    expect(changedValues(held, { folderReplicationFactors: { c: 1, a: 5 } })).toEqual({ replicationFactor: 3, folderReplicationFactors: { a: 5, b: 4, c: 1 } });
    expect(Object.keys(changedValues(held, { folderReplicationFactors: { c: 1 } }).folderReplicationFactors!)).toEqual(["a", "b", "c"]);
    expect(changedValues(held, { folderReplicationFactors: { a: null } })).toEqual({ replicationFactor: 3, folderReplicationFactors: { b: 4 } });
    expect(changedValues(held, { folderReplicationFactors: { a: null, b: null } })).toEqual({ replicationFactor: 3 });
    expect(changedValues(held, { folderReplicationFactors: { nothere: null } })).toEqual(held);
    // Other settings leave the folders alone, and the folders leave them alone.
    expect(changedValues(held, { chunkSizeMiB: 8 })).toEqual({ ...held, chunkSizeMiB: 8 });
    expect(changedValues(undefined, { folderReplicationFactors: { a: 2 } })).toEqual({ folderReplicationFactors: { a: 2 } });
    const full = Object.fromEntries(Array.from({ length: MAX_FOLDER_FACTORS }, (_, i) => [`f${i}`, 2]));
    expect(() => changedValues({ folderReplicationFactors: full }, { folderReplicationFactors: { one: 2 } })).toThrow(RangeError);
    expect(changedValues({ folderReplicationFactors: full }, { folderReplicationFactors: { f0: null, one: 2 } }).folderReplicationFactors).toHaveProperty("one", 2);
  });

  test("in force: the folder factors set, a copy (changing it changes nothing held)", () => {
    const r = record({ folderReplicationFactors: { a: 2 } });
    const s = effectiveSettings(r, defaults);
    expect(s).toEqual({ ...defaults, folderReplicationFactors: { a: 2 } });
    s.folderReplicationFactors.a = 7;
    expect(r.values.folderReplicationFactors).toEqual({ a: 2 });
  });
});
