// `orrery group add NAME`, `group rm NAME`, `group ls`, `group member add|rm GROUP USER`: groups of users
// that folders can be shared with (`orrery share add PATH --group NAME`). Changes are an admin's; anyone
// signed in lists them.
import type { ResponseOf } from "@orrery/api";
import { UsageError } from "../errors.ts";
import { formatTable } from "../format.ts";
import { out, printJson } from "../io.ts";
import type { CommandContext } from "./context.ts";

const path = (...parts: string[]) => ["/api/groups", ...parts.map(encodeURIComponent)].join("/");

async function member(ctx: CommandContext, [action, group, user]: (string | undefined)[]): Promise<void> {
  if ((action !== "add" && action !== "rm") || !group || !user) throw new UsageError("group member: add or rm, then the group and the user, e.g. group member add lab bob");
  const changed = await ctx.client.admin<ResponseOf<"addGroupMember">>(action === "add" ? "PUT" : "DELETE", `${path(group)}/members/${encodeURIComponent(user)}`);
  if (ctx.json) return printJson(changed);
  out(`${user} ${action === "add" ? "added to" : "taken out of"} group ${group} (members: ${changed.users.join(", ") || "none"})`);
}

export async function group(ctx: CommandContext): Promise<void> {
  const [action, name, ...rest] = ctx.args.positionals;
  const { client } = ctx;
  switch (action) {
    case "ls": {
      const { groups } = await client.admin<ResponseOf<"listGroups">>("GET", "/api/groups");
      if (ctx.json) return printJson(groups);
      return out(formatTable(groups.map((g) => [g.name, g.users.join(", ") || "-"]), { header: ["group", "members"] }));
    }
    case "add": {
      if (!name) throw new UsageError("group add: missing argument <name>");
      const made = await client.admin<ResponseOf<"addGroup", 201>>("POST", "/api/groups", { name });
      return ctx.json ? printJson(made) : out(`group ${made.name} made; add members with: orrery group member add ${made.name} USER`);
    }
    case "rm": {
      if (!name) throw new UsageError("group rm: missing argument <name>");
      const done = await client.admin<ResponseOf<"removeGroup">>("DELETE", path(name));
      return ctx.json ? printJson(done) : out(`group ${name} removed; the shares with it ended (the members' accounts stay)`);
    }
    case "member":
      return member(ctx, [name, ...rest]);
    default:
      throw new UsageError(`group: unknown action '${action}' (add, rm, ls, member)`);
  }
}
