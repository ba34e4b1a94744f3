// The pure part of versioning: which rows a write keeps (per folder state), how versions list (newest first,
// the "null" version, the latest), and which versions the limits prune.
import { describe, expect, test } from "bun:test";
import type { Manifest } from "../metadata/manifest.ts";
import { fileChange, deleteChange, dirChange } from "../metadata/test-fixtures.ts";
import { isVersionsPath, refFolderOf, versionOfRow, versionPath, VERSIONS_DIR } from "../metadata/version-paths.ts";
import type { VersioningState } from "../settings/folder-versioning.ts";
import { NULL_VERSION, prunable, versionEntries, versionRowsFor } from "./versioning.ts";

const DAY = 86_400_000;
const v = (wall: number, node = "n1") => `${wall.toString(16).padStart(12, "0")}000000@${node}`;
const row = (change: ReturnType<typeof fileChange>, version: string): Manifest => ({ ...change, version, origin: version.split("@")[1]!, seq: 1 });
const file = (path: string, wall: number, tag = `${path}@${wall}`) => row(fileChange(path, 8, tag, wall), v(wall));

describe("version paths", () => {
  test("a version row names the file and the version it keeps; other paths are no version rows", () => {
    const p = versionPath("photos/a.jpg", v(5));
    expect(p).toBe(`${VERSIONS_DIR}/photos/a.jpg/${v(5)}`);
    expect(versionOfRow(p)).toEqual({ path: "photos/a.jpg", versionId: v(5), order: v(5), kind: "file" });
    // A kept null version: named "null", ordered by the HLC version of its write.
    expect(versionOfRow(versionPath("photos/a.jpg", v(5), true))).toEqual({ path: "photos/a.jpg", versionId: NULL_VERSION, order: v(5), kind: "file" });
    // The versions of a directory's own content (S3's key "photos/d/"): a segment and a suffix of their own.
    const d = versionPath("photos/d", v(6), false, "dir");
    expect(d).toBe(`${VERSIONS_DIR}/photos/d/ /${v(6)}~dir`);
    expect(versionOfRow(d)).toEqual({ path: "photos/d", versionId: v(6), order: v(6), kind: "dir" });
    expect(versionOfRow(versionPath("photos/d", v(6), true, "dir"))).toEqual({ path: "photos/d", versionId: NULL_VERSION, order: v(6), kind: "dir" });
    // The file "photos/d/ " keeps its versions beside them, told apart by the suffix.
    expect(versionOfRow(versionPath("photos/d/ ", v(7)))).toEqual({ path: "photos/d/ ", versionId: v(7), order: v(7), kind: "file" });
    expect(versionOfRow(`${VERSIONS_DIR}/photos/a.jpg/null`)).toBeUndefined();
    expect(versionOfRow("photos/a.jpg")).toBeUndefined();
    expect(versionOfRow(`${VERSIONS_DIR}/photos/not-a-version`)).toBeUndefined();
    expect([isVersionsPath(VERSIONS_DIR), isVersionsPath(p), isVersionsPath(".orrery-versionsx"), isVersionsPath("a/.orrery-versions")]).toEqual([true, true, false, false]);
    expect([refFolderOf(p), refFolderOf("photos/a.jpg"), refFolderOf("top")]).toEqual(["photos", "photos", ""]);
  });

  test("a path too long to keep versions of is a clear 400", () => {
    expect(() => versionPath(`f/${"x".repeat(1000)}`, v(1))).toThrow(/too long to keep versions/);
  });
});

