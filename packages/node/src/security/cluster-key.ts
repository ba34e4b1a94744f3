// One cluster key: the shared secret every member holds, its public id, and the purpose-bound
// sub-keys derived from it (HKDF), so a MAC made for gossip can never pass as one made for RPC.
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";

/** A key as configured: at least 32 printable ASCII characters without spaces (the generated one is 43). */
export const CLUSTER_KEY_PATTERN = /^[\x21-\x7e]{32,512}$/;
export const CLUSTER_KEY_RULE = "at least 32 (at most 512) printable ASCII characters, no spaces";
/** Key ids travel in every datagram and handshake: 8 bytes are plenty to tell a few keys apart. */
export const KEY_ID_BYTES = 8;

/** `secrets`: account secrets kept sealed at rest (accounts/secret-seal.ts: users' S3 secret keys). */
export type KeyPurpose = "gossip" | "discovery" | "rpc" | "admin" | "secrets";

export class ClusterKey {
  /** Hex of KEY_ID_BYTES bytes; identifies the key without revealing anything about it. */
  readonly id: string;
  readonly idBytes: Buffer;
  private readonly subkeys = new Map<KeyPurpose, Buffer>();

  constructor(readonly secret: string) {
    if (!CLUSTER_KEY_PATTERN.test(secret)) throw new Error(`a cluster key must be ${CLUSTER_KEY_RULE}`);
    const ikm = Buffer.from(secret, "utf8");
    this.idBytes = createHmac("sha256", ikm).update("orrery key id v1").digest().subarray(0, KEY_ID_BYTES);
    this.id = this.idBytes.toString("hex");
    for (const purpose of ["gossip", "discovery", "rpc", "admin", "secrets"] as const) {
      this.subkeys.set(purpose, Buffer.from(hkdfSync("sha256", ikm, "orrery cluster key v1", `orrery ${purpose}`, 32)));
    }
  }

  /** The 32-byte sub-key for one use. */
  subkey(purpose: KeyPurpose): Buffer {
    return this.subkeys.get(purpose)!;
  }

  /** HMAC-SHA256 under the sub-key for `purpose`. */
  mac(purpose: KeyPurpose, ...parts: Uint8Array[]): Buffer {
    const h = createHmac("sha256", this.subkey(purpose));
    for (const p of parts) h.update(p);
    return h.digest();
  }

  /** Constant-time check of a MAC made with `mac(purpose, ...parts)`. */
  verify(purpose: KeyPurpose, tag: Uint8Array, ...parts: Uint8Array[]): boolean {
    const expected = this.mac(purpose, ...parts);
    return tag.byteLength === expected.byteLength && timingSafeEqual(expected, tag);
  }

  /** 32 random bytes, base64url: the key a node generates when none is configured. */
  static generate(): ClusterKey {
    return new ClusterKey(randomBytes(32).toString("base64url"));
  }
}
