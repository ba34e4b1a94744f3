// Versions of files in versioned folders, as the files API serves them: a folder's switch, a file's versions,
// restoring one, and a folder's trash; plus the pure helpers the panels use.
import { request } from "./api.ts";
import { apiFileUrl, encodePath, normalize } from "./paths.ts";
import type { BodyOf, ResponseOf } from "@orrery/api";

export type FolderVersioning = ResponseOf<"getVersioning">;
export type VersioningStatus = FolderVersioning["status"];
export type FileVersion = ResponseOf<"listVersions">["versions"][number];
export type TrashEntry = ResponseOf<"trash">["entries"][number];

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
  folder: (folder: string) => request<ResponseOf<"getVersioning">>(`/api/versioning/${encodePath(folder)}`),
  setFolder: (folder: string, on: boolean) =>
    request<ResponseOf<"putVersioning">>(`/api/versioning/${encodePath(folder)}`, json("PUT", { status: on ? "Enabled" : "Suspended" } satisfies BodyOf<"putVersioning">)),
  list: (path: string) => request<ResponseOf<"listVersions">>(`/api/versions/${encodePath(path)}`).then((r) => r.versions),
  restore: (path: string, versionId: string) =>
    request<ResponseOf<"restoreVersion", 201>>(`/api/versions/${encodePath(path)}/restore`, json("POST", { versionId } satisfies BodyOf<"restoreVersion">)),
  trash: (dir: string) => request<ResponseOf<"trash">>(`/api/trash/${encodePath(dir)}`).then((r) => r.entries),
};