describe("versionRowsFor", () => {
  const derive = (state: VersioningState | undefined, held: Manifest[] = []) =>
    versionRowsFor(
      () => state,
      (p) => held.filter((m) => m.path.startsWith(`${VERSIONS_DIR}/${p}/`)),
      (p, kind) => held.find((m) => m.path === p && m.kind === kind),
    );

  test("a directory's own content keeps versions as a file does; a directory without content keeps none", () => {
    const content = { ...dirChange("f/d"), sha256: "ab".repeat(32), size: 3, md5: "cd".repeat(16) };
    const prev = row(content, v(1));
    const next = row({ ...content, sha256: "ef".repeat(32) }, v(2));
    expect(derive("Enabled")(next, prev).map((r) => [r.path, r.kind, r.sha256])).toEqual([
      [versionPath("f/d", prev.version, true, "dir"), "file", prev.sha256],
      [versionPath("f/d", next.version, false, "dir"), "file", next.sha256],
    ]);
    const tomb = row(deleteChange("f/d", "dir"), v(3));
    const keptNext = { ...next, kind: "file" as const, path: versionPath("f/d", next.version, false, "dir") };
    expect(derive("Enabled", [keptNext])(tomb, next).map((r) => [r.path, r.kind, r.deleted])).toEqual([[versionPath("f/d", tomb.version, false, "dir"), "dir", false]]);
    expect(versionEntries(undefined, [keptNext], "dir").map((e) => [e.versionId, e.row.kind])).toEqual([[next.version, "dir"]]);
    expect(versionEntries(undefined, [keptNext], "file")).toEqual([]);
    expect(derive("Enabled")(row(dirChange("f/e"), v(2)), undefined)).toEqual([]);
  });

  test("Enabled: a new file keeps a copy of itself; the file it replaced is kept as the null version when it had none", () => {
    const prev = file("f/a", 1);
    const next = file("f/a", 2);
    const rows = derive("Enabled")(next, prev);
    expect(rows.map((r) => [r.path, r.sha256])).toEqual([
      [versionPath("f/a", prev.version, true), prev.sha256],
      [versionPath("f/a", next.version), next.sha256],
    ]);
    // The previous one already has its row: only the new one is added.
    const kept = { ...prev, path: versionPath("f/a", prev.version) };
    expect(derive("Enabled", [kept])(next, prev).map((r) => r.path)).toEqual([versionPath("f/a", next.version)]);
  });

  test("deleting a live file leaves a delete marker (a live directory row) when Enabled, a null one when Suspended", () => {
    const prev = file("f/a", 1);
    const tomb = row(deleteChange("f/a"), v(2));
    for (const state of ["Enabled", "Suspended"] as const) {
      const rows = derive(state, [{ ...prev, path: versionPath("f/a", prev.version) }])(tomb, prev);
      expect(rows.map((r) => [r.path, r.kind, r.deleted])).toEqual([[versionPath("f/a", tomb.version, state === "Suspended"), "dir", false]]);
    }
    // Deleting what is already deleted marks nothing.
    expect(derive("Enabled")(row(deleteChange("f/a"), v(3)), tomb)).toEqual([]);
  });

  test("Suspended keeps no new content; no versioning, directories and the namespace itself keep nothing", () => {
    expect(derive("Suspended")(file("f/a", 2), file("f/a", 1))).toEqual([]);
    // ... but a Suspended write replaces the null version kept before (S3 keeps one per key).
    const oldNull = { ...file("f/a", 1), path: versionPath("f/a", v(1), true) };
    const kept = { ...file("f/a", 2), path: versionPath("f/a", v(2)) };
    expect(derive("Suspended", [oldNull, kept])(file("f/a", 3), { ...kept, path: "f/a" }).map((r) => [r.path, r.deleted])).toEqual([[oldNull.path, true]]);
    expect(derive(undefined)(file("f/a", 2), file("f/a", 1))).toEqual([]);
    expect(derive("Enabled")(row(dirChange("f/d"), v(2)), undefined)).toEqual([]);
    expect(derive("Enabled")(file(versionPath("f/a", v(1)), 2), undefined)).toEqual([]);
  });
});

