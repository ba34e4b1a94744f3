// `orrery share add PATH USER [--write]` shares a folder of your home with a user (read-only unless
// --write), `share ls` lists the shares you made or were given, `share rm ID` ends one.
import { displayPath, parseRemotePath } from "../remote-path.ts";
import { UsageError } from "../errors.ts";
import { formatTable } from "../format.ts";
import { out, printJson } from "../io.ts";
import type { CommandContext } from "./context.ts";

interface ShareView {
  id: string;
  path: string;
  user: string;
  access: "read" | "write";
  by: string;
}

export async function share(ctx: CommandContext): Promise<void> {
  const [action, target, user] = ctx.args.positionals;
  const { client } = ctx;
  switch (action) {
    case "add": {
      if (!target || !user) throw new UsageError("share add: give the folder and the user, e.g. share add /home/alice/photos bob");
      const made = await client.json<ShareView>("POST", "/api/shares", { json: { path: displayPath(parseRemotePath(target)), user, access: ctx.args.write ? "write" : "read" } });
      return ctx.json ? printJson(made) : out(`${made.path} shared with ${made.user} (${made.access === "write" ? "read-write" : "read-only"}; share ${made.id})`);
    }
    case "ls": {
      const { shares } = await client.json<{ shares: ShareView[] }>("GET", "/api/shares");
      if (ctx.json) return printJson(shares);
      const rows = shares.map((s) => [s.id, s.path, s.user, s.access === "write" ? "read-write" : "read-only", s.by]);
      return out(formatTable(rows, { header: ["id", "folder", "with", "access", "by"] }));
    }
    case "rm": {
      if (!target) throw new UsageError("share rm: missing argument <id>");
      await client.json("DELETE", `/api/shares/${encodeURIComponent(target)}`);
      return ctx.json ? printJson({ id: target, ended: true }) : out(`share ${target} ended`);
    }
    default:
      throw new UsageError(`share: unknown action '${action}' (add, ls, rm)`);
  }
}
