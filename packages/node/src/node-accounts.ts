// The accounts part of the composition root (node.ts): the replicated account store and its sync, the
// gateway's authenticator, the login mode in force, the first admin (made at first start when logins
// are required or ADMIN_PASSWORD is set, with a generated password when none is given), and the audit log
// (its store, bounded by AUDIT_KEEP, and its sync).
import type { Database } from "bun:sqlite";
import { randomBytes } from "node:crypto";
import { SqliteAccountStore } from "./accounts/account-store.ts";
import { Accounts } from "./accounts/accounts.ts";
import { AccountsSync } from "./accounts/accounts-sync.ts";
import { type SealKeys, SecretSeal } from "./accounts/secret-seal.ts";
import { Quotas } from "./accounts/quota.ts";
import type { ManifestStore } from "./metadata/manifest-store.ts";
import type { Config } from "./config/index.ts";
import { Authenticator } from "./gateway/auth.ts";
import type { Logger } from "./log.ts";
import type { Placement } from "./replication/placement.ts";
import type { JsonHandlers } from "./rpc/methods.ts";
import type { PeerRpc } from "./rpc/peer-rpc.ts";
import type { Clock } from "./util/clock.ts";
import { isLoopbackHost } from "./util/loopback.ts";
import { quietMaxMs } from "./util/background-worker.ts";
import { AuditLog } from "./audit/audit-log.ts";
import { SqliteAuditStore } from "./audit/audit-store.ts";
import { AuditSync } from "./audit/audit-sync.ts";

export interface NodeAccounts {
  authenticator: Authenticator;
  sync: AccountsSync;
  quotas: Quotas;
  /** Logins are not required: anonymous clients may do everything. */
  open: boolean;
  /** Admin requests need no credential (loopback and no logins): admin-routes.ts. */
  adminOpen: boolean;
  /** Set when this start made the first admin with a generated password: printed once by main.ts. */
  generatedAdminPassword?: string;
  /** Who did what, replicated to every node like the account records (audit/). */
  audit: AuditLog;
  auditSync: AuditSync;
}

export async function startAccounts(
  config: Pick<Config, "AUTH" | "ADMIN_PASSWORD" | "BIND_ADDRESS" | "SYNC_INTERVAL_MS" | "AUDIT_KEEP">,
  c: {
    db: Database; manifests: Pick<ManifestStore, "liveBytesBelow">; selfId: string; rpc: PeerRpc; placement: Placement; handlers: JsonHandlers;
    logger: (component: string) => Logger; keyring: SealKeys; clock: Clock;
  },
): Promise<NodeAccounts> {
  const log = c.logger("accounts");
  const loopback = isLoopbackHost(config.BIND_ADDRESS);
  const open = config.AUTH === "off" || (config.AUTH === "auto" && loopback);
  const store = new SqliteAccountStore(c.db);
  const peers = () => c.placement.members().filter((m) => m.id !== c.selfId && (m.state === "alive" || m.state === "suspect")).map((m) => m.id);
  const sync = new AccountsSync({ intervalMs: config.SYNC_INTERVAL_MS, quietMaxMs: quietMaxMs(config.SYNC_INTERVAL_MS) }, { selfId: c.selfId, store, rpc: c.rpc, peers, clock: c.clock, random: Math.random, log });
  Object.assign(c.handlers, sync.handlers());
  const auditStore = new SqliteAuditStore(c.db, config.AUDIT_KEEP);
  const auditSync = new AuditSync({ intervalMs: config.SYNC_INTERVAL_MS, quietMaxMs: quietMaxMs(config.SYNC_INTERVAL_MS) }, { store: auditStore, rpc: c.rpc, peers, clock: c.clock, random: Math.random, log: c.logger("audit") });
  Object.assign(c.handlers, auditSync.handlers());
  const accounts = new Accounts({ selfId: c.selfId, store, sync, now: Date.now, log, seal: new SecretSeal(c.keyring) });
  let generatedAdminPassword: string | undefined;
  if (!open || config.ADMIN_PASSWORD !== undefined) {
    const made = await accounts.bootstrapAdmin(config.ADMIN_PASSWORD, () => randomBytes(18).toString("base64url"));
    generatedAdminPassword = made.generated;
  }
  if (open && loopback) {
    log.warn("no login required: this node binds only loopback, so anyone on this host may read and change every file (AUTH=required asks for logins)");
  } else if (open) {
    log.warn("AUTH=off: anyone who reaches the HTTP port may read and change every file");
  } else {
    log.info("logins required on the HTTP port (files API, WebDAV, web UI)", { auth: config.AUTH });
  }
  return {
    authenticator: new Authenticator({ open }, { accounts, log: c.logger("auth") }),
    sync,
    quotas: new Quotas({ user: (name) => accounts.user(name), bytesUnder: (dir) => c.manifests.liveBytesBelow(dir) }),
    open,
    adminOpen: loopback && open,
    generatedAdminPassword,
    audit: new AuditLog({ selfId: c.selfId, store: auditStore, sync: auditSync, now: Date.now }),
    auditSync,
  };
}
