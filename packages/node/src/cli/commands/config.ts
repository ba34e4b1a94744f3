// `orrery config`: the cluster's live settings. `orrery config` (or `config get`) shows them with where
// each value comes from; `orrery config set replication-factor 2` or `config set chunk-size 8` (MiB)
// changes one for every node at once (an admin request; the node pushes the new record to every live
// member: the placement check starts moving copies right away, and writes that start later use the new
// chunk size).
import { MAX_CHUNK_SIZE_MIB } from "../../store/chunk-storage.ts";
import { UsageError } from "../errors.ts";
import { formatTable } from "../format.ts";
import { out, printJson } from "../io.ts";
import type { CommandContext } from "./context.ts";

interface SettingsView {
  /** In force on the node asked: the chunk size in bytes (a node's CHUNK_SIZE_MB may be a fraction of a MiB). */
  settings: { replicationFactor: number; chunkSize: number };
  /** What the cluster set: the chunk size in whole MiB. */
  set: { replicationFactor?: number; chunkSizeMiB?: number };
  version: string | null;
  confirmed?: number;
  members?: number;
}

interface Setting {
  /** Its name in the API's `set` and in a PUT body. */
  key: keyof SettingsView["set"];
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

export async function config(ctx: CommandContext): Promise<void> {
  const [action = "get", name, value] = ctx.args.positionals;
  if (action === "get") {
    if (name !== undefined) throw new UsageError("config get takes no argument");
    const view = await ctx.client.json<SettingsView>("GET", "/api/cluster/settings");
    if (ctx.json) return printJson(view);
    return out(table(view));
  }
  if (action !== "set") throw new UsageError(`config: unknown action '${action}' (get, set)`);
  if (name === undefined) throw new UsageError(`config set: missing setting name (${Object.keys(names).join(", ")})`);
  const setting = Object.hasOwn(names, name) ? names[name]! : undefined;
  if (!setting) throw new UsageError(`config set: unknown setting '${name}' (${Object.keys(names).join(", ")})`);
  if (value === undefined) throw new UsageError(`config set ${name}: missing value`);
  const view = await ctx.client.admin<SettingsView>("PUT", "/api/cluster/settings", { [setting.key]: setting.parse(value) });
  if (ctx.json) return printJson(view);
  out(table(view));
  out(`${view.confirmed} of ${view.members} live member(s) confirmed the change; the others catch up within a sync round`);
  if (setting.key === "chunkSizeMiB") out("writes that start from now on use the new chunk size; files already written keep theirs");
}

function table(view: SettingsView): string {
  const rows = Object.entries(names).map(([name, { key, show }]) => [name, show(view.settings), view.set[key] !== undefined ? "cluster setting" : "node default (environment)"]);
  return formatTable(rows, { header: ["setting", "value", "from"] });
}
