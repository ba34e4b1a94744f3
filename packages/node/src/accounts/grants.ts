// What is shared with each user: the folders shared with them by name and those shared with a group they
// belong to, as one list of grants that authorize() reads without knowing where a grant came from. Pure: an
// index built from the store's records (Accounts rebuilds it when the store has taken a record since).
import type { Grant } from "./authorize.ts";
import { type AccountRecord, type GroupRecord, type GroupShareRecord, type MemberRecord, ofThisLife, type ShareRecord, type UserRecord } from "./records.ts";

const push = <V>(m: Map<string, V[]>, key: string, v: V) => m.set(key, [...(m.get(key) ?? []), v]);

export class GrantIndex {
  private readonly shares = new Map<string, ShareRecord[]>();
  private readonly memberships = new Map<string, MemberRecord[]>();
  private readonly groups = new Map<string, GroupRecord>();
  private readonly groupShares = new Map<string, GroupShareRecord[]>();

  /** `records`: every record held, tombstones included (they are passed over). */
  constructor(records: readonly AccountRecord[]) {
    for (const r of records) {
      if (r.deleted) continue;
      if (r.kind === "share") push(this.shares, r.user, r);
      else if (r.kind === "member") push(this.memberships, r.user, r);
      else if (r.kind === "group") this.groups.set(r.name, r);
      else if (r.kind === "groupshare") push(this.groupShares, r.group, r);
    }
  }

  /**
   * The folders shared with `user`: what was shared with them (not with an earlier user of the name), and what
   * is shared with each live group they belong to, counting only a membership and a share made since the group
   * (and the membership since the user) was made, so a group or user made again under an old name inherits nothing.
   */
  grantsOf(user: UserRecord): Grant[] {
    const own = (this.shares.get(user.name) ?? []).filter((sh) => ofThisLife(sh, user));
    const viaGroups = (this.memberships.get(user.name) ?? []).flatMap((m) => {
      const group = this.groups.get(m.group);
      if (!group || !ofThisLife(m, group) || !ofThisLife(m, user)) return [];
      return (this.groupShares.get(group.name) ?? []).filter((sh) => ofThisLife(sh, group));
    });
    return [...own, ...viaGroups].map((sh) => ({ path: sh.path, access: sh.access }));
  }

  /** The live groups `user` belongs to (by the same rules as grantsOf). */
  groupsOf(user: UserRecord): string[] {
    return (this.memberships.get(user.name) ?? [])
      .filter((m) => {
        const group = this.groups.get(m.group);
        return group !== undefined && ofThisLife(m, group) && ofThisLife(m, user);
      })
      .map((m) => m.group);
  }
}
