// The client's command line → one validated ClientArgs. Every mistake is a UsageError (exit 2),
// reported before any file is opened or any request is sent.
import { parseArgs } from "node:util";
import { UsageError } from "./errors.ts";

export const durabilities = ["quorum", "fast", "all"] as const;
export type Durability = (typeof durabilities)[number];

interface CommandSpec {
  /** Names of the positional arguments; those in [brackets] are optional. */
  params: string[];
  /** Options besides the global ones. */
  options: string[];
}

export const commands = {
  put: { params: ["<local>", "<remote>"], options: ["durability"] },
  get: { params: ["<remote>", "[local|-]"], options: [] },
  ls: { params: ["[remote-dir]"], options: [] },
  find: { params: ["<text>", "[remote-dir]"], options: [] },
  rm: { params: ["<remote>"], options: ["recursive"] },
  mv: { params: ["<from>", "<to>"], options: ["overwrite"] },
  mkdir: { params: ["<remote-dir>"], options: [] },
  versioning: { params: ["<on|off|status>", "<remote-folder>"], options: [] },
  sync: { params: ["<local-dir>", "<remote-path>"], options: ["once"] },
  status: { params: [], options: [] },
  leave: { params: [], options: ["key-file", "data-dir"] },
  members: { params: ["[forget]", "[id]"], options: ["key-file", "data-dir"] },
  config: { params: ["[get|set|unset]", "[name]", "[value]"], options: ["key-file", "data-dir", "folder"] },
  key: { params: ["<generate|show|list|install|use|remove|rotate>", "[key-or-id]"], options: ["key-file", "data-dir"] },
  user: { params: ["<add|passwd|set|rm|ls>", "[name]"], options: ["quota", "admin", "role", "current-password", "key-file", "data-dir"] },
  token: { params: ["<create|ls|revoke>", "[id]"], options: ["read-only", "expires", "label"] },
  share: { params: ["<add|ls|rm|link|links|unlink>", "[path-or-id]", "[user]"], options: ["write", "expires", "group"] },
  group: { params: ["<add|rm|ls|member>", "[name|add|rm]", "[group]", "[user]"], options: ["key-file", "data-dir"] },
  s3key: { params: ["<create|ls|rm>", "[access-key]"], options: ["read-only", "label", "for", "all"] },
  login: { params: [], options: ["label"] },
  logout: { params: [], options: [] },
  audit: { params: [], options: ["by", "action", "limit", "key-file", "data-dir"] },
} satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof commands;

const options = {
  node: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  durability: { type: "string" },
  recursive: { type: "boolean", short: "r" },
  overwrite: { type: "boolean" },
  once: { type: "boolean" },
  "key-file": { type: "string" },
  "data-dir": { type: "string" },
  folder: { type: "string" },
  user: { type: "string" },
  password: { type: "string" },
  quota: { type: "string" },
  admin: { type: "boolean" },
  role: { type: "string" },
  "current-password": { type: "string" },
  "read-only": { type: "boolean" },
  write: { type: "boolean" },
  expires: { type: "string" },
  label: { type: "string" },
  for: { type: "string" },
  all: { type: "boolean" },
  "accept-fingerprint": { type: "string" },
  "tls-cert": { type: "string" },
  by: { type: "string" },
  group: { type: "string" },
  action: { type: "string" },
  limit: { type: "string" },
} as const;

const globalOptions = ["node", "json", "help", "user", "password", "accept-fingerprint", "tls-cert"];

export const DEFAULT_NODE = "http://127.0.0.1:3000";

