// What only an operator of the cluster may do, behind one check (security/admin-auth.ts): graceful
// leave, forgetting a dead member, cluster key rotation, changing the live cluster settings, and the
// fault-injection test hook. A node bound
// only to loopback serves these without a credential; any other node needs a request signed with the key.
import { apiRoutes, faultsSchema, keyIdBodySchema, keyInstallBodySchema, type ResponseOf, type SettingsChange } from "@orrery/api";
import { Hono, type MiddlewareHandler } from "hono";
import { badRequest, OrreryError } from "../errors.ts";
import type { Member } from "../membership/types.ts";
import type { Principal } from "../accounts/authorize.ts";
import { type AdminVerifier, ADMIN_SCHEME, openSecret } from "../security/admin-auth.ts";
import { CLUSTER_KEY_PATTERN, type ClusterKey } from "../security/cluster-key.ts";
import type { ClusterKeys } from "../security/cluster-keys.ts";
import type { SettingsSync } from "../settings/cluster-settings-sync.ts";
import { type SettingsChangeValues, settingsChangeSchema } from "../settings/cluster-settings.ts";
import { nodeIdSchema } from "../util/node-id.ts";
import { jsonBody } from "./json-body.ts";
import { recordAudit } from "./audit-trail.ts";

export interface AdminRoutesDeps {
  self: () => Member;
  /** The node binds only loopback: nothing beyond this host can reach it, so no credential is asked. */
  adminOpen: boolean;
  verifier: AdminVerifier;
  leave: () => void;
  /** Marks a dead member as left for good; throws if it is not dead. */
  forget: (id: string) => Member;
  clusterKeys: ClusterKeys;
  /** The live cluster settings (settings/): read by anyone, changed by an admin. */
  settings: Pick<SettingsSync, "current" | "record" | "set">;
  /** Fault injection (FAULT_INJECTION=true only): replaces the set of peers this node is cut off from. */
  setBlockedPeers?: (memberIds: string[]) => void;
  /** With setBlockedPeers: delays every gossip datagram this node reads (FAULT_INJECTION); returns the delay in force. */
  setGossipDelay?: (ms: number | undefined) => number;
}

/** Admin bodies are a few hundred bytes; anything larger is not an admin request. */
const MAX_ADMIN_BODY = 64 * 1024;
/**
 * Settings changes are checked by settings/ (it adds the folder-name rules a JSON Schema cannot say); what it
 * accepts must be what the contract describes, or this line stops the typecheck.
 */
type SettingsChangeMatchesContract<T extends true> = T;
export type SettingsChangeChecked = SettingsChangeMatchesContract<SettingsChangeValues extends SettingsChange ? true : false>;

type AdminVariables = { adminKey?: ClusterKey; adminChecked?: boolean; principal?: Principal };

/** Verifies the admin credential, and leaves the verified key for the handler (it opens sealed secrets). */
export function requireAdmin(d: Pick<AdminRoutesDeps, "adminOpen" | "verifier">): MiddlewareHandler<{ Variables: AdminVariables }> {
  return async (c, next) => {
    if (c.get("adminChecked")) return next(); // several patterns may match one path
    c.set("adminChecked", true);
    const header = c.req.header("authorization");
    // Bounded before anything reads it, with or without a credential (a loopback node asks for none).
    const declared = c.req.header("content-length");
    if (declared === undefined && c.req.header("transfer-encoding") !== undefined) {
      throw new OrreryError(411, "length_required", "admin requests must declare their Content-Length");
    }
    const length = Number(declared ?? 0);
    if (length > MAX_ADMIN_BODY) throw new OrreryError(413, "body_too_large", `admin requests carry at most ${MAX_ADMIN_BODY} bytes`);
    // An admin user (gateway/auth.ts checked the credential); a read-only token of one only reads.
    const principal = c.get("principal");
    if (principal?.kind === "user" && principal.role === "admin" && (!principal.readOnly || c.req.method === "GET")) return next();
    if (d.adminOpen && !header?.startsWith(ADMIN_SCHEME)) return next();
    if (principal?.kind === "user" && !header?.startsWith(ADMIN_SCHEME)) {
      const why = principal.role === "admin" ? "a read-only token of an admin only reads" : `${principal.name} is not an admin`;
      throw new OrreryError(403, "admin_required", `this needs an admin: ${why}`);
    }
    const body = new Uint8Array(await c.req.raw.clone().arrayBuffer());
    if (body.byteLength > MAX_ADMIN_BODY) throw new OrreryError(413, "body_too_large", `admin requests carry at most ${MAX_ADMIN_BODY} bytes`);
    const url = new URL(c.req.url);
    const check = d.verifier.verify(header, c.req.method, url.pathname + url.search, body);
    if (!check.ok) {
      const why = d.adminOpen
        ? `the admin credential is not valid (${check.reason})`
        : `this node binds beyond loopback or requires a login, so this needs an admin user's login or a credential signed with the cluster key (${check.reason})`;
      return c.json(
        { error: `${why}; the orrery CLI signs with --key-file, CLUSTER_KEY or --data-dir`, code: "admin_credential_required" },
        401,
        { "WWW-Authenticate": ADMIN_SCHEME },
      );
    }
    c.set("adminKey", check.key);
    return next();
  };
}

/** The admin routes that change the cluster's members or keys (settings changes are recorded by their route). */
const CLUSTER_CHANGES = /^\/api\/cluster\/(leave|members\/[^/]+\/forget|keys\/(install|use|remove))$/;

