// Admin requests (leave, forget a member, key rotation, fault injection) carry a credential derived from
// the cluster key, so that holding the key is what makes someone an operator of the cluster. The request is
// signed, never the key sent: on plain HTTP a listener learns nothing it could reuse. A node bound only to
// loopback accepts admin requests without one (the quick start), since only its own host can reach it.
//
//   Authorization: Orrery-Admin key=<key id>, ts=<ms since epoch>, nonce=<16 hex>, sig=<64 hex>
//   sig = HMAC-SHA256(admin sub-key, "orrery-admin-v1\n" METHOD "\n" path?query "\n" ts "\n" nonce "\n" SHA-256(body) hex)
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import type { ClusterKey } from "./cluster-key.ts";
import type { Keyring } from "./keyring.ts";
import { ReplayGuard } from "./replay-guard.ts";

export const ADMIN_SCHEME = "Orrery-Admin";
/** A signed request is good for this long either side of the node's clock. */
export const ADMIN_WINDOW_MS = 5 * 60_000;

function canonical(method: string, pathAndQuery: string, ts: string, nonce: string, body: Uint8Array): string {
  const bodyHash = createHash("sha256").update(body).digest("hex");
  return `orrery-admin-v1\n${method.toUpperCase()}\n${pathAndQuery}\n${ts}\n${nonce}\n${bodyHash}`;
}

/** The Authorization header value for one request. */
export function signAdminRequest(key: ClusterKey, method: string, pathAndQuery: string, body: Uint8Array, now = Date.now()): string {
  const ts = String(Math.floor(now));
  const nonce = randomBytes(8).toString("hex");
  const sig = key.mac("admin", Buffer.from(canonical(method, pathAndQuery, ts, nonce, body))).toString("hex");
  return `${ADMIN_SCHEME} key=${key.id}, ts=${ts}, nonce=${nonce}, sig=${sig}`;
}

export type AdminCheck = { ok: true; key: ClusterKey } | { ok: false; reason: string };

export class AdminVerifier {
  private readonly guard = new ReplayGuard(ADMIN_WINDOW_MS, 10_000);

  constructor(
    private readonly keyring: Keyring,
    private readonly now: () => number = Date.now,
  ) {}

  verify(header: string | undefined, method: string, pathAndQuery: string, body: Uint8Array): AdminCheck {
    if (!header) return { ok: false, reason: "no admin credential" };
    const m = /^Orrery-Admin\s+key=([0-9a-f]{16}),\s*ts=(\d{1,15}),\s*nonce=([0-9a-f]{16}),\s*sig=([0-9a-f]{64})$/.exec(header.trim());
    if (!m) return { ok: false, reason: "malformed Orrery-Admin credential" };
    const [, keyId, ts, nonce, sig] = m as unknown as [string, string, string, string, string];
    const key = this.keyring.get(keyId);
    if (!key) return { ok: false, reason: `signed with a key this node does not hold (key id ${keyId})` };
    const now = this.now();
    if (Math.abs(now - Number(ts)) > ADMIN_WINDOW_MS) return { ok: false, reason: "signature timestamp too far from this node's clock" };
    if (!key.verify("admin", Buffer.from(sig, "hex"), Buffer.from(canonical(method, pathAndQuery, ts, nonce, body)))) {
      return { ok: false, reason: "bad signature" };
    }
    if (!this.guard.admit(now, Number(ts), nonce)) return { ok: false, reason: "replayed request" };
    return { ok: true, key };
  }
}

/**
 * A secret (a new cluster key) for an admin request body: AES-256-GCM under a key derived from the signing
 * key's admin sub-key, so a key being installed never crosses the network in clear, even on plain HTTP.
 */
export function sealSecret(key: ClusterKey, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", transportKey(key), iv);
  const body = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString("base64url");
}

/** The inverse of sealSecret; undefined when it was not sealed under this key or was altered. */
export function openSecret(key: ClusterKey, sealed: string): string | undefined {
  const bytes = Buffer.from(sealed, "base64url");
  if (bytes.length < 12 + 16 + 1) return undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", transportKey(key), bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString("utf8");
  } catch {
    return undefined;
  }
}

function transportKey(key: ClusterKey): Buffer {
  return Buffer.from(hkdfSync("sha256", key.subkey("admin"), "orrery", "orrery key transport v1", 32));
}
