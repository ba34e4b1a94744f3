// Versions of files in versioned folders, the pure part: which version rows a write adds (a copy of the new
// content, or a delete marker), how a file's versions are listed (newest first, which one is current), and
// which of them the limits prune. The rows live in the reserved namespace (metadata/version-paths.ts).
import { hasOwnContent, type Manifest, type ManifestKind } from "../metadata/manifest.ts";
import type { DeriveRows, ManifestChange } from "../metadata/manifest-store.ts";
import { parseVersion } from "../metadata/hlc.ts";
import { topFolderOf } from "../metadata/path.ts";
import { isDeleteMarker, isVersionsPath, NULL_VERSION, versionOfRow, versionPath, versionRowPath } from "../metadata/version-paths.ts";
import type { VersionLimits, VersioningState } from "../settings/folder-versioning.ts";
import { dirChange, tombstoneOf } from "./changes.ts";

/** S3's name for the version of a write made while versioning was off or suspended. */
export { NULL_VERSION };

/** The folder a path's versioning follows: its top-level folder (a top-level entry itself has none). */
export const versioningFolderOf = (path: string) => topFolderOf(path);

const contentOf = (m: Manifest): ManifestChange => {
  const { version: _v, origin: _o, seq: _s, ...content } = m;
  return content;
};

/** An object S3 would list: a live file, or a live directory with content of its own (the key `dir/`). */
const isObject = (m: Manifest | undefined): boolean => m !== undefined && !m.deleted && (m.kind === "file" || hasOwnContent(m));

/**
 * The version rows a committed row asks for (ManifestStore DeriveRows), given the rows kept for a key
 * (`keptRows`, its versions' directory). In an Enabled folder a live object keeps a copy of itself, and the one it
 * replaced, when no version holds it, is kept as the null version (S3: it was written before versioning was on,
 * or while it was suspended). In a Suspended folder a write is the null version itself (no row). Deleting a live
 * object leaves a delete marker, the null one when Suspended. A new null version replaces the one kept before
 * (tombstoned), as S3 keeps one null version per key. Objects are files and directories' own content (S3's
 * `dir/`, its versions in rows of their own); a directory without content and the reserved namespace keep nothing.
 */
export function versionRowsFor(
  stateOf: (folder: string) => VersioningState | undefined,
  keptRows: (path: string, kind: ManifestKind) => Manifest[],
  get: (path: string, kind: ManifestKind) => Manifest | undefined,
): DeriveRows {
  return (next, previous) => {
    if (isVersionsPath(next.path)) return [];
    const previousObject = previous && isObject(previous) ? previous : undefined;
    if (!isObject(next) && !previousObject) return [];
    const state = stateOf(versioningFolderOf(next.path));
    if (!state) return [];
    const { kind } = next;
    // The usual overwrite (Enabled, the replaced object has its own row) needs one lookup, not the key's versions.
    const ownRow = previousObject && get(versionRowPath(previousObject.path, previousObject.version, false, kind), "file");
    const hasOwnRow = ownRow !== undefined && !ownRow.deleted;
    const needKept = state === "Suspended" || (previousObject !== undefined && !hasOwnRow);
    const kept = needKept ? versionEntries(undefined, keptRows(next.path, kind), kind) : [];
    const keptNull = previousObject && state === "Enabled" && !hasOwnRow && !ownEntryOf(previousObject, kept);
    // Enabled and live: a version of its own, no new null version. Otherwise the write's null version (the
    // replaced object kept as null, a Suspended write, or its delete marker) replaces any null version kept.
    const newNull = keptNull || state === "Suspended";
    const out: ManifestChange[] = newNull ? kept.filter((e) => e.versionId === NULL_VERSION).map((e) => tombstoneOf(keptRowOf(e), next.mtime)) : [];
    // A version row with content is a file row whoever's it is: a directory row there is a delete marker.
    if (keptNull) out.push({ ...contentOf(previousObject), kind: "file", path: versionPath(previousObject.path, previousObject.version, true, kind) });
    if (isObject(next)) {
      if (state === "Enabled") out.push({ ...contentOf(next), kind: "file", path: versionPath(next.path, next.version, false, kind) });
    } else if (previousObject) {
      out.push(dirChange(versionPath(next.path, next.version, state === "Suspended", kind), next.mtime));
    }
    return out;
  };
}

