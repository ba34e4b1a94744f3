import { describe, expect, test } from "bun:test";
import type { ClusterSettingsView } from "./api.ts";
import { changesOf, describeApplied, formOf } from "./cluster-settings.ts";

const MiB = 1024 * 1024;
const view = (settings: ClusterSettingsView["settings"], set: ClusterSettingsView["set"] = {}, confirmed?: number): ClusterSettingsView => ({
  settings,
  set,
  version: null,
  ...(confirmed === undefined ? {} : { confirmed, members: 3 }),
});

describe("cluster settings form", () => {
  test("starts at the values in force; a fractional node default starts at the nearest whole MiB allowed", () => {
    expect(formOf(view({ replicationFactor: 3, chunkSize: 4 * MiB }))).toEqual({ replicationFactor: 3, chunkSizeMiB: 4 });
    expect(formOf(view({ replicationFactor: 3, chunkSize: 256 * 1024 }))).toEqual({ replicationFactor: 3, chunkSizeMiB: 1 });
    expect(formOf(view({ replicationFactor: 2, chunkSize: 8 * MiB }, { chunkSizeMiB: 8 }))).toEqual({ replicationFactor: 2, chunkSizeMiB: 8 });
  });

  test("sends only what the operator changed", () => {
    const loaded = { replicationFactor: 3, chunkSizeMiB: 1 };
    expect(changesOf(loaded, { ...loaded })).toEqual({});
    expect(changesOf(loaded, { replicationFactor: 2, chunkSizeMiB: 1 })).toEqual({ replicationFactor: 2 });
    expect(changesOf(loaded, { replicationFactor: 3, chunkSizeMiB: 8 })).toEqual({ chunkSizeMiB: 8 });
  });

  test("reports what changed, who confirmed, and what follows", () => {
    const before = view({ replicationFactor: 3, chunkSize: MiB });
    expect(describeApplied({ replicationFactor: 2 }, before, view({ replicationFactor: 2, chunkSize: MiB }, { replicationFactor: 2 }, 3))).toBe(
      "Replication factor 2: 3 of 3 live members confirmed. Surplus copies are removed after the hand-off grace period.",
    );
    expect(describeApplied({ chunkSizeMiB: 8 }, before, view({ replicationFactor: 3, chunkSize: 8 * MiB }, { chunkSizeMiB: 8 }, 2))).toBe(
      "Chunk size 8 MiB: 2 of 3 live members confirmed. New uploads use it; files already stored keep their chunks.",
    );
    expect(describeApplied({ replicationFactor: 4, chunkSizeMiB: 2 }, before, view({ replicationFactor: 4, chunkSize: 2 * MiB }, {}, 3))).toBe(
      "Replication factor 4, chunk size 2 MiB: 3 of 3 live members confirmed. Missing copies are being made now. New uploads use it; files already stored keep their chunks.",
    );
  });
});
