// LOCK and UNLOCK (RFC 4918 §9.10–9.11): new locks from a DAV:lockinfo body, refreshes from an
// empty body plus the If header, lock-null URLs become empty files (201), UNLOCK by Lock-Token.
import type { Manifest } from "../metadata/manifest.ts";
import { DavError, davError } from "./errors.ts";
import { activeLockXml } from "./live-properties.ts";
import { type Lock, type LockDepth, type LockScope, parseTimeout } from "./locks.ts";
import { checkIfHeader, checkLocks, type DavContext, requireParent } from "./preconditions.ts";
import { hrefOf } from "./paths.ts";
import { xmlResponse } from "./responses.ts";
import { davChild, elements, isDav, parseXml, serializeChildren, XML_HEAD } from "./xml.ts";

export interface LockInfo {
  scope: LockScope;
  owner: string;
}

/** Parses a DAV:lockinfo body. Only write locks exist (RFC 4918 defines no other type). */
export function parseLockInfo(body: string): LockInfo {
  const root = parseXml(body);
  if (!isDav(root, "lockinfo")) throw davError(400, "the LOCK body must be a DAV:lockinfo element");
  const scopeEl = davChild(root, "lockscope");
  const scope = scopeEl ? elements(scopeEl)[0] : undefined;
  if (!scope || !(isDav(scope, "exclusive") || isDav(scope, "shared"))) {
    throw davError(400, "DAV:lockinfo needs DAV:lockscope with DAV:exclusive or DAV:shared");
  }
  const typeEl = davChild(root, "locktype");
  const type = typeEl ? elements(typeEl)[0] : undefined;
  if (!type || !isDav(type, "write")) throw davError(400, "only DAV:write locks are supported");
  const owner = davChild(root, "owner");
  return { scope: scope.localName as LockScope, owner: owner ? serializeChildren(owner) : "" };
}

export function parseLockDepth(header: string | null): LockDepth {
  const d = (header ?? "infinity").trim().toLowerCase();
  if (d === "0") return "0";
  if (d === "infinity") return "infinity";
  throw davError(400, "a LOCK's Depth must be 0 or infinity");
}

function lockResponse(ctx: DavContext, lock: Lock, status: number, headers: Record<string, string> = {}): Response {
  const active = activeLockXml(lock, ctx.locks.secondsLeft(lock), ctx.fs.lookup(lock.root)?.kind === "dir");
  return xmlResponse(`${XML_HEAD}<D:prop xmlns:D="DAV:"><D:lockdiscovery>${active}</D:lockdiscovery></D:prop>`, status, headers);
}

/** LOCK: refresh (empty body) or a new lock; creates an empty file on an unmapped URL. */
export async function handleLock(req: Request, ctx: DavContext, path: string, body: string): Promise<Response> {
  const submitted = checkIfHeader(req, ctx, path);
  const timeout = parseTimeout(req.headers.get("timeout"));
  if (body.trim() === "") {
    const mine = ctx.locks.covering(path).filter((l) => submitted.has(l.token));
    if (mine.length === 0) {
      throw davError(412, "a lock refresh needs the If header to name a lock that covers this resource", "lock-token-matches-request-uri");
    }
    for (const l of mine) ctx.locks.refresh(l.token, timeout);
    return lockResponse(ctx, mine[0]!, 200);
  }
  const info = parseLockInfo(body);
  const depth = parseLockDepth(req.headers.get("depth"));
  const conflicts = ctx.locks.conflicts({ root: path, scope: info.scope, depth });
  if (conflicts.length > 0) {
    const isDir = (p: string) => ctx.fs.lookup(p)?.kind === "dir";
    throw new DavError(423, `/${path} is already locked`, "no-conflicting-lock", hrefOf(conflicts[0]!.root, isDir(conflicts[0]!.root)));
  }
  let existing: Manifest | undefined = ctx.fs.lookup(path);
  let status = 200;
  if (!existing) {
    if (path === "") throw davError(409, "cannot lock the root");
    requireParent(ctx, path);
    checkLocks(ctx, submitted, [{ path, membership: true }]);
    await ctx.fs.put(path, null, "quorum");
    ctx.davProperties.deleteTree(path);
    existing = ctx.fs.lookup(path);
    status = 201;
  }
  // A file has no members, so its lock is depth 0 whatever was asked.
  const lockDepth = existing?.kind === "dir" ? depth : "0";
  const lock = ctx.locks.create({ root: path, scope: info.scope, depth: lockDepth, owner: info.owner, timeoutSeconds: timeout });
  return lockResponse(ctx, lock, status, { "lock-token": `<${lock.token}>` });
}

/** UNLOCK: the Lock-Token must name a lock that covers the request URL (409 otherwise). */
export function handleUnlock(req: Request, ctx: DavContext, path: string): Response {
  const header = req.headers.get("lock-token");
  const m = header ? /^\s*<([^>]+)>\s*$/.exec(header) : null;
  if (!m) throw davError(400, "UNLOCK needs a Lock-Token header: <opaquelocktoken:...>");
  const lock = ctx.locks.get(m[1]!);
  if (!lock || !ctx.locks.covering(path).includes(lock)) {
    throw davError(409, "the Lock-Token does not name a lock on this resource", "lock-token-matches-request-uri");
  }
  ctx.locks.remove(lock.token);
  return new Response(null, { status: 204 });
}
