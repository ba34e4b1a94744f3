// Pruning decides on the versions a read quorum of their owners holds, not on this node's rows alone: the first
// owner of a versions folder may have missed a version (a write it was not pushed), and a delete marker that
// looks alone here would be pruned although an older version stands behind it elsewhere.
import { describe, expect, test } from "bun:test";
import { logger } from "../log.ts";
import { formatVersion } from "../metadata/hlc.ts";
import { MemoryManifestStore } from "../metadata/memory-manifest-store.ts";
import { dirChange, fileChange } from "../metadata/test-fixtures.ts";
import { versionPath } from "../metadata/version-paths.ts";
import type { FileSystem, ManifestChange } from "./file-system.ts";
import { FileVersions } from "./file-versions.ts";

const DAY = 86_400_000;

describe("FileVersions.prune", () => {
  test("a delete marker alone on this node is kept when the owners hold an older version behind it", async () => {
    const manifests = new MemoryManifestStore("a");
    const now = 100 * DAY;
    const older = formatVersion({ wall: now - 3 * DAY, counter: 0, nodeId: "b" });
    const marker = formatVersion({ wall: now - 2 * DAY, counter: 0, nodeId: "b" });
    // This node holds the delete marker of docs/k; the version it hides was pushed to the other owners only.
    manifests.commitLocalBatch([dirChange(versionPath("docs/k", marker))]);
    const missed = { ...fileChange(versionPath("docs/k", older)), version: formatVersion({ wall: now - 3 * DAY, counter: 1, nodeId: "b" }), origin: "b", seq: 1 };
    const committed: ManifestChange[] = [];
    const fs = {
      // A read quorum of the versions folder's owners brings the version this node missed.
      refreshVersions: async () => void manifests.apply([missed]),
      commitRows: async (changes: ManifestChange[]) => {
        committed.push(...changes);
        return [];
      },
    } as unknown as FileSystem;
    const versions = new FileVersions({
      fs,
      manifests,
      selfId: "a",
      firstOwner: () => "a",
      stateOf: () => "Enabled",
      setState: async () => {},
      limits: () => ({ keepVersions: 5, keepDays: 0 }),
      log: logger("test"),
    });
    expect(await versions.prune(now)).toBe(0);
    expect(committed).toEqual([]);
    expect(versions.entries("docs/k").map((e) => [e.versionId, e.deleteMarker])).toEqual([[marker, true], [older, false]]);
  });
});
