// `orrery members`: the members the node knows, with their states; `orrery members forget ID` removes a
// dead member for good (an admin request): it becomes "left" everywhere and no longer blocks garbage
// collection. If it ever comes back it rejoins as a new life of the same id.
import type { ClusterView, ResponseOf } from "@orrery/api";
import { UsageError } from "../errors.ts";
import { formatTable } from "../format.ts";
import { out, printJson } from "../io.ts";
import type { CommandContext } from "./context.ts";

export async function members(ctx: CommandContext): Promise<void> {
  const [action, id] = ctx.args.positionals;
  if (action === undefined) {
    const view = await ctx.client.json<ClusterView>("GET", "/api/cluster");
    if (ctx.json) return printJson(view.members);
    const rows = view.members.map((m) => [m.id, m.state, String(m.incarnation), `${m.host}:${m.httpPort}`]);
    out(formatTable(rows, { header: ["member", "state", "incarnation", "http"] }));
    return;
  }
  if (action !== "forget") throw new UsageError(`members: unknown action '${action}' (forget)`);
  if (!id) throw new UsageError("members forget: missing argument <id>");
  const result = await ctx.client.admin<ResponseOf<"forget">>("POST", `/api/cluster/members/${encodeURIComponent(id)}/forget`);
  if (ctx.json) printJson(result);
  else out(`${result.id} is forgotten (${result.state}); it no longer blocks garbage collection`);
}
