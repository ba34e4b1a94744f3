// How `orrery config set chunk-size` reads a value, and how `config get` shows the chunk size in force.
import { expect, test } from "bun:test";
import { UsageError } from "../errors.ts";
import { formatChunkSize, parseChunkSizeMiB, settingsChange, table } from "./config.ts";

test("chunk-size takes whole MiB, bare or with the unit, within 1..64", () => {
  for (const [raw, mib] of [["8", 8], ["8MiB", 8], ["8 mib", 8], ["1", 1], ["64MiB", 64], [" 16 ", 16]] as const) expect(parseChunkSizeMiB(raw)).toBe(mib);
  for (const raw of ["0", "65", "1.5", "-1", "8MB", "8M", "8KiB", "8GiB", "", "mib", "0x10", "1e1", "99999999"]) {
    expect(() => parseChunkSizeMiB(raw)).toThrow(UsageError);
  }
  expect(() => parseChunkSizeMiB("65")).toThrow("chunk-size must be a whole number of MiB from 1 to 64, e.g. 8 or 8MiB; got '65'");
});

test("the chunk size in force is shown in MiB, or in bytes when a node's CHUNK_SIZE_MB is a fraction", () => {
  expect(formatChunkSize(8 * 1024 * 1024)).toBe("8 MiB");
  expect(formatChunkSize(262_144)).toBe("262144 bytes");
});

test("a folder's replication factor: set and unset name the folder, anything else is a usage error before any request", () => {
  expect(settingsChange("set", "replication-factor", "2", undefined)).toEqual({ replicationFactor: 2 });
  expect(settingsChange("set", "replication-factor", "2", "photos")).toEqual({ folderReplicationFactors: { photos: 2 } });
  expect(settingsChange("set", "replication-factor", "5", "/photos/")).toEqual({ folderReplicationFactors: { photos: 5 } });
  expect(settingsChange("unset", "replication-factor", undefined, "photos")).toEqual({ folderReplicationFactors: { photos: null } });
  expect(settingsChange("set", "chunk-size", "8", undefined)).toEqual({ chunkSizeMiB: 8 });
  const refusals: Array<[Parameters<typeof settingsChange>, string]> = [
    [["set", "replication-factor", "2", "photos/2024"], "--folder names one top-level folder"],
    [["set", "replication-factor", "2", "/"], "--folder names one top-level folder"],
    [["set", "chunk-size", "8", "photos"], "--folder applies to replication-factor only"],
    [["unset", "replication-factor", undefined, undefined], "only a folder's replication factor can be unset"],
    [["unset", "replication-factor", "2", "photos"], "unexpected argument '2'"],
    [["set", "replication-factor", "0", "photos"], "replication-factor must be a positive whole number"],
    [["set", "replication-factor", undefined, "photos"], "missing value"],
    [["unset", undefined, undefined, "photos"], "name the setting"],
  ];
  for (const [args, message] of refusals) expect(() => settingsChange(...args)).toThrow(message);
});

test("config get lists the folders with their own factor after the cluster's settings", () => {
  const shown = table({
    settings: { replicationFactor: 3, chunkSize: 4 * 1024 * 1024, folderReplicationFactors: { b: 4, photos: 2 } },
    set: { replicationFactor: 3, folderReplicationFactors: { b: 4, photos: 2 } },
    version: "v",
  });
  expect(shown).toMatch(/replication-factor\s+3\s+cluster setting/);
  expect(shown).toMatch(/chunk-size\s+4 MiB\s+node default/);
  expect(shown).toMatch(/replication-factor \/b\s+4\s+folder setting/);
  expect(shown).toMatch(/replication-factor \/photos\s+2\s+folder setting/);
});
