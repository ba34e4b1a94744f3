// Who the CLI speaks as: `--user/--password`, then ORRERY_TOKEN, then ORRERY_USER/ORRERY_PASSWORD, then the
// token `orrery login` kept for this node (in the user's config dir, `orrery/credentials.json`, mode 0600).
// None: requests go without a credential, which a node that asks for no login accepts.
import { writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { readConfigFile, writeConfigFile } from "./config-file.ts";
import { UsageError } from "./errors.ts";

export interface CredentialSource {
  user?: string;
  password?: string;
}

const storeSchema = z.object({ nodes: z.record(z.string(), z.object({ user: z.string(), token: z.string() })) });
type CredentialStore = z.infer<typeof storeSchema>;

/** `$XDG_CONFIG_HOME/orrery/credentials.json`, or `~/.config/orrery/credentials.json`. */
export function credentialsPath(env: Record<string, string | undefined>): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "orrery", "credentials.json");
}

function readStore(path: string): CredentialStore {
  return readConfigFile(path, storeSchema, { nodes: {} }, "an orrery credentials file (then log in again)");
}

/** Keeps `token` for `node`, readable by this user only (written to a 0600 file, then renamed over the old one). */
export function saveLogin(env: Record<string, string | undefined>, node: string, user: string, token: string): string {
  const path = credentialsPath(env);
  const store = readStore(path);
  store.nodes[node] = { user, token };
  writeConfigFile(path, store);
  return path;
}

/** Forgets the token kept for `node`; returns it (to revoke) when there was one. */
export function forgetLogin(env: Record<string, string | undefined>, node: string): { user: string; token: string } | undefined {
  const path = credentialsPath(env);
  const store = readStore(path);
  const held = store.nodes[node];
  if (!held) return undefined;
  delete store.nodes[node];
  writeFileSync(path, `${JSON.stringify(store, null, 2)}\n`, { mode: 0o600 });
  return held;
}

const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString("base64")}`;

/** The Authorization header the CLI sends to `node`, or undefined for none. */
export function authorizationFor(node: string, src: CredentialSource, env: Record<string, string | undefined>): string | undefined {
  if (src.user !== undefined) {
    const secret = src.password ?? env.ORRERY_PASSWORD ?? env.ORRERY_TOKEN;
    if (secret === undefined) throw new UsageError("--user needs --password (or ORRERY_PASSWORD, or a token in ORRERY_TOKEN)");
    return basic(src.user, secret);
  }
  if (src.password !== undefined) throw new UsageError("--password needs --user");
  if (env.ORRERY_TOKEN) return `Bearer ${env.ORRERY_TOKEN}`;
  if (env.ORRERY_USER) {
    if (!env.ORRERY_PASSWORD) throw new UsageError("ORRERY_USER needs ORRERY_PASSWORD (or use ORRERY_TOKEN)");
    return basic(env.ORRERY_USER, env.ORRERY_PASSWORD);
  }
  const kept = readStore(credentialsPath(env)).nodes[node];
  return kept ? `Bearer ${kept.token}` : undefined;
}

const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };

/** `500MB`, `2GiB`, `1048576` → bytes (KB/MB/GB/TB are powers of 1000, KiB/MiB/… of 1024). */
export function parseSize(raw: string, what: string): number {
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-z]*)\s*$/i.exec(raw);
  const unit = UNITS[(m?.[2] || "b").toLowerCase()];
  const bytes = m && unit ? Math.round(Number(m[1]) * unit) : Number.NaN;
  if (!Number.isSafeInteger(bytes)) throw new UsageError(`${what} is a size such as 500MB, 2GiB or 1048576; got '${raw}'`);
  return bytes;
}

const SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 7 * 86_400 };

/** `30d`, `12h`, `90m`, `3600s` → seconds. */
export function parseExpiry(raw: string): number {
  const m = /^\s*([0-9]+)\s*([smhdw])\s*$/i.exec(raw);
  if (!m) throw new UsageError(`--expires is a duration such as 30d, 12h or 90m; got '${raw}'`);
  return Number(m[1]) * SECONDS[m[2]!.toLowerCase()]!;
}
