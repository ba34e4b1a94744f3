// The versions routes of the contract (issue 12): a top-level folder's versioning switch, a file's versions,
// removing or restoring one, a folder's trash. Reading a version's bytes is GET /api/files/<path>?versionId=.
import { filePathParams } from "./files.ts";
import { defineRoutes, failure } from "./route.ts";
import * as versions from "./versions.ts";

const badInput = failure("the request is malformed (invalid_version_id, not_a_top_level_folder, …)");
const refused = failure("no login (login_required) or not allowed (forbidden)");
const notFound = failure("no such file or version (not_found, no_such_version)");

export const versionRoutes = defineRoutes({
  getVersioning: {
    method: "get", path: "/api/versioning/*", tag: "versions", summary: "A top-level folder's versioning and the limits on kept versions",
    request: { params: filePathParams },
    responses: { 200: { description: "its state (Off: never versioned)", json: versions.versioningSchema }, 400: badInput, 401: refused, 403: refused },
  },
  putVersioning: {
    method: "put", path: "/api/versioning/*", tag: "versions", summary: "Turn a top-level folder's versioning on (Enabled) or pause it (Suspended)",
    request: { params: filePathParams, body: versions.versioningBodySchema },
    responses: { 200: { description: "its new state", json: versions.versioningSchema }, 400: badInput, 401: refused, 403: refused },
  },
  listVersions: {
    method: "get", path: "/api/versions/*", tag: "versions", summary: "A file's kept versions, newest first (delete markers included)",
    request: { params: filePathParams, query: versions.versionsQuery },
    responses: { 200: { description: "the versions", json: versions.versionsSchema }, 400: badInput, 401: refused, 403: refused, 404: notFound },
  },
  removeVersion: {
    method: "delete", path: "/api/versions/*", tag: "versions", summary: "Remove one version for good (removing a delete marker restores the file)",
    request: { params: filePathParams, query: versions.versionQuery },
    responses: { 200: { description: "removed", json: versions.versionRemovedSchema }, 400: badInput, 401: refused, 403: refused, 404: notFound },
  },
  restoreVersion: {
    method: "post", path: "/api/versions/*", tag: "versions", summary: "POST …/<path>/restore: make a kept version the current content again (a new write over its chunks)",
    request: { params: filePathParams, body: versions.restoreBodySchema },
    responses: { 201: { description: "restored", json: versions.restoredSchema }, 400: badInput, 401: refused, 403: refused, 404: notFound },
  },
  trash: {
    method: "get", path: "/api/trash/*", tag: "versions", summary: "Deleted files below a folder that a versioned folder still keeps",
    request: { params: filePathParams, query: versions.trashQuery },
    responses: { 200: { description: "what can be restored", json: versions.trashSchema }, 400: badInput, 401: refused, 403: refused },
  },
});
