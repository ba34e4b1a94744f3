// The settings record's schema (what an operator and a peer may send) and the settings it puts in force.
import { describe, expect, test } from "bun:test";
import { MAX_CHUNK_SIZE_MIB } from "../store/chunk-storage.ts";
import { effectiveSettings, type SettingsRecord, settingsRecordSchema, settingsValuesSchema } from "./cluster-settings.ts";

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
    expect(effectiveSettings(undefined, defaults)).toEqual(defaults);
    expect(effectiveSettings(undefined, { replicationFactor: 3, chunkSize: 262_144 })).toEqual({ replicationFactor: 3, chunkSize: 262_144 });
    expect(effectiveSettings(record({ replicationFactor: 2 }), defaults)).toEqual({ replicationFactor: 2, chunkSize: 4 * MiB });
  });

  test("a set chunk size is in force in bytes, whatever the node's default, each setting on its own", () => {
    expect(effectiveSettings(record({ chunkSizeMiB: 1 }), defaults)).toEqual({ replicationFactor: 3, chunkSize: MiB });
    expect(effectiveSettings(record({ chunkSizeMiB: 64 }), { replicationFactor: 5, chunkSize: 1000 })).toEqual({ replicationFactor: 5, chunkSize: 64 * MiB });
    expect(effectiveSettings(record({ replicationFactor: 1, chunkSizeMiB: 8 }), defaults)).toEqual({ replicationFactor: 1, chunkSize: 8 * MiB });
  });
});