export interface ClientArgs {
  /** Absent only when `help` is set without a command. */
  command?: CommandName;
  positionals: string[];
  /** Base URL of the node, without a trailing slash. */
  node: string;
  json: boolean;
  help: boolean;
  durability?: Durability;
  recursive: boolean;
  overwrite: boolean;
  /** sync: one pass (until nothing changes), then exit. */
  once: boolean;
  /** Where the cluster key for admin requests comes from (admin-key.ts). */
  keyFile?: string;
  dataDir?: string;
  /** `config set|unset replication-factor --folder NAME`: the top-level folder whose own factor changes. */
  folder?: string;
  /** Credentials (credentials.ts); for `user add|passwd`, --password is the new password instead. */
  user?: string;
  password?: string;
  /** user add|set: the user's quota (a size such as 1GB; `none` for set); add: an admin. */
  quota?: string;
  admin: boolean;
  /** user set: the user's new role (admin or user). */
  role?: string;
  /** user passwd: one's own current password, asked when logged in with a token (`orrery login`, ORRERY_TOKEN). */
  currentPassword?: string;
  /** share add: read-write rather than read-only. */
  write: boolean;
  /** share add: share with this group rather than a user. */
  group?: string;
  /** token create: read-only, a lifetime such as 30d, a label. */
  readOnly: boolean;
  expires?: string;
  label?: string;
  /** s3key create: the user the key is for (admins); default: whoever is logged in. */
  for?: string;
  /** s3key ls: everyone's (admins). */
  all?: boolean;
  /** audit: only this user's records, only this action, at most this many. */
  by?: string;
  action?: string;
  limit?: string;
  /** An https:// node's certificate fingerprint to trust (tls-pin.ts); else ORRERY_TLS_FINGERPRINT. */
  acceptFingerprint?: string;
  /** A PEM certificate file whose fingerprint is accepted (a node's DATA_DIR/tls/cert.pem); else ORRERY_TLS_CERT. */
  tlsCert?: string;
}

/** node:util's messages suggest `--` for every unknown option; ours name the option and the command. */
function parseError(err: unknown): UsageError {
  const e = err as { code?: string; message?: string };
  const name = /'(-[^' ]+)/.exec(e.message ?? "")?.[1];
  if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && name) return new UsageError(`unknown option ${name}`);
  if (e.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && name) {
    return new UsageError(/missing/.test(e.message ?? "") ? `option ${name} needs a value` : `option ${name} takes no value`);
  }
  return new UsageError(e.message ?? String(err));
}

function nodeUrl(raw: string, source: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${source} must be a URL like http://127.0.0.1:3000, got '${raw}'`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`${source} must be an http:// or https:// URL, got '${raw}'`);
  }
  // Keep a path prefix (a node behind a reverse proxy), drop the query and the trailing slash.
  return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}

const isCommand = (s: string): s is CommandName => Object.hasOwn(commands, s);

/**
 * Parses `<command> <args...>` as main.ts hands them over. Global options may come before the
 * command (`orrery --node URL ls`), in which case main.ts passed an option as `command`.
 */
export function parseClientArgs(command: string, argv: string[], env: Record<string, string | undefined>): ClientArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: [command, ...argv], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw parseError(err);
  }
  const { values, positionals } = parsed;
  const name = positionals.shift();
  const help = values.help ?? false;
  if (name === undefined && !help) throw new UsageError("missing command");
  if (name !== undefined && !isCommand(name)) throw new UsageError(`unknown command '${name}'`);

  const node = values.node !== undefined ? nodeUrl(values.node, "--node") : env.ORRERY_NODE ? nodeUrl(env.ORRERY_NODE, "ORRERY_NODE") : DEFAULT_NODE;
  const base = {
    positionals, node, json: values.json ?? false, help, recursive: false, overwrite: false, once: false,
    user: values.user, password: values.password, admin: false, readOnly: false, write: false,
    acceptFingerprint: values["accept-fingerprint"],
    tlsCert: values["tls-cert"],
  };
  if (name === undefined || help) return { ...base, command: name };

  const spec: CommandSpec = commands[name];
  for (const key of Object.keys(values)) {
    if (!globalOptions.includes(key) && !spec.options.includes(key)) throw new UsageError(`${name} takes no option --${key}`);
  }
  const required = spec.params.filter((p) => p.startsWith("<"));
  if (positionals.length < required.length) throw new UsageError(`${name}: missing argument ${required[positionals.length]}`);
  if (positionals.length > spec.params.length) throw new UsageError(`${name}: unexpected argument '${positionals[spec.params.length]}'`);

  const durability = values.durability;
  if (durability !== undefined && !(durabilities as readonly string[]).includes(durability)) {
    throw new UsageError(`--durability must be one of ${durabilities.join(", ")}, got '${durability}'`);
  }
  return {
    ...base,
    command: name,
    durability: durability as Durability | undefined,
    recursive: values.recursive ?? false,
    overwrite: values.overwrite ?? false,
    once: values.once ?? false,
    keyFile: values["key-file"],
    dataDir: values["data-dir"],
    folder: values.folder,
    quota: values.quota,
    admin: values.admin ?? false,
    role: values.role,
    currentPassword: values["current-password"],
    readOnly: values["read-only"] ?? false,
    write: values.write ?? false,
    expires: values.expires,
    label: values.label,
    for: values.for,
    all: values.all,
    by: values.by,
    action: values.action,
    limit: values.limit,
    group: values.group,
  };
}
