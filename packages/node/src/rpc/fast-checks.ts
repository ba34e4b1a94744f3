// Hand-written checks of the peer frames every small create and read makes (manifests.push, manifests.get and
// manifests.newer, both ways): they accept only bodies their zod schema in methods.ts accepts, at a fraction of
// zod's cost, and leave everything else — anything unusual, and every body that is wrong — to the schema, which decides and names the error.
import { MAX_CHUNK_SIZE, MAX_CHUNKS, contentProblem, type Manifest } from "../metadata/manifest.ts";
import { INLINE_MAX_CHARS } from "../metadata/inline-content.ts";
import { isCanonicalPath } from "../metadata/path.ts";
import { MAX_PUSH_ENTRIES } from "../metadata/sync.ts";
import { isNodeId } from "../util/node-id.ts";
import { type JsonMethod, MAX_READ_PATHS } from "./methods.ts";
const HEX64 = /^[0-9a-f]{64}$/;
const MD5 = /^[0-9a-f]{32}(-[1-9][0-9]{0,4})?$/;
const VERSION = /^[0-9a-f]{18}@([A-Za-z0-9._-]{1,64})$/;
const REQUIRED = ["path", "kind", "deleted", "size", "sha256", "chunkSize", "chunks", "mtime", "version", "origin", "seq"];
/** The optional fields the fast check judges itself; a row with any other (meta, multipart, chunkSizes) goes to zod. */
const OPTIONAL = new Set(["md5", "inline"]);
const KNOWN = new Set([...REQUIRED, ...OPTIONAL]);

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
const isCount = (v: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): boolean =>
  typeof v === "number" && Number.isSafeInteger(v) && v >= min && v <= max;

/** The methods with a fast check of their request and answer (peer-rpc.ts runs it before the schema). */
export const fastChecks: { [M in JsonMethod]?: { request: (body: unknown) => boolean; response: (body: unknown) => boolean } } = {
  "manifests.push": { request: isPlainPush, response: isPlainPushAnswer },
  "manifests.get": { request: isPlainGet, response: isPlainGetAnswer },
  "manifests.newer": { request: isPlainNewer, response: isPlainGetAnswer },
};

/** True only for a row manifestSchema accepts as it is (false: let the schema judge it). */
export function isPlainManifestRow(v: unknown): v is Manifest {
  if (!isPlainObject(v)) return false;
  let required = 0;
  for (const key in v) {
    if (!Object.hasOwn(v, key) || !KNOWN.has(key)) return false;
    if (OPTIONAL.has(key)) {
      if (v[key] === undefined) return false;
    } else required++;
  }
  // Own keys `for in` skips (non-enumerable, symbols) are not in JSON; a row with one is the schema's business.
  if (required !== REQUIRED.length || Object.getOwnPropertyNames(v).length !== Object.keys(v).length) return false;
  const { path, kind, deleted, size, sha256, chunkSize, chunks, mtime, version, origin, seq, md5, inline } = v;
  if (typeof path !== "string" || path === "" || !isCanonicalPath(path)) return false;
  if ((kind !== "file" && kind !== "dir") || typeof deleted !== "boolean") return false;
  if (!isCount(size) || !isCount(mtime) || !isCount(seq, 1) || !isCount(chunkSize, 0, MAX_CHUNK_SIZE)) return false;
  if (sha256 !== null && (typeof sha256 !== "string" || !HEX64.test(sha256))) return false;
  if (!Array.isArray(chunks) || chunks.length > MAX_CHUNKS) return false;
  for (const id of chunks) if (typeof id !== "string" || !HEX64.test(id)) return false;
  if (md5 !== undefined && (typeof md5 !== "string" || !MD5.test(md5))) return false;
  if (inline !== undefined && (typeof inline !== "string" || inline.length < 1 || inline.length > INLINE_MAX_CHARS)) return false;
  if (typeof version !== "string" || typeof origin !== "string") return false;
  const writer = VERSION.exec(version)?.[1];
  if (writer === undefined || !isNodeId(writer) || writer !== origin) return false;
  return contentProblem(v as unknown as Manifest) === undefined;
}

/** A manifests.push request ({ entries }) the schema accepts as it is. */
export function isPlainPush(body: unknown): boolean {
  if (!isPlainObject(body) || !onlyKeys(body, "entries")) return false;
  const { entries } = body;
  return Array.isArray(entries) && entries.length <= MAX_PUSH_ENTRIES && entries.every(isPlainManifestRow);
}

/** A manifests.push answer ({ applied, versions }). */
export function isPlainPushAnswer(body: unknown): boolean {
  if (!isPlainObject(body) || !onlyKeys(body, "applied", "versions") || !isCount(body.applied)) return false;
  const { versions } = body;
  return Array.isArray(versions) && versions.length <= MAX_PUSH_ENTRIES && versions.every((s) => typeof s === "string" && s.length <= 100);
}

/** A manifests.get request ({ paths }). */
export function isPlainGet(body: unknown): boolean {
  if (!isPlainObject(body) || !onlyKeys(body, "paths")) return false;
  const { paths } = body;
  return Array.isArray(paths) && paths.length >= 1 && paths.length <= MAX_READ_PATHS && paths.every((p) => typeof p === "string" && isCanonicalPath(p));
}

/** A manifests.newer request ({ paths, have }: two versions or null per path). */
export function isPlainNewer(body: unknown): boolean {
  if (!isPlainObject(body) || !onlyKeys(body, "paths", "have")) return false;
  const { paths, have } = body;
  if (!isPlainGet({ paths }) || !Array.isArray(have) || have.length !== 2 * (paths as unknown[]).length) return false;
  return have.every((v) => v === null || isVersion(v));
}

/** A version as versionSchema accepts it: the HLC digits, '@', a usable node id. */
function isVersion(v: unknown): boolean {
  if (typeof v !== "string") return false;
  const writer = VERSION.exec(v)?.[1];
  return writer !== undefined && isNodeId(writer);
}

/** A manifests.get answer ({ rows }, a row or null each). */
export function isPlainGetAnswer(body: unknown): boolean {
  if (!isPlainObject(body) || !onlyKeys(body, "rows")) return false;
  const { rows } = body;
  return Array.isArray(rows) && rows.length <= 2 * MAX_READ_PATHS && rows.every((r) => r === null || isPlainManifestRow(r));
}

/** Exactly these own keys, every one present (the schemas' strictObject, no optional fields). */
function onlyKeys(v: Record<string, unknown>, ...keys: string[]): boolean {
  const own = Object.getOwnPropertyNames(v);
  return own.length === keys.length && keys.every((k) => Object.hasOwn(v, k) && Object.keys(v).includes(k));
}