describe("versionEntries", () => {
  const kept = (m: Manifest) => ({ ...m, path: versionPath(m.path, m.version) });

  test("newest first; the newest is the latest; tombstoned version rows are gone", () => {
    const a = file("f/x", 1);
    const b = file("f/x", 2);
    const gone = { ...kept(file("f/x", 3)), deleted: true };
    const entries = versionEntries(b, [kept(a), kept(b), gone]);
    expect(entries.map((e) => [e.versionId, e.isLatest, e.row.path])).toEqual([[b.version, true, "f/x"], [a.version, false, "f/x"]]);
  });

  test("a delete marker on top: latest, and the file is not current", () => {
    const a = file("f/x", 1);
    const marker = { ...row(dirChange(versionPath("f/x", v(2))), v(3)) };
    const entries = versionEntries(row(deleteChange("f/x"), v(2)), [kept(a), marker]);
    expect(entries.map((e) => [e.versionId, e.deleteMarker, e.isLatest])).toEqual([[v(2), true, true], [a.version, false, false]]);
  });

  test("a current file with no row of its own is the 'null' version, in its place by age", () => {
    const a = file("f/x", 1);
    const n = file("f/x", 5, "suspended write");
    const entries = versionEntries(n, [kept(a)]);
    expect(entries.map((e) => [e.versionId, e.isLatest])).toEqual([[NULL_VERSION, true], [a.version, false]]);
    // A current row that copies a kept version (a delete marker removed) is that version, not "null".
    const copy = { ...a, version: v(9), seq: 2 };
    expect(versionEntries(copy, [kept(a)]).map((e) => e.versionId)).toEqual([a.version]);
  });

  test("a kept null row is the null version in its place by age; a current null version hides it", () => {
    const n = file("f/x", 1, "before versioning");
    const b = file("f/x", 2);
    const nullRow = { ...n, path: versionPath("f/x", n.version, true) };
    expect(versionEntries(b, [nullRow, kept(b)]).map((e) => [e.versionId, e.isLatest, e.rowPath])).toEqual([
      [b.version, true, versionPath("f/x", b.version)],
      [NULL_VERSION, false, nullRow.path],
    ]);
    const current = file("f/x", 3, "suspended write");
    expect(versionEntries(current, [nullRow, kept(b)]).map((e) => [e.versionId, e.rowPath])).toEqual([[NULL_VERSION, undefined], [b.version, kept(b).path]]);
  });
});

describe("prunable", () => {
  const entries = (walls: number[]) => versionEntries(file("f/x", walls[0]!), walls.map((w) => ({ ...file("f/x", w), path: versionPath("f/x", v(w)) })));

  test("keepVersions keeps the newest N, the latest always", () => {
    const all = entries([40, 30, 20, 10]);
    expect(prunable(all, { keepVersions: 2, keepDays: 0 }, 0).map((e) => e.versionId)).toEqual([v(20), v(10)]);
    expect(prunable(all, { keepVersions: 0, keepDays: 0 }, 0)).toEqual([]);
    expect(prunable(all, { keepVersions: 1, keepDays: 0 }, 0).length).toBe(3);
  });

  test("keepDays removes versions replaced longer ago than that", () => {
    const all = entries([10 * DAY, 5 * DAY, 4 * DAY, 1 * DAY]);
    // Replaced at 5 days (by the 5-day one): 4 days before now=9 days → kept with keepDays 5, gone with 3.
    expect(prunable(all, { keepVersions: 0, keepDays: 3 }, 9 * DAY).map((e) => e.versionId)).toEqual([v(4 * DAY), v(DAY)]);
    expect(prunable(all, { keepVersions: 0, keepDays: 30 }, 9 * DAY)).toEqual([]);
  });

  test("a delete marker left alone goes too", () => {
    const a = file("f/x", 1);
    const marker = row(dirChange(versionPath("f/x", v(2))), v(3));
    const all = versionEntries(row(deleteChange("f/x"), v(2)), [{ ...a, path: versionPath("f/x", a.version) }, marker]);
    expect(prunable(all, { keepVersions: 1, keepDays: 0 }, 0).map((e) => e.versionId)).toEqual([v(2), a.version]);
  });
});
