// Seals the secrets an account record must keep readable (a user's S3 secret key: SigV4 needs the secret
// itself) under the cluster key: AES-256-GCM with the `secrets` sub-key, bound to the record's key.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { ClusterKey } from "../security/cluster-key.ts";

/** The keys a seal may be made and opened with: the keyring's primary seals, any key held opens. */
export interface SealKeys {
  primary(): ClusterKey;
  get(id: string): ClusterKey | undefined;
}

export class SecretSeal {
  constructor(private readonly keys: SealKeys) {}

  /** `<key id>.<base64url(iv | ciphertext | tag)>`; `boundTo` (the record's key) is authenticated, so a sealed value moved to another record does not open. */
  seal(secret: string, boundTo: string): string {
    const key = this.keys.primary();
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", key.subkey("secrets"), iv);
    cipher.setAAD(Buffer.from(boundTo, "utf8"));
    const body = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
    return `${key.id}.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString("base64url")}`;
  }

  /** Whether `sealed` was sealed under the primary key (else it should be sealed again before its key is removed). */
  underPrimary(sealed: string): boolean {
    return sealed.startsWith(`${this.keys.primary().id}.`);
  }

  /** The secret, or undefined: sealed under a key this node no longer holds (a finished rotation), altered, or bound elsewhere. */
  open(sealed: string, boundTo: string): string | undefined {
    const dot = sealed.indexOf(".");
    const key = dot > 0 ? this.keys.get(sealed.slice(0, dot)) : undefined;
    const bytes = Buffer.from(sealed.slice(dot + 1), "base64url");
    if (!key || bytes.length < 12 + 16 + 1) return undefined;
    try {
      const decipher = createDecipheriv("aes-256-gcm", key.subkey("secrets"), bytes.subarray(0, 12));
      decipher.setAAD(Buffer.from(boundTo, "utf8"));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString("utf8");
    } catch {
      return undefined;
    }
  }
}
