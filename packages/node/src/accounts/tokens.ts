// API tokens: `orrery_<id>_<secret>`, the id (16 hex digits) names the record, the secret (256 random bits)
// is shown once and only its SHA-256 is kept; checked in constant time.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

const TOKEN = /^orrery_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface NewToken {
  id: string;
  /** What the client presents (shown once). */
  token: string;
  secretHash: string;
}

export const secretHashOf = (secret: string): string => createHash("sha256").update(secret).digest("hex");

export function newToken(): NewToken {
  const id = randomBytes(8).toString("hex");
  const secret = randomBytes(32).toString("base64url");
  return { id, token: `orrery_${id}_${secret}`, secretHash: secretHashOf(secret) };
}

/** Whether a credential looks like a token (a password never gets this far as one). */
export const looksLikeToken = (s: string): boolean => s.startsWith("orrery_");

/** A share link's token: `<id>_<secret>` (the URL's last segment), made and checked like an API token's. */
const LINK = /^([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export function newLinkToken(): NewToken {
  const t = newToken();
  return { ...t, token: t.token.slice("orrery_".length) };
}

export function parseLinkToken(s: string): { id: string; secret: string } | undefined {
  const m = LINK.exec(s);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

/** The token's id and secret; undefined when it is not a token. */
export function parseToken(s: string): { id: string; secret: string } | undefined {
  const m = TOKEN.exec(s);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

/** Whether the secret hashes to `secretHash`, in time independent of where they differ. */
export function secretMatches(secret: string, secretHash: string): boolean {
  const a = Buffer.from(secretHashOf(secret), "hex");
  const b = Buffer.from(secretHash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}