export interface VersionEntry {
  /** The id it is named by: its HLC version, or "null". */
  versionId: string;
  /** The HLC version of the write it keeps: newer is greater. */
  order: string;
  /** The path of its row among the versions; none for a current file that is the null version (no row of its own). */
  rowPath?: string;
  /** The row as kept, under the file's own path (a delete marker has kind "dir" and no content). */
  row: Manifest;
  deleteMarker: boolean;
  isLatest: boolean;
  /** When this version was written (ms): its version id's wall clock. */
  writtenAt: number;
}

const sameContent = (a: Manifest, b: Manifest) =>
  a.sha256 === b.sha256 && a.mtime === b.mtime && a.size === b.size && JSON.stringify(a.chunks) === JSON.stringify(b.chunks) &&
  JSON.stringify(a.meta ?? null) === JSON.stringify(b.meta ?? null);

/** The row a version is kept in (to tombstone it): content in a file row, a delete marker in a directory row, whoever's. */
export function keptRowOf(e: VersionEntry): Manifest {
  return { ...e.row, path: e.rowPath!, kind: e.deleteMarker ? "dir" : "file" };
}

/** The kept version a current file is (its own row, or a copy of one a removal made current); undefined for a null version. */
function ownEntryOf(current: Manifest, entries: readonly VersionEntry[]): VersionEntry | undefined {
  return entries.find((e) => e.order === current.version || (!e.deleteMarker && sameContent(e.row, current)));
}

/**
 * A file's versions, newest first: its live version rows, and its current row when that is a live file with no
 * row of its own (S3's "null" version: written while versioning was off or suspended). The newest is the latest.
 * A current row that is a copy of a kept version (a delete marker removed, a newest version deleted) is that version.
 * There is one null version: the current one, else the newest null row (an older one is what two nodes' writes
 * made at once). Current rows and versions agree (FileVersions keeps them so), so the newest entry is what a
 * plain GET reads.
 */
export function versionEntries(current: Manifest | undefined, rows: readonly Manifest[], kind: ManifestKind = "file"): VersionEntry[] {
  let entries: VersionEntry[] = [];
  for (const r of rows) {
    const kept = versionOfRow(r.path);
    if (!kept || r.deleted || kept.kind !== kind) continue;
    const { versionId, order } = kept;
    const row = { ...r, path: kept.path, kind: isDeleteMarker(r) ? r.kind : kind };
    entries.push({ versionId, order, rowPath: r.path, row, deleteMarker: isDeleteMarker(r), isLatest: false, writtenAt: parseVersion(order).wall });
  }
  entries.sort((a, b) => (a.order < b.order ? 1 : a.order > b.order ? -1 : 0));
  const currentFile = current && isObject(current) && current.kind === kind ? current : undefined;
  const currentIsNull = currentFile !== undefined && !ownEntryOf(currentFile, entries);
  const firstNull = entries.find((e) => e.versionId === NULL_VERSION);
  entries = entries.filter((e) => e.versionId !== NULL_VERSION || (e === firstNull && !currentIsNull));
  if (currentFile && currentIsNull) {
    const entry: VersionEntry = { versionId: NULL_VERSION, order: currentFile.version, row: currentFile, deleteMarker: false, isLatest: true, writtenAt: parseVersion(currentFile.version).wall };
    const at = entries.findIndex((e) => e.order < currentFile.version);
    entries.splice(at < 0 ? entries.length : at, 0, entry);
  }
  if (entries[0]) entries[0].isLatest = true;
  return entries;
}

/**
 * The versions the limits remove (pure): past the `keepVersions` newest, and those replaced more than `keepDays`
 * ago (replaced = when the next newer version was written). The latest version always stays; a delete marker
 * left with no older version is removed too (it would hide nothing).
 */
export function prunable(entries: readonly VersionEntry[], limits: VersionLimits, now: number): VersionEntry[] {
  const doomed = new Set<VersionEntry>();
  entries.forEach((e, i) => {
    if (e.isLatest || e.rowPath === undefined) return;
    if (limits.keepVersions > 0 && i >= limits.keepVersions) doomed.add(e);
    const replacedAt = i > 0 ? entries[i - 1]!.writtenAt : undefined;
    if (limits.keepDays > 0 && replacedAt !== undefined && now - replacedAt > limits.keepDays * 86_400_000) doomed.add(e);
  });
  const left = entries.filter((e) => !doomed.has(e));
  if (left.length === 1 && left[0]!.deleteMarker) doomed.add(left[0]!);
  return entries.filter((e) => doomed.has(e));
}
