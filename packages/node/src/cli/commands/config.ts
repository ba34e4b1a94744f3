// `orrery config`: the cluster's live settings. `orrery config` (or `config get`) shows them with where
// each value comes from, and the top-level folders that have their own replication factor;
// `orrery config set replication-factor 2` or `config set chunk-size 8` (MiB) changes one for every node at
// once (an admin request; the node pushes the new record to every live member: the placement check starts
// moving copies right away, and writes that start later use the new chunk size).
// `config set replication-factor 2 --folder photos` gives one top-level folder its own factor, and
// `config unset replication-factor --folder photos` puts it back on the cluster's.
import type { ClusterSettingsView } from "@orrery/api";
import { MAX_CHUNK_SIZE_MIB } from "../../store/chunk-storage.ts";
import { UsageError } from "../errors.ts";
import { formatTable } from "../format.ts";
import { out, printJson } from "../io.ts";
import type { CommandContext } from "./context.ts";

/** In force on the node asked (`settings`: the chunk size in bytes) and what the cluster set (`set`: whole MiB). */
type SettingsView = ClusterSettingsView;

interface Setting {
  /** Its name in the API's `set` and in a PUT body. */
  key: "replicationFactor" | "chunkSizeMiB";
  parse: (raw: string) => number;
  show: (settings: SettingsView["settings"]) => string;
}

const MiB = 1024 * 1024;

/** Setting names on the command line → their names in the API, with how to read and show a value. */
const names: Record<string, Setting> = {
  "replication-factor": { key: "replicationFactor", parse: positiveInt("replication-factor"), show: (s) => String(s.replicationFactor) },
  "chunk-size": { key: "chunkSizeMiB", parse: parseChunkSizeMiB, show: (s) => formatChunkSize(s.chunkSize) },
};

function positiveInt(name: string): (raw: string) => number {
  return (raw) => {
    if (!/^[0-9]+$/.test(raw) || Number(raw) < 1) throw new UsageError(`${name} must be a positive whole number, got '${raw}'`);
    return Number(raw);
  };
}

/** `8` or `8MiB` (any case, a space allowed): whole MiB within the ceiling every node accepts. */
export function parseChunkSizeMiB(raw: string): number {
  const m = /^\s*([0-9]{1,6})\s*(mib)?\s*$/i.exec(raw);
  const mib = m ? Number(m[1]) : Number.NaN;
  if (!(mib >= 1 && mib <= MAX_CHUNK_SIZE_MIB)) {
    throw new UsageError(`chunk-size must be a whole number of MiB from 1 to ${MAX_CHUNK_SIZE_MIB}, e.g. 8 or 8MiB; got '${raw}'`);
  }
  return mib;
}

/** Bytes as MiB when whole (every value the setting allows), else as bytes (a fractional CHUNK_SIZE_MB). */
export function formatChunkSize(bytes: number): string {
  return bytes % MiB === 0 ? `${bytes / MiB} MiB` : `${bytes} bytes`;
}

/**
 * `--folder /photos/` or `--folder photos`: the top-level folder's name (slashes around it dropped). A deeper
 * path is refused here; the node checks the name itself.
 */
export function parseFolder(raw: string): string {
  const name = raw.replace(/^\/+|\/+$/g, "");
  if (name === "" || name.includes("/")) throw new UsageError(`--folder names one top-level folder, e.g. --folder photos; got '${raw}'`);
  return name;
}

/** The PUT body for `config set|unset <name> [value]` (with the folder when given). */
export function settingsChange(action: "set" | "unset", name: string | undefined, value: string | undefined, folder: string | undefined): Record<string, unknown> {
  const usage = action === "set" ? `config set: missing setting name (${Object.keys(names).join(", ")})` : "config unset: name the setting (replication-factor --folder F)";
  if (name === undefined) throw new UsageError(usage);
  const setting = Object.hasOwn(names, name) ? names[name]! : undefined;
  if (!setting) throw new UsageError(`config ${action}: unknown setting '${name}' (${Object.keys(names).join(", ")})`);
  if (folder !== undefined && setting.key !== "replicationFactor") throw new UsageError(`config ${action} ${name}: --folder applies to replication-factor only`);
  if (action === "unset") {
    if (folder === undefined || setting.key !== "replicationFactor") throw new UsageError("config unset: only a folder's replication factor can be unset (config unset replication-factor --folder F)");
    if (value !== undefined) throw new UsageError(`config unset: unexpected argument '${value}'`);
    return { folderReplicationFactors: { [parseFolder(folder)]: null } };
  }
  if (value === undefined) throw new UsageError(`config set ${name}: missing value`);
  const parsed = setting.parse(value);
  return folder === undefined ? { [setting.key]: parsed } : { folderReplicationFactors: { [parseFolder(folder)]: parsed } };
}

export async function config(ctx: CommandContext): Promise<void> {
  const [action = "get", name, value] = ctx.args.positionals;
  if (action === "get") {
    if (name !== undefined) throw new UsageError("config get takes no argument");
    if (ctx.args.folder !== undefined) throw new UsageError("config get shows every folder's factor; --folder is for set and unset");
    const view = await ctx.client.json<SettingsView>("GET", "/api/cluster/settings");
    if (ctx.json) return printJson(view);
    return out(table(view));
  }
  if (action !== "set" && action !== "unset") throw new UsageError(`config: unknown action '${action}' (get, set, unset)`);
  const body = settingsChange(action, name, value, ctx.args.folder);
  const view = await ctx.client.admin<SettingsView>("PUT", "/api/cluster/settings", body);
  if (ctx.json) return printJson(view);
  out(table(view));
  out(`${view.confirmed} of ${view.members} live member(s) confirmed the change; the others catch up within a sync round`);
  if ("chunkSizeMiB" in body) out("writes that start from now on use the new chunk size; files already written keep theirs");
}

export function table(view: SettingsView): string {
  const rows = Object.entries(names).map(([name, { key, show }]) => [name, show(view.settings), view.set[key] !== undefined ? "cluster setting" : "node default (environment)"]);
  for (const [folder, factor] of Object.entries(view.settings.folderReplicationFactors ?? {})) {
    rows.push([`replication-factor /${folder}`, String(factor), "folder setting"]);
  }
  return formatTable(rows, { header: ["setting", "value", "from"] });
}
