// The checks every WebDAV method runs before it changes anything: the If header (412 when no list
// holds), lock tokens for locked resources (423), and an existing parent collection (409).
import type { FileSystem } from "../filesystem/file-system.ts";
import type { Quotas } from "../accounts/quota.ts";
import type { Logger } from "../log.ts";
import type { Manifest } from "../metadata/manifest.ts";
import { parentOf } from "../metadata/path.ts";
import type { ChunkReader } from "../replication/chunk-reader.ts";
import type { DeadPropertyStore } from "./dead-properties.ts";
import { davError, lockedError } from "./errors.ts";
import { evaluateIf, IfHeaderSyntaxError, parseIfHeader } from "./if-header.ts";
import type { Lock, LockTable } from "./locks.ts";
import { etagOf, hrefOf, pathOfUri } from "./paths.ts";

export interface WebdavDeps {
  fs: FileSystem;
  reader: ChunkReader;
  davProperties: DeadPropertyStore;
  log: Logger;
  /** Users' quotas (accounts/quota.ts): PUT, COPY and MOVE into a home folder are checked first. */
  quotas?: Quotas;
}

/** What every handler works with: the deps plus this node's lock table. */
export interface DavContext extends WebdavDeps {
  locks: LockTable;
}

export const isDirIn = (ctx: DavContext) => (path: string) => ctx.fs.lookupDir(path) !== undefined;

/**
 * Evaluates the If header against the current state of the resources it names; throws 400 when
 * it is malformed, 412 when no list holds. Returns the lock tokens the client submitted.
 */
export function checkIfHeader(req: Request, ctx: DavContext, requestPath: string): Set<string> {
  const header = req.headers.get("if");
  if (!header) return new Set();
  let lists;
  try {
    lists = parseIfHeader(header);
  } catch (err) {
    if (err instanceof IfHeaderSyntaxError) throw davError(400, err.message);
    throw err;
  }
  const result = evaluateIf(lists, (resource) => {
    const path = resource === undefined ? requestPath : pathOfUri(resource, req.url);
    if (path === undefined) return { lockTokens: new Set() };
    const m = ctx.fs.lookup(path);
    return { etag: m ? etagOf(m) : undefined, lockTokens: new Set(ctx.locks.covering(path).map((l) => l.token)) };
  });
  if (!result.passed) throw davError(412, "no list of the If header matched the resources' current state");
  return result.submittedTokens;
}

/** Checks RFC 4918 If-Match / If-None-Match on the request resource (clients use them to avoid overwrites). */
export function checkEtagHeaders(req: Request, existing: Manifest | undefined): void {
  const ifMatch = req.headers.get("if-match");
  if (ifMatch !== null) {
    const ok = existing && (ifMatch.trim() === "*" || ifMatch.split(",").some((t) => t.trim() === etagOf(existing)));
    if (!ok) throw davError(412, "If-Match did not match");
  }
  const ifNoneMatch = req.headers.get("if-none-match");
  if (ifNoneMatch !== null && existing) {
    if (ifNoneMatch.trim() === "*" || ifNoneMatch.split(",").some((t) => t.trim() === etagOf(existing))) {
      throw davError(412, "If-None-Match matched an existing resource");
    }
  }
}

/** A resource about to change, and how far the change reaches. */
export interface WriteScope {
  path: string;
  /** The whole subtree changes (DELETE, MOVE, COPY onto a collection): locks below count too. */
  recursive?: boolean;
  /** The resource appears or disappears, so its parent collection's membership changes too. */
  membership?: boolean;
}

const satisfied = (locks: Lock[], submitted: Set<string>) => locks.length === 0 || locks.some((l) => submitted.has(l.token));

/** Throws 423 unless a token was submitted for every lock that protects what the request changes. */
export function checkLocks(ctx: DavContext, submitted: Set<string>, scopes: WriteScope[]): void {
  const isDir = isDirIn(ctx);
  for (const s of scopes) {
    const covering = ctx.locks.covering(s.path);
    if (!satisfied(covering, submitted)) throw lockedError(hrefOf(covering[0]!.root, isDir(covering[0]!.root)));
    if (s.recursive) {
      // Locks rooted below, each root needing one of its own tokens: a shared lock someone else holds
      // on a member protects it even when this client holds a lock on the collection.
      const byRoot = new Map<string, Lock[]>();
      for (const l of ctx.locks.within(s.path)) if (l.root !== s.path) byRoot.set(l.root, [...(byRoot.get(l.root) ?? []), l]);
      for (const [root, ls] of byRoot) if (!satisfied(ls, submitted)) throw lockedError(hrefOf(root, isDir(root)));
    }
    if (s.membership && s.path !== "") {
      const parent = parentOf(s.path);
      const parentLocks = ctx.locks.covering(parent);
      if (!satisfied(parentLocks, submitted)) throw lockedError(hrefOf(parentLocks[0]!.root, true));
    }
  }
}

/** 409 unless `path`'s parent exists and is a collection (WebDAV never creates intermediate collections). */
export function requireParent(ctx: DavContext, path: string): void {
  if (path === "") return;
  // A collection of the parent's path counts even when a file shares that path.
  const parent = ctx.fs.lookupDir(parentOf(path)) ?? ctx.fs.lookup(parentOf(path));
  if (!parent) throw davError(409, `the parent collection of /${path} does not exist`);
  if (parent.kind !== "dir") throw davError(409, `the parent of /${path} is not a collection`);
}
