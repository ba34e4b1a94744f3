// `orrery share add PATH USER [--write]` shares a folder of your home with a user (read-only unless
// --write), `share add PATH --group G` with every member of a group, `share ls` lists the shares you made or were given, `share rm ID` ends one; `share link PATH
// [--expires 1d]` prints a link anyone may open read-only, `share links` lists yours, `share unlink ID` revokes one.
import type { BodyOf, ResponseOf } from "@orrery/api";
import { parseExpiry } from "../credentials.ts";
import { displayPath, parseRemotePath } from "../remote-path.ts";
import { UsageError } from "../errors.ts";
import { formatTable } from "../format.ts";
import { out, printJson } from "../io.ts";
import type { CommandContext } from "./context.ts";

const when = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");

type ShareView = ResponseOf<"listShares">["shares"][number];
const grantee = (s: ShareView) => (s.group !== undefined ? `group ${s.group}` : (s.user ?? "?"));

export async function share(ctx: CommandContext): Promise<void> {
  const [action, target, user] = ctx.args.positionals;
  const { client } = ctx;
  switch (action) {
    case "add": {
      const group = ctx.args.group;
      if (!target || (user === undefined) === (group === undefined)) {
        throw new UsageError("share add: give the folder and a user or --group, e.g. share add /home/alice/photos bob, or share add /home/alice/photos --group lab");
      }
      const to = group !== undefined ? { group } : { user };
      const made = await client.json<ResponseOf<"share", 201>>("POST", "/api/shares", {
        json: { path: displayPath(parseRemotePath(target)), ...to, access: ctx.args.write ? "write" : "read" } satisfies BodyOf<"share">,
      });
      return ctx.json ? printJson(made) : out(`${made.path} shared with ${grantee(made)} (${made.access === "write" ? "read-write" : "read-only"}; share ${made.id})`);
    }
    case "ls": {
      const { shares } = await client.json<ResponseOf<"listShares">>("GET", "/api/shares");
      if (ctx.json) return printJson(shares);
      const rows = shares.map((s) => [s.id, s.path, grantee(s), s.access === "write" ? "read-write" : "read-only", s.by]);
      return out(formatTable(rows, { header: ["id", "folder", "with", "access", "by"] }));
    }
    case "rm": {
      if (!target) throw new UsageError("share rm: missing argument <id>");
      await client.json<ResponseOf<"unshare">>("DELETE", `/api/shares/${encodeURIComponent(target)}`);
      return ctx.json ? printJson({ id: target, ended: true }) : out(`share ${target} ended`);
    }
    case "link": {
      if (!target) throw new UsageError("share link: give the file or folder, e.g. share link /home/alice/photos --expires 1d");
      const body: BodyOf<"createLink"> = { path: displayPath(parseRemotePath(target)), ...(ctx.args.expires !== undefined ? { expiresInSeconds: parseExpiry(ctx.args.expires) } : {}) };
      const made = await client.json<ResponseOf<"createLink", 201>>("POST", "/api/links", { json: body });
      return ctx.json ? printJson(made) : out(`${made.url}\n(${made.path}, read-only, until ${when(made.expiresAt)} UTC; revoke with: orrery share unlink ${made.id})`);
    }
    case "links": {
      const { links } = await client.json<ResponseOf<"listLinks">>("GET", "/api/links");
      if (ctx.json) return printJson(links);
      return out(formatTable(links.map((l) => [l.id, l.path, when(l.expiresAt) + (l.expired ? " (expired)" : "")]), { header: ["id", "path", "expires"] }));
    }
    case "unlink": {
      if (!target) throw new UsageError("share unlink: missing argument <id>");
      await client.json<ResponseOf<"revokeLink">>("DELETE", `/api/links/${encodeURIComponent(target)}`);
      return ctx.json ? printJson({ id: target, revoked: true }) : out(`link ${target} revoked`);
    }
    default:
      throw new UsageError(`share: unknown action '${action}' (add, ls, rm, link, links, unlink)`);
  }
}
