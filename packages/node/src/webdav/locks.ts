// WebDAV write locks (RFC 4918 §6–7): an in-memory table per node with timeouts, shared and exclusive
// scope, depth 0 or infinity. Locks are not replicated: a lock taken on one node is unknown to others.
import { randomUUID } from "node:crypto";
import { isWithin } from "../metadata/path.ts";

export type LockScope = "exclusive" | "shared";
export type LockDepth = "0" | "infinity";

export interface Lock {
  /** `opaquelocktoken:<uuid>` (RFC 4918 Appendix C). */
  token: string;
  /** The canonical path of the lock root. */
  root: string;
  scope: LockScope;
  depth: LockDepth;
  /** The client's DAV:owner element content, as XML, echoed back in lockdiscovery. */
  owner: string;
  /** Seconds the client was granted. */
  timeoutSeconds: number;
  expiresAt: number;
}

export interface LockRequest {
  root: string;
  scope: LockScope;
  depth: LockDepth;
  owner: string;
  timeoutSeconds: number;
}

/** Longest timeout granted; a client asking for Infinite (or more) gets this. */
export const MAX_LOCK_TIMEOUT_S = 24 * 3600;
export const DEFAULT_LOCK_TIMEOUT_S = 3600;

/**
 * Parses a Timeout header (`Second-3600, Infinite`): the first value we understand, capped at
 * MAX_LOCK_TIMEOUT_S; the default when absent or unparsable.
 */
export function parseTimeout(header: string | null | undefined): number {
  if (!header) return DEFAULT_LOCK_TIMEOUT_S;
  for (const part of header.split(",")) {
    const v = part.trim();
    if (/^infinite$/i.test(v)) return MAX_LOCK_TIMEOUT_S;
    const m = /^second-(\d+)$/i.exec(v);
    if (m) return Math.max(1, Math.min(MAX_LOCK_TIMEOUT_S, Number(m[1])));
  }
  return DEFAULT_LOCK_TIMEOUT_S;
}

/** Does a lock rooted at `lock.root` cover `path` (the root itself, or below it at depth infinity)? */
export const covers = (lock: Pick<Lock, "root" | "depth">, path: string) =>
  lock.root === path || (lock.depth === "infinity" && isWithin(path, lock.root));

export class LockTable {
  private readonly locks = new Map<string, Lock>();

  constructor(private readonly now: () => number = Date.now) {}

  private sweep(): void {
    const t = this.now();
    for (const [token, l] of this.locks) if (l.expiresAt <= t) this.locks.delete(token);
  }

  /** Every live lock. */
  all(): Lock[] {
    this.sweep();
    return [...this.locks.values()];
  }

  get(token: string): Lock | undefined {
    this.sweep();
    return this.locks.get(token);
  }

  /** Locks whose scope includes `path`: its own and those of ancestors at depth infinity. */
  covering(path: string): Lock[] {
    return this.all().filter((l) => covers(l, path));
  }

  /** Locks rooted at `path` or anywhere below it. */
  within(path: string): Lock[] {
    return this.all().filter((l) => isWithin(l.root, path));
  }

  /** Existing locks a new lock would conflict with (empty: it can be granted). */
  conflicts(req: Pick<LockRequest, "root" | "scope" | "depth">): Lock[] {
    const overlapping = this.all().filter((l) => covers(l, req.root) || covers(req, l.root));
    return req.scope === "exclusive" ? overlapping : overlapping.filter((l) => l.scope === "exclusive");
  }

  /** Grants a lock; the caller has checked conflicts() first. */
  create(req: LockRequest): Lock {
    const lock: Lock = {
      ...req,
      token: `opaquelocktoken:${randomUUID()}`,
      expiresAt: this.now() + req.timeoutSeconds * 1000,
    };
    this.locks.set(lock.token, lock);
    return lock;
  }

  refresh(token: string, timeoutSeconds: number): Lock | undefined {
    const lock = this.get(token);
    if (!lock) return undefined;
    lock.timeoutSeconds = timeoutSeconds;
    lock.expiresAt = this.now() + timeoutSeconds * 1000;
    return lock;
  }

  remove(token: string): boolean {
    return this.locks.delete(token);
  }

  /** Drops every lock rooted at `path` or below (the resources are gone or moved away). */
  removeWithin(path: string): void {
    for (const l of this.within(path)) this.locks.delete(l.token);
  }

  /** Seconds left on a lock, for lockdiscovery. */
  secondsLeft(lock: Lock): number {
    return Math.max(0, Math.ceil((lock.expiresAt - this.now()) / 1000));
  }
}
