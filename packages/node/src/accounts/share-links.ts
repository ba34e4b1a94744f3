// Share links: a link to a file or a folder that anyone may open read-only without an account, made by
// someone who may read it, expiring (every link does) and revocable. The URL carries a 256-bit secret and
// the replicated record its SHA-256 (as API tokens), so revoking or expiry stops a link on every node.
import { OrreryError } from "../errors.ts";
import { nextSettingsVersion } from "../settings/cluster-settings.ts";
import type { AccountStore } from "./account-store.ts";
import type { AccountsSync, AccountWrite } from "./accounts-sync.ts";
import { type LinkRecord, MAX_LINKS_PER_USER, type UserRecord } from "./records.ts";
import { newLinkToken, parseLinkToken, secretMatches } from "./tokens.ts";

export interface ShareLinksComponents {
  selfId: string;
  store: AccountStore;
  sync: Pick<AccountsSync, "write">;
  now: () => number;
  user(name: string): UserRecord | undefined;
}

/** What a link's token opens: its record and maker, or why it no longer opens anything. */
export type LinkState = { state: "open"; link: LinkRecord; maker: UserRecord } | { state: "gone"; reason: "revoked" | "expired" } | { state: "unknown" };

export class ShareLinks {
  constructor(private readonly c: ShareLinksComponents) {}

  /** The live links of one user (or of everyone), expired ones included (they say so). */
  list(user?: string): LinkRecord[] {
    return this.c.store.all().filter((r): r is LinkRecord => r.kind === "link" && !r.deleted && (user === undefined || r.user === user));
  }

  async create(user: string, path: string, expiresAt: number): Promise<{ token: string; record: LinkRecord } & AccountWrite> {
    if (!this.c.user(user)) throw new OrreryError(404, "no_such_user", `no user ${user}`);
    if (this.list(user).length >= MAX_LINKS_PER_USER) {
      throw new OrreryError(409, "too_many_links", `a user has at most ${MAX_LINKS_PER_USER} share links; revoke one first`);
    }
    const t = newLinkToken();
    const record: LinkRecord = {
      kind: "link", id: t.id, version: nextSettingsVersion(this.c.selfId, this.c.now(), undefined), deleted: false, user, path,
      secretHash: t.secretHash, expiresAt, createdAt: this.c.now(),
    };
    return { token: t.token, record, ...(await this.c.sync.write(record)) };
  }

  async revoke(id: string): Promise<AccountWrite> {
    const held = this.c.store.link(id);
    if (!held || held.deleted) throw new OrreryError(404, "no_such_link", `no share link ${id}`);
    return this.c.sync.write({ ...held, version: nextSettingsVersion(this.c.selfId, this.c.now(), held), deleted: true });
  }

  /**
   * What `token` opens. A wrong secret is `unknown` (as a made-up id is), so only the link's holder learns
   * that it was revoked or expired; a maker removed since (or an earlier user of their name) ends it too.
   */
  resolve(token: string): LinkState {
    const parsed = parseLinkToken(token);
    const link = parsed && this.c.store.link(parsed.id);
    if (!parsed || !link || !secretMatches(parsed.secret, link.secretHash)) return { state: "unknown" };
    if (link.deleted) return { state: "gone", reason: "revoked" };
    if (link.expiresAt <= this.c.now()) return { state: "gone", reason: "expired" };
    const maker = this.c.user(link.user);
    if (!maker || link.createdAt < maker.createdAt) return { state: "gone", reason: "revoked" };
    return { state: "open", link, maker };
  }
}
