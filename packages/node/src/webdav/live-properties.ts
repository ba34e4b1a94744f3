// Live properties (RFC 4918 §15), computed from a manifest and the lock table, never stored.
// PROPPATCH may not change them (403 cannot-modify-protected-property).
import type { Manifest } from "../metadata/manifest.ts";
import { nameOf } from "../metadata/path.ts";
import type { Lock, LockTable } from "./locks.ts";
import { contentTypeOf, etagOf, hrefOf } from "./paths.ts";
import { DAV, davProp, escapeXml, type PropName } from "./xml.ts";

export const LIVE_PROPERTIES = [
  "creationdate",
  "displayname",
  "getcontentlength",
  "getcontenttype",
  "getetag",
  "getlastmodified",
  "lockdiscovery",
  "resourcetype",
  "supportedlock",
] as const;

const LIVE = new Set<string>(LIVE_PROPERTIES);

export const isLive = (p: PropName) => p.ns === DAV && LIVE.has(p.name);

export const SUPPORTED_LOCK_XML =
  "<D:lockentry><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>" +
  "<D:lockentry><D:lockscope><D:shared/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>";

/** One `<D:activelock>`, as LOCK answers and lockdiscovery report it. */
export function activeLockXml(lock: Lock, secondsLeft: number, rootIsDir: boolean): string {
  return (
    `<D:activelock><D:locktype><D:write/></D:locktype><D:lockscope><D:${lock.scope}/></D:lockscope>` +
    `<D:depth>${lock.depth === "0" ? "0" : "infinity"}</D:depth>` +
    (lock.owner === "" ? "" : `<D:owner>${lock.owner}</D:owner>`) +
    `<D:timeout>Second-${secondsLeft}</D:timeout>` +
    `<D:locktoken><D:href>${escapeXml(lock.token)}</D:href></D:locktoken>` +
    `<D:lockroot><D:href>${escapeXml(hrefOf(lock.root, rootIsDir))}</D:href></D:lockroot></D:activelock>`
  );
}

export const lockDiscoveryXml = (locks: Lock[], table: LockTable, isDir: (path: string) => boolean) =>
  locks.map((l) => activeLockXml(l, table.secondsLeft(l), isDir(l.root))).join("");

export interface LiveContext {
  locks: LockTable;
  isDir: (path: string) => boolean;
}

/** The names of the live properties a resource has (directories have no length, type or ETag). */
export function liveNames(m: Manifest): string[] {
  return m.kind === "dir"
    ? LIVE_PROPERTIES.filter((n) => n !== "getcontentlength" && n !== "getcontenttype" && n !== "getetag")
    : [...LIVE_PROPERTIES];
}

/** A live property's element, or undefined when the resource does not have it. */
export function liveProperty(name: string, m: Manifest, ctx: LiveContext): string | undefined {
  const dir = m.kind === "dir";
  switch (name) {
    case "creationdate":
      // Orrery keeps no birth time; the modification time is the closest truth it has.
      return davProp(name, new Date(m.mtime).toISOString());
    case "displayname":
      return davProp(name, escapeXml(nameOf(m.path)));
    case "getcontentlength":
      return dir ? undefined : davProp(name, String(m.size));
    case "getcontenttype":
      return dir ? undefined : davProp(name, escapeXml(contentTypeOf(m)));
    case "getetag":
      return dir ? undefined : davProp(name, escapeXml(etagOf(m)));
    case "getlastmodified":
      return davProp(name, new Date(m.mtime).toUTCString());
    case "lockdiscovery":
      return davProp(name, lockDiscoveryXml(ctx.locks.covering(m.path), ctx.locks, ctx.isDir));
    case "resourcetype":
      return davProp(name, dir ? "<D:collection/>" : "");
    case "supportedlock":
      return davProp(name, SUPPORTED_LOCK_XML);
    default:
      return undefined;
  }
}
