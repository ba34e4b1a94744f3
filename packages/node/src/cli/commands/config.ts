// `orrery config`: the cluster's live settings. `orrery config` (or `config get`) shows them with where
// each value comes from; `orrery config set replication-factor 2` changes one for every node at once (an
// admin request; the node pushes the new record to every live member and the placement check starts moving
// copies right away).
import { UsageError } from "../errors.ts";
import { formatTable } from "../format.ts";
import { out, printJson } from "../io.ts";
import type { CommandContext } from "./context.ts";

interface SettingsView {
  settings: { replicationFactor: number };
  set: { replicationFactor?: number };
  version: string | null;
  confirmed?: number;
  members?: number;
}

/** Setting names on the command line → their names in the API, with how to read a value. */
const names: Record<string, { key: keyof SettingsView["settings"]; parse: (raw: string) => number }> = {
  "replication-factor": { key: "replicationFactor", parse: positiveInt("replication-factor") },
};

function positiveInt(name: string): (raw: string) => number {
  return (raw) => {
    if (!/^[0-9]+$/.test(raw) || Number(raw) < 1) throw new UsageError(`${name} must be a positive whole number, got '${raw}'`);
    return Number(raw);
  };
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
}

function table(view: SettingsView): string {
  const rows = Object.entries(names).map(([name, { key }]) => [name, String(view.settings[key]), view.set[key] !== undefined ? "cluster setting" : "node default (environment)"]);
  return formatTable(rows, { header: ["setting", "value", "from"] });
}
