// Versions of files in versioned folders, as the files API serves them: a folder's switch, a file's versions,
// restoring one, and a folder's trash; plus the pure helpers the panels use.
import { request } from "./api.ts";
import { apiFileUrl, encodePath, normalize } from "./paths.ts";

export type VersioningStatus = "Enabled" | "Suspended" | "Off";

export interface FolderVersioning {
  folder: string;
  status: VersioningStatus;
  keepVersions: number;
  keepDays: number;
}

export interface FileVersion {
  versionId: string;
  isLatest: boolean;
  deleteMarker: boolean;
  /** When this version was written (ms). */
  writtenAt: number;
  size?: number;
  mtime?: number;
}

export interface TrashEntry {
  path: string;
  deletedAt: number;
  versionId: string;
  size: number;
}

/** The top-level folder a path lies in (versioning is set per top-level folder); undefined for the root. */
export function topFolder(path: string): string | undefined {
  const first = normalize(path).split("/").filter(Boolean)[0];
  return first === undefined ? undefined : `/${first}`;
}

/** The URL that downloads one version of a file. */
export const versionDownloadUrl = (path: string, versionId: string) => `${apiFileUrl(path)}?versionId=${encodeURIComponent(versionId)}`;

/** What a version is, in a few words: the current content, a deletion, or an older content. */
export function versionLabel(v: FileVersion): string {
  if (v.deleteMarker) return v.isLatest ? "Deleted (now)" : "Deleted";
  return v.isLatest ? "Current" : "Previous";
}

/** Versions that can be restored: older contents (the current one is already current; a deletion has none). */
export const restorable = (v: FileVersion) => !v.deleteMarker && !v.isLatest;

const json = (method: string, body: unknown): RequestInit => ({ method, body: JSON.stringify(body), headers: { "content-type": "application/json" } });

export const versionsApi = {
  folder: (folder: string) => request<FolderVersioning>(`/api/versioning/${encodePath(folder)}`),
  setFolder: (folder: string, on: boolean) => request<FolderVersioning>(`/api/versioning/${encodePath(folder)}`, json("PUT", { status: on ? "Enabled" : "Suspended" })),
  list: (path: string) => request<{ versions: FileVersion[] }>(`/api/versions/${encodePath(path)}`).then((r) => r.versions),
  restore: (path: string, versionId: string) => request<{ restored: string }>(`/api/versions/${encodePath(path)}/restore`, json("POST", { versionId })),
  trash: (dir: string) => request<{ entries: TrashEntry[] }>(`/api/trash/${encodePath(dir)}`).then((r) => r.entries),
};
