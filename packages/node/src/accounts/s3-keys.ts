// S3 access keys that belong to users: made (the secret shown once), listed, revoked, and looked up when a
// request signed with one arrives. The secret is sealed under the cluster key (secret-seal.ts), since SigV4
// needs it to recompute the signature; the record replicates like every account record.
import { randomBytes } from "node:crypto";
import { OrreryError } from "../errors.ts";
import { nextSettingsVersion } from "../settings/cluster-settings.ts";
import type { AccountStore } from "./account-store.ts";
import type { AccountsSync, AccountWrite } from "./accounts-sync.ts";
import { MAX_S3_KEYS_PER_USER, type S3KeyRecord, type UserRecord } from "./records.ts";
import type { SecretSeal } from "./secret-seal.ts";

export interface S3KeysComponents {
  selfId: string;
  store: AccountStore;
  sync: Pick<AccountsSync, "write">;
  now: () => number;
  /** Absent: this node cannot keep secrets (unit tests), so it makes no keys. */
  seal?: SecretSeal;
  /** The live user of a name. */
  user(name: string): UserRecord | undefined;
}

export interface S3KeyRequest {
  label?: string;
  readOnly?: boolean;
}

/** What a signed request's access key stands for: the user, the key's record, and the secret to check the signature with. */
export interface S3KeyHolder {
  user: UserRecord;
  key: S3KeyRecord;
  secret: string;
}

const KEY_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** `ORU` + 17 characters (20, as AWS's), and a 40-character secret of 240 random bits. */
function newKeyPair(): { accessKey: string; secretKey: string } {
  const id = [...randomBytes(17)].map((b) => KEY_CHARS[b % KEY_CHARS.length]).join("");
  return { accessKey: `ORU${id}`, secretKey: randomBytes(30).toString("base64url") };
}

export class S3Keys {
  constructor(private readonly c: S3KeysComponents) {}

  /** The live keys of one user (or of everyone). */
  list(user?: string): S3KeyRecord[] {
    return this.c.store.all().filter((r): r is S3KeyRecord => r.kind === "s3key" && !r.deleted && (user === undefined || r.user === user));
  }

  async create(user: string, req: S3KeyRequest): Promise<{ accessKey: string; secretKey: string; record: S3KeyRecord } & AccountWrite> {
    if (!this.c.user(user)) throw new OrreryError(404, "no_such_user", `no user ${user}`);
    if (!this.c.seal) throw new OrreryError(503, "no_cluster_key", "this node holds no cluster key to seal S3 secrets with");
    if (this.list(user).length >= MAX_S3_KEYS_PER_USER) {
      throw new OrreryError(409, "too_many_s3_keys", `a user has at most ${MAX_S3_KEYS_PER_USER} S3 keys; revoke one first`);
    }
    const { accessKey, secretKey } = newKeyPair();
    const record: S3KeyRecord = {
      kind: "s3key", id: accessKey, version: nextSettingsVersion(this.c.selfId, this.c.now(), undefined), deleted: false, user,
      sealedSecret: this.c.seal.seal(secretKey, accessKey), label: req.label ?? "", readOnly: req.readOnly ?? false, createdAt: this.c.now(),
    };
    return { accessKey, secretKey, record, ...(await this.c.sync.write(record)) };
  }

  /** A revoked key is a tombstone without its secret: no node can open it again. */
  async revoke(accessKey: string): Promise<AccountWrite> {
    const held = this.c.store.s3Key(accessKey);
    if (!held || held.deleted) throw new OrreryError(404, "no_such_s3_key", `no S3 key ${accessKey}`);
    return this.c.sync.write({ ...held, version: nextSettingsVersion(this.c.selfId, this.c.now(), held), deleted: true, sealedSecret: "" });
  }

  /**
   * Seals every live key's secret again under the primary cluster key when it is under another (a rotation
   * switched keys), so the key it was sealed under can be removed; each a new record version, pushed to every
   * live member. A secret no key held opens is named in `unreadable` (its S3 key cannot work; make another).
   */
  async reseal(): Promise<{ resealed: number; unreadable: string[] }> {
    const seal = this.c.seal;
    const result = { resealed: 0, unreadable: [] as string[] };
    if (!seal) return result;
    for (const key of this.list().filter((k) => !seal.underPrimary(k.sealedSecret))) {
      const secret = seal.open(key.sealedSecret, key.id);
      if (secret === undefined) {
        result.unreadable.push(key.id);
        continue;
      }
      const version = nextSettingsVersion(this.c.selfId, this.c.now(), key);
      await this.c.sync.write({ ...key, version, sealedSecret: seal.seal(secret, key.id) });
      result.resealed++;
    }
    return result;
  }

  /** The holder of a live key of a user that still exists (not an earlier user of the name), or undefined. */
  holder(accessKey: string): S3KeyHolder | undefined {
    const key = this.c.store.s3Key(accessKey);
    if (!key || key.deleted || !this.c.seal) return undefined;
    const user = this.c.user(key.user);
    if (!user || key.createdAt < user.createdAt) return undefined;
    const secret = this.c.seal.open(key.sealedSecret, key.id);
    return secret === undefined ? undefined : { user, key, secret };
  }
}
