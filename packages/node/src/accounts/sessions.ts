// The web UI's login sessions, per node and in memory: a session id is 256 random bits, kept only as its
// SHA-256 (a copy of this table opens nothing), bounded in number (the least recently used goes first), idle
// and absolute expiry. A session holds the password hash it was opened under: a new password, or the user's
// removal, ends it.
import { createHash, randomBytes } from "node:crypto";

export interface Session {
  user: string;
  /** The user's password hash when the session was opened. */
  passwordHash: string;
  createdAt: number;
  lastSeen: number;
}

export interface SessionTableInit {
  maxSessions?: number;
  idleMs?: number;
  maxAgeMs?: number;
  now?: () => number;
}

const keyOf = (id: string) => createHash("sha256").update(id).digest("base64");

export class SessionTable {
  private readonly sessions = new Map<string, Session>();
  private readonly init: Required<SessionTableInit>;

  constructor(init: SessionTableInit = {}) {
    this.init = { maxSessions: 10_000, idleMs: 12 * 3_600_000, maxAgeMs: 7 * 86_400_000, now: Date.now, ...init };
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Opens a session; returns its id (the cookie's value). */
  open(user: string, passwordHash: string): string {
    const id = randomBytes(32).toString("base64url");
    if (this.sessions.size >= this.init.maxSessions) this.sessions.delete(this.sessions.keys().next().value!);
    const now = this.init.now();
    this.sessions.set(keyOf(id), { user, passwordHash, createdAt: now, lastSeen: now });
    return id;
  }

  /** The live session with this id (its idle timer restarted), or undefined. */
  get(id: string): Session | undefined {
    if (id.length > 100) return undefined;
    const key = keyOf(id);
    const s = this.sessions.get(key);
    if (!s) return undefined;
    const now = this.init.now();
    this.sessions.delete(key);
    if (now - s.lastSeen > this.init.idleMs || now - s.createdAt > this.init.maxAgeMs) return undefined;
    s.lastSeen = now;
    this.sessions.set(key, s); // most recently used last
    return { ...s };
  }

  close(id: string): void {
    this.sessions.delete(keyOf(id));
  }
}
