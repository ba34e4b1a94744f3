import { describe, expect, test } from "bun:test";
import type { ClusterSettingsView } from "./api.ts";
import { changesOf, describeApplied, describeFolderApplied, folderFactorsOf, folderNameOf, folderProblem, formOf } from "./cluster-settings.ts";

const MiB = 1024 * 1024;
/** A view; a node with no folder factors sends an empty map. */
const view = (
  settings: Omit<ClusterSettingsView["settings"], "folderReplicationFactors"> & Partial<ClusterSettingsView["settings"]>,
  set: ClusterSettingsView["set"] = {},
  confirmed?: number,
): ClusterSettingsView => ({
  settings: { folderReplicationFactors: {}, ...settings },
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

describe("folder replication factors", () => {
  const withFolders = (folders: Record<string, number>, confirmed?: number) =>
    view({ replicationFactor: 3, chunkSize: MiB, folderReplicationFactors: folders }, { folderReplicationFactors: folders }, confirmed);

  test("listed by name; none when the node sends none", () => {
    expect(folderFactorsOf(withFolders({ photos: 2, backups: 5 }))).toEqual([{ folder: "backups", factor: 5 }, { folder: "photos", factor: 2 }]);
    expect(folderFactorsOf(view({ replicationFactor: 3, chunkSize: MiB }))).toEqual([]);
  });

  test("a folder is one top-level name, slashes around it dropped; what the node would refuse is said before sending", () => {
    expect(folderNameOf(" /photos/ ")).toBe("photos");
    expect(folderProblem("photos")).toBeUndefined();
    expect(folderProblem("/Family Photos/")).toBeUndefined();
    expect(folderProblem("")).toContain("Name a top-level folder");
    expect(folderProblem("/")).toContain("Name a top-level folder");
    expect(folderProblem("a/b")).toContain("Only a top-level folder");
    expect(folderProblem("..")).toContain("not a folder name");
    expect(folderProblem("a\tb")).toContain("no control characters");
    expect(folderProblem("é".repeat(128))).toContain("at most 255 bytes");
  });

  test("reports the folder's new factor, who confirmed, and what happens to its copies", () => {
    const before = withFolders({});
    expect(describeFolderApplied("tmp", 1, before, withFolders({ tmp: 1 }, 3))).toStartWith("Folder /tmp at 1 copy (the cluster keeps 3): 3 of 3");
    expect(describeFolderApplied("photos", 2, before, withFolders({ photos: 2 }, 3))).toBe(
      "Folder /photos at 2 copies (the cluster keeps 3): 3 of 3 live members confirmed. Its surplus copies are removed after the hand-off grace period, except those another folder's files share.",
    );
    expect(describeFolderApplied("big", 5, before, withFolders({ big: 5 }, 3))).toBe("Folder /big at 5 copies (the cluster keeps 3): 3 of 3 live members confirmed. Its missing copies are being made now.");
    expect(describeFolderApplied("photos", null, withFolders({ photos: 2 }), withFolders({}, 3))).toBe(
      "Folder /photos back on the cluster's replication factor (3): 3 of 3 live members confirmed. Its missing copies are being made now.",
    );
  });
});
