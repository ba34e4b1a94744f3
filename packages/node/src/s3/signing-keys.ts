// SigV4 signing keys kept per (secret, date, region, service), as the AWS SDKs and MinIO keep theirs: the key
// changes once a day per access key, and deriving it is four HMACs that every request would otherwise repeat.
import { signingKey } from "./sigv4.ts";

/** Enough for every key in use on a day (and the next); past it the oldest goes first. */
const MAX_KEYS = 256;

export class SigningKeys {
  private readonly keys = new Map<string, Buffer>();

  constructor(private readonly max = MAX_KEYS) {}

  /** The signing key of `secret` for the scope; the secret is part of what it is kept by, so a changed one derives anew. */
  get(secret: string, date: string, region: string, service: string): Buffer {
    const id = `${date}/${region}/${service}/${secret}`;
    let key = this.keys.get(id);
    if (key === undefined) {
      key = signingKey(secret, date, region, service);
      if (this.keys.size >= this.max) this.keys.delete(this.keys.keys().next().value!);
      this.keys.set(id, key);
    }
    return key;
  }

  get size(): number {
    return this.keys.size;
  }
}
