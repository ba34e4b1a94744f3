// Groups of users: made and removed by admins, members added and removed one record each, and folders shared
// with a group. Every change is a record versioned above the one it replaces, written here and pushed to every
// node like the other account records; what the members may then read is the grant index's (grants.ts).
import { OrreryError } from "../errors.ts";
import { nextSettingsVersion } from "../settings/cluster-settings.ts";
import type { AccountStore } from "./account-store.ts";
import type { AccountsSync, AccountWrite } from "./accounts-sync.ts";
import {
  type GroupRecord, type GroupShareRecord, groupShareIdOf, MAX_GROUPS, MAX_SHARES_PER_USER, type MemberRecord, memberIdOf, ofThisLife, type ShareAccess,
  type UserRecord,
} from "./records.ts";

export interface GroupsComponents {
  selfId: string;
  store: AccountStore;
  sync: Pick<AccountsSync, "write">;
  now: () => number;
  /** The live user of a name. */
  user(name: string): UserRecord | undefined;
}

/** A user belongs to at most this many groups: bounds the memberships a store holds (with MAX_USERS). */
export const MAX_GROUPS_PER_USER = 50;

const noGroup = (name: string) => new OrreryError(404, "no_such_group", `no group ${name}`);

export class Groups {
  constructor(private readonly c: GroupsComponents) {}

  /** The live group of this name. */
  get(name: string): GroupRecord | undefined {
    const g = this.c.store.group(name);
    return g && !g.deleted ? g : undefined;
  }

  list(): GroupRecord[] {
    return this.c.store.all().filter((r): r is GroupRecord => r.kind === "group" && !r.deleted);
  }

  /** The live users who belong to `group` now (not by a membership of an earlier group, or user, of the same name). */
  members(group: GroupRecord): string[] {
    return this.memberships()
      .filter((m) => m.group === group.name && ofThisLife(m, group))
      .filter((m) => {
        const u = this.c.user(m.user);
        return u !== undefined && ofThisLife(m, u);
      })
      .map((m) => m.user);
  }

  /** Live membership records (tombstones left out; whether they still count is members()' and the grant index's). */
  memberships(): MemberRecord[] {
    return this.c.store.all().filter((r): r is MemberRecord => r.kind === "member" && !r.deleted);
  }

  /** Live folder shares with groups. */
  shares(): GroupShareRecord[] {
    return this.c.store.all().filter((r): r is GroupShareRecord => r.kind === "groupshare" && !r.deleted);
  }

  async add(name: string): Promise<GroupRecord & AccountWrite> {
    if (this.get(name)) throw new OrreryError(409, "group_exists", `group ${name} exists already`);
    if (this.list().length >= MAX_GROUPS) throw new OrreryError(409, "too_many_groups", `a cluster has at most ${MAX_GROUPS} groups`);
    const record: GroupRecord = { kind: "group", name, version: this.version(this.c.store.group(name)), deleted: false, createdAt: this.c.now() };
    return { ...record, ...(await this.c.sync.write(record)) };
  }

  /** Removes a group: its memberships and the shares with it end first, so no node grants through it meanwhile. */
  async remove(name: string): Promise<AccountWrite> {
    const held = this.get(name);
    if (!held) throw noGroup(name);
    for (const m of this.memberships().filter((x) => x.group === name)) await this.c.sync.write(this.ended(m));
    for (const sh of this.shares().filter((x) => x.group === name)) await this.c.sync.write(this.ended(sh));
    return this.c.sync.write(this.ended(held));
  }

  async addMember(group: string, user: string): Promise<AccountWrite> {
    const g = this.get(group);
    if (!g) throw noGroup(group);
    if (!this.c.user(user)) throw new OrreryError(404, "no_such_user", `no user ${user}`);
    const id = memberIdOf(group, user);
    const held = this.c.store.member(id);
    if (!held || held.deleted) {
      if (this.memberships().filter((m) => m.user === user).length >= MAX_GROUPS_PER_USER) {
        throw new OrreryError(409, "too_many_groups", `a user belongs to at most ${MAX_GROUPS_PER_USER} groups`);
      }
    }
    // Made again even when held: a membership left from before the user (or group) was made again counts from now.
    const record: MemberRecord = { kind: "member", id, version: this.version(held), deleted: false, group, user, createdAt: this.c.now() };
    return this.c.sync.write(record);
  }

  async removeMember(group: string, user: string): Promise<AccountWrite> {
    const g = this.get(group);
    if (!g) throw noGroup(group);
    const held = this.c.store.member(memberIdOf(group, user));
    if (!held || held.deleted || !this.members(g).includes(user)) throw new OrreryError(404, "no_such_member", `${user} is not a member of ${group}`);
    return this.c.sync.write(this.ended(held));
  }

  /** Ends every membership of a user (their account is being removed). */
  async leaveAll(user: string): Promise<void> {
    for (const m of this.memberships().filter((x) => x.user === user)) await this.c.sync.write(this.ended(m));
  }

  /** Shares `path` (a canonical folder path) with `group`; sharing it again changes the access. */
  async share(path: string, group: string, access: ShareAccess, by: string): Promise<GroupShareRecord & AccountWrite> {
    if (!this.get(group)) throw noGroup(group);
    const id = groupShareIdOf(path, group);
    const held = this.c.store.groupShare(id);
    if (!held && this.shares().filter((x) => x.by === by).length >= MAX_SHARES_PER_USER) {
      throw new OrreryError(409, "too_many_shares", `a user shares at most ${MAX_SHARES_PER_USER} folders with groups; end one first`);
    }
    const record: GroupShareRecord = { kind: "groupshare", id, version: this.version(held), deleted: false, group, path, access, by, createdAt: this.c.now() };
    return { ...record, ...(await this.c.sync.write(record)) };
  }

  async unshare(id: string): Promise<AccountWrite> {
    const held = this.c.store.groupShare(id);
    if (!held || held.deleted) throw new OrreryError(404, "no_such_share", `no share ${id}`);
    return this.c.sync.write(this.ended(held));
  }

  private ended<R extends GroupRecord | MemberRecord | GroupShareRecord>(r: R): R {
    return { ...r, version: this.version(r), deleted: true };
  }

  private version(held: { version: string } | undefined): string {
    return nextSettingsVersion(this.c.selfId, this.c.now(), held);
  }
}