export function adminRoutes(d: AdminRoutesDeps): Hono<{ Variables: AdminVariables }> {
  const app = new Hono<{ Variables: AdminVariables }>();
  const admin = requireAdmin(d);
  // "/x/*" also matches "/x" itself.
  app.use("/api/cluster/leave", admin);
  // A leave, a forgotten member or a key rotation an admin made goes to the audit log once it succeeded.
  app.use("/api/cluster/*", async (c, next) => {
    await next();
    if (c.req.method === "POST" && c.res.status < 300 && CLUSTER_CHANGES.test(c.req.path)) recordAudit(c, "cluster_change", c.req.path.slice("/api/cluster/".length));
  });
  app.use("/api/cluster/members/*", admin);
  app.use("/api/cluster/keys/*", admin);
  app.on(["PUT", "PATCH", "POST", "DELETE"], "/api/cluster/settings", admin);
  app.use("/api/admin/*", admin);

  app.post(apiRoutes.leave.path, (c) => {
    d.leave();
    return c.json({ nodeId: d.self().id, leaving: true, message: "handing chunks off; the node stops when done" } satisfies ResponseOf<"leave", 202>, 202);
  });

  app.post(apiRoutes.forget.path, (c) => {
    const id = c.req.param("id");
    if (!nodeIdSchema.safeParse(id).success) throw badRequest("invalid_member", `not a member id: ${id.slice(0, 80)}`);
    if (id === d.self().id) throw new OrreryError(409, "member_alive", "a node cannot forget itself; use leave");
    let m: Member;
    try {
      m = d.forget(id);
    } catch (err) {
      const message = (err as Error).message;
      if (/^no member/.test(message)) throw new OrreryError(404, "no_member", message);
      throw new OrreryError(409, "member_alive", message);
    }
    return c.json({ id: m.id, state: m.state, incarnation: m.incarnation } satisfies ResponseOf<"forget">);
  });

  app.get(apiRoutes.getSettings.path, (c) => c.json(settingsJson(d)));
  // PATCH semantics under PUT: the settings named change, the others keep their values; so do the folders
  // named in folderReplicationFactors (null: back to the cluster's factor).
  app.put(apiRoutes.putSettings.path, async (c) => {
    const values = await jsonBody(c.req.raw, settingsChangeSchema);
    const { folderReplicationFactors: folders, ...plain } = values;
    if (Object.keys(plain).length === 0 && Object.keys(folders ?? {}).length === 0) {
      throw badRequest(
        "no_settings",
        'name at least one setting to change, e.g. {"replicationFactor": 2}, {"chunkSizeMiB": 8} or {"folderReplicationFactors": {"photos": 2}}',
      );
    }
    let change: Awaited<ReturnType<typeof d.settings.set>>;
    try {
      change = await d.settings.set(values);
    } catch (err) {
      if (err instanceof RangeError) throw badRequest("too_many_folders", err.message);
      throw err;
    }
    recordAudit(c, "settings_change", "cluster settings", { change: JSON.stringify(values).slice(0, 256) });
    return c.json({ ...settingsJson(d), confirmed: change.confirmed, members: change.members } satisfies ResponseOf<"putSettings">);
  });

  app.get(apiRoutes.listKeys.path, async (c) => c.json((await d.clusterKeys.list()) satisfies ResponseOf<"listKeys">));
  app.post(apiRoutes.installKey.path, async (c) => {
    const body = await jsonBody(c.req.raw, keyInstallBodySchema);
    let secret: string;
    if ("key" in body) {
      // Plain only where no credential was needed (loopback): elsewhere it would have crossed the network in clear.
      // (An admin user's request off loopback is not signed: it has no key to seal with, so it cannot install one.)
      if (c.get("adminKey") || !d.adminOpen) throw badRequest("key_not_sealed", "send the new key sealed (sealedKey), as the orrery CLI does");
      secret = body.key;
    } else {
      const key = c.get("adminKey");
      const opened = key ? openSecret(key, body.sealedKey) : undefined;
      if (opened === undefined || !CLUSTER_KEY_PATTERN.test(opened)) throw badRequest("invalid_sealed_key", "sealedKey does not open under the signing key");
      secret = opened;
    }
    return c.json((await d.clusterKeys.install(secret)) satisfies ResponseOf<"installKey">);
  });
  app.post(apiRoutes.useKey.path, async (c) => c.json((await d.clusterKeys.use((await jsonBody(c.req.raw, keyIdBodySchema)).keyId)) satisfies ResponseOf<"useKey">));
  app.post(apiRoutes.removeKey.path, async (c) =>
    c.json((await d.clusterKeys.remove((await jsonBody(c.req.raw, keyIdBodySchema)).keyId)) satisfies ResponseOf<"removeKey">),
  );

  app.post(apiRoutes.faults.path, async (c) => {
    if (!d.setBlockedPeers) return c.json({ error: "fault injection is disabled (FAULT_INJECTION=true enables it)", code: "disabled" }, 403);
    const body = await jsonBody(c.req.raw, faultsSchema);
    d.setBlockedPeers(body.blockedPeers);
    const gossipDelayMs = d.setGossipDelay?.(body.gossipDelayMs);
    return c.json({ blockedPeers: body.blockedPeers, gossipDelayMs } satisfies ResponseOf<"faults">);
  });

  return app;
}

function settingsJson(d: Pick<AdminRoutesDeps, "settings">): ResponseOf<"getSettings"> {
  const record = d.settings.record();
  return { settings: d.settings.current(), set: record?.values ?? {}, version: record?.version ?? null };
}
