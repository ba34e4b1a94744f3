// The accounts of the cluster as the gateway uses them: add, change and remove users, make and revoke API
// tokens, check a password or a token, and make the first admin. Every change is a new record versioned
// above the one it replaces, written here and pushed to every node (accounts-sync.ts).
import { OrreryError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { formatVersion } from "../metadata/hlc.ts";
import { nextSettingsVersion } from "../settings/cluster-settings.ts";
import type { AccountStore } from "./account-store.ts";
import type { AccountsSync, AccountWrite } from "./accounts-sync.ts";
import { hashPassword, PasswordChecker } from "./passwords.ts";
import type { Grant } from "./authorize.ts";
import {
  MAX_SHARES_PER_USER, MAX_TOKENS_PER_USER, MAX_USERS, type Role, type ShareAccess, type ShareRecord, shareIdOf, type TokenRecord, type UserRecord,
} from "./records.ts";
import { newToken, parseToken, secretMatches } from "./tokens.ts";
import { S3Keys } from "./s3-keys.ts";
import type { SecretSeal } from "./secret-seal.ts";
import { ShareLinks } from "./share-links.ts";
import { Groups } from "./groups.ts";
import { GrantIndex } from "./grants.ts";

export const ADMIN_USER = "admin";

export interface AccountsComponents {
  selfId: string;
  store: AccountStore;
  sync: Pick<AccountsSync, "write">;
  now: () => number;
  log: Logger;
  passwords?: PasswordChecker;
  /** Seals users' S3 secret keys (under the cluster key); absent: no S3 keys of users. */
  seal?: SecretSeal;
}

export interface UserChange {
  password?: string;
  role?: Role;
  quotaBytes?: number | null;
}

export interface TokenRequest {
  label?: string;
  readOnly?: boolean;
  expiresAt?: number | null;
}

const notFound = (name: string) => new OrreryError(404, "no_such_user", `no user ${name}`);

export class Accounts {
  readonly passwords: PasswordChecker;
  readonly s3Keys: S3Keys;
  readonly links: ShareLinks;
  readonly groups: Groups;
  /** What is shared with whom (by name and through groups), rebuilt when the store has taken a record since (store.changes). */
  private grants: { at: number; index: GrantIndex } = { at: -1, index: new GrantIndex([]) };

  constructor(private readonly c: AccountsComponents) {
    this.passwords = c.passwords ?? new PasswordChecker();
    const user = (name: string) => this.user(name);
    this.s3Keys = new S3Keys({ ...c, user });
    this.links = new ShareLinks({ ...c, user });
    this.groups = new Groups({ ...c, user });
  }

  /** The live user of this name (not a tombstone). */
  user(name: string): UserRecord | undefined {
    const u = this.c.store.user(name);
    return u && !u.deleted ? u : undefined;
  }

  users(): UserRecord[] {
    return this.c.store.all().filter((r): r is UserRecord => r.kind === "user" && !r.deleted);
  }

  /** The live tokens of one user (or of everyone), expired ones included (they say so). */
  tokens(user?: string): TokenRecord[] {
    return this.c.store.all().filter((r): r is TokenRecord => r.kind === "token" && !r.deleted && (user === undefined || r.user === user));
  }

  async addUser(name: string, password: string, role: Role, quotaBytes: number | null): Promise<UserRecord & AccountWrite> {
    if (this.user(name)) throw new OrreryError(409, "user_exists", `user ${name} exists already`);
    if (this.users().length >= MAX_USERS) throw new OrreryError(409, "too_many_users", `a cluster has at most ${MAX_USERS} users`);
    const held = this.c.store.user(name);
    const record: UserRecord = {
      kind: "user", name, version: this.version(held), deleted: false, role,
      passwordHash: await hashPassword(password), quotaBytes, createdAt: this.c.now(),
    };
    return { ...record, ...(await this.c.sync.write(record)) };
  }

  async changeUser(name: string, change: UserChange): Promise<UserRecord & AccountWrite> {
    const held = this.user(name);
    if (!held) throw notFound(name);
    if (change.role === "user" && held.role === "admin") this.keepAnAdmin(name);
    const record: UserRecord = {
      ...held,
      version: this.version(held),
      ...(change.role !== undefined ? { role: change.role } : {}),
      ...(change.quotaBytes !== undefined ? { quotaBytes: change.quotaBytes } : {}),
      ...(change.password !== undefined ? { passwordHash: await hashPassword(change.password) } : {}),
    };
    return { ...record, ...(await this.c.sync.write(record)) };
  }

  /** Removes a user, revokes their tokens, S3 keys and links, ends the shares with them or by them and their memberships (their files stay). */
  async removeUser(name: string): Promise<AccountWrite> {
    const held = this.user(name);
    if (!held) throw notFound(name);
    if (held.role === "admin") this.keepAnAdmin(name);
    for (const t of this.tokens(name)) await this.revokeToken(t.id);
    for (const k of this.s3Keys.list(name)) await this.s3Keys.revoke(k.id);
    for (const l of this.links.list(name)) await this.links.revoke(l.id);
    for (const sh of this.shares().filter((x) => x.user === name || x.by === name)) await this.unshare(sh.id);
    for (const sh of this.groups.shares().filter((x) => x.by === name)) await this.groups.unshare(sh.id);
    await this.groups.leaveAll(name);
    return this.c.sync.write({ ...held, version: this.version(held), deleted: true, passwordHash: null });
  }

  async createToken(user: string, req: TokenRequest): Promise<{ token: string; record: TokenRecord }> {
    if (!this.user(user)) throw notFound(user);
    if (this.tokens(user).length >= MAX_TOKENS_PER_USER) {
      throw new OrreryError(409, "too_many_tokens", `a user has at most ${MAX_TOKENS_PER_USER} tokens; revoke one first`);
    }
    const t = newToken();
    const record: TokenRecord = {
      kind: "token", id: t.id, version: this.version(undefined), deleted: false, user, secretHash: t.secretHash,
      label: req.label ?? "", readOnly: req.readOnly ?? false, createdAt: this.c.now(), expiresAt: req.expiresAt ?? null,
    };
    await this.c.sync.write(record);
    return { token: t.token, record };
  }

  async revokeToken(id: string): Promise<AccountWrite> {
    const held = this.c.store.token(id);
    if (!held || held.deleted) throw new OrreryError(404, "no_such_token", `no token ${id}`);
    return this.c.sync.write({ ...held, version: this.version(held), deleted: true });
  }

  /** Live shares (tombstones left out). */
  shares(): ShareRecord[] {
    return this.c.store.all().filter((r): r is ShareRecord => r.kind === "share" && !r.deleted);
  }

  /** Shares `path` (a canonical folder path) with `user`; sharing it again changes the access. */
  async share(path: string, user: string, access: ShareAccess, by: string): Promise<ShareRecord & AccountWrite> {
    if (!this.user(user)) throw notFound(user);
    const id = shareIdOf(path, user);
    const held = this.c.store.share(id);
    if (!held && this.shares().filter((x) => x.by === by).length >= MAX_SHARES_PER_USER) {
      throw new OrreryError(409, "too_many_shares", `a user shares at most ${MAX_SHARES_PER_USER} folders; end one first`);
    }
    const record: ShareRecord = { kind: "share", id, version: this.version(held), deleted: false, path, user, access, by, createdAt: this.c.now() };
    return { ...record, ...(await this.c.sync.write(record)) };
  }

  async unshare(id: string): Promise<AccountWrite> {
    const held = this.c.store.share(id);
    if (!held || held.deleted) throw new OrreryError(404, "no_such_share", `no share ${id}`);
    return this.c.sync.write({ ...held, version: this.version(held), deleted: true });
  }

  /** The folders shared with `user`, by name or through a group (none shared with an earlier user, or group, of the same name). */
  grantsOf(user: UserRecord): Grant[] {
    return this.grantIndex().grantsOf(user);
  }

  /** The groups `user` belongs to. */
  groupsOf(user: UserRecord): string[] {
    return this.grantIndex().groupsOf(user);
  }

  private grantIndex(): GrantIndex {
    if (this.grants.at !== this.c.store.changes) this.grants = { at: this.c.store.changes, index: new GrantIndex(this.c.store.all()) };
    return this.grants.index;
  }

  /** The user whose password this is, or undefined (a missing user costs the same work as a wrong password). */
  async checkPassword(name: string, password: string): Promise<UserRecord | undefined> {
    const u = this.user(name);
    return (await this.passwords.check(password, u?.passwordHash)) ? u : undefined;
  }

  /** The user and token a token string belongs to (live, not expired, of a user that still exists), or undefined. */
  checkToken(token: string): { user: UserRecord; token: TokenRecord } | undefined {
    const parsed = parseToken(token);
    const record = parsed && this.c.store.token(parsed.id);
    if (!parsed || !record || record.deleted || !secretMatches(parsed.secret, record.secretHash)) return undefined;
    if (record.expiresAt !== null && record.expiresAt <= this.c.now()) return undefined;
    const user = this.user(record.user);
    // A token made for an earlier user of the same name does not open the new one's files.
    if (!user || record.createdAt < user.createdAt) return undefined;
    return { user, token: record };
  }

  /**
   * The first admin, when the cluster has none: stamped with the lowest version there is, so that the admin of
   * a cluster this node joins (or one made by any operator) supersedes it everywhere. Returns the password
   * when it was generated here (to print once), or undefined when nothing was made.
   */
  async bootstrapAdmin(password: string | undefined, generate: () => string): Promise<{ made: boolean; generated?: string }> {
    if (this.c.store.user(ADMIN_USER) || this.users().some((u) => u.role === "admin")) return { made: false };
    const secret = password ?? generate();
    const record: UserRecord = {
      kind: "user", name: ADMIN_USER, version: formatVersion({ wall: 0, counter: 0, nodeId: this.c.selfId }), deleted: false,
      role: "admin", passwordHash: await hashPassword(secret), quotaBytes: null, createdAt: 0,
    };
    this.c.store.offer(record);
    this.c.log.info("made the first admin user", { user: ADMIN_USER, password: password ? "from ADMIN_PASSWORD" : "generated" });
    return { made: true, ...(password ? {} : { generated: secret }) };
  }

  private version(held: { version: string } | undefined): string {
    return nextSettingsVersion(this.c.selfId, this.c.now(), held);
  }

  private keepAnAdmin(name: string): void {
    if (!this.users().some((u) => u.role === "admin" && u.name !== name)) {
      throw new OrreryError(409, "last_admin", `${name} is the only admin; make another admin first`);
    }
  }
}
