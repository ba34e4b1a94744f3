// `orrery user add NAME --password P [--quota 1GB] [--admin]`, `user passwd [NAME] --password P
// [--current-password C]` (C: one's own, when logged in with a token), `user set NAME [--quota 2GB|none]
// [--role admin|user]`, `user rm NAME`, `user ls`: the cluster's accounts (admins manage them; a user changes
// their own password). Here --password is the account's new password: the caller's own credentials come from
// ORRERY_USER / ORRERY_PASSWORD, ORRERY_TOKEN, `orrery login`, or the cluster key (like the other admin commands).
import { UsageError } from "../errors.ts";
import { parseSize } from "../credentials.ts";
import { formatTable, humanSize } from "../format.ts";
import { out, printJson } from "../io.ts";
import type { CommandContext } from "./context.ts";
import type { BodyOf, ResponseOf } from "@orrery/api";

const newPassword = (ctx: CommandContext, action: string): string => {
  if (ctx.args.password === undefined) throw new UsageError(`user ${action}: --password P (the account's new password) is needed`);
  return ctx.args.password;
};

export async function user(ctx: CommandContext): Promise<void> {
  const [action, name] = ctx.args.positionals;
  const { client } = ctx;
  switch (action) {
    case "ls": {
      const { users } = await client.admin<ResponseOf<"listUsers">>("GET", "/api/users");
      if (ctx.json) return printJson(users);
      const rows = users.map((u) => [u.name, u.role, u.home, humanSize(u.usedBytes ?? 0), u.quotaBytes === null ? "-" : humanSize(u.quotaBytes)]);
      return out(formatTable(rows, { header: ["user", "role", "home", "used", "quota"] }));
    }
    case "add": {
      if (!name) throw new UsageError("user add: missing argument <name>");
      const body: BodyOf<"addUser"> = {
        name,
        password: newPassword(ctx, "add"),
        role: ctx.args.admin ? "admin" : "user",
        ...(ctx.args.quota !== undefined ? { quotaBytes: parseSize(ctx.args.quota, "--quota") } : {}),
      };
      const made = await client.admin<ResponseOf<"addUser", 201>>("POST", "/api/users", body);
      if (ctx.json) return printJson(made);
      return out(`user ${made.name} added (${made.role}); home folder ${made.home}${made.homeCreated ? "" : " (made at the first upload)"}`);
    }
    case "passwd": {
      const who = name ?? (await client.json<ResponseOf<"me">>("GET", "/api/me")).user;
      if (!who) throw new UsageError("user passwd: name the user (this node has no login to take it from)");
      const current = ctx.args.currentPassword;
      await client.admin<ResponseOf<"changeUser">>("PATCH", `/api/users/${encodeURIComponent(who)}`, {
        password: newPassword(ctx, "passwd"),
        ...(current !== undefined ? { currentPassword: current } : {}),
      } satisfies BodyOf<"changeUser">);
      return ctx.json ? printJson({ name: who, changed: true }) : out(`password of ${who} changed`);
    }
    case "set": {
      if (!name) throw new UsageError("user set: missing argument <name>");
      const { quota, role } = ctx.args;
      if (role !== undefined && role !== "admin" && role !== "user") throw new UsageError(`user set: --role is admin or user; got '${role}'`);
      if (quota === undefined && role === undefined) throw new UsageError("user set: name something to change: --quota SIZE (or none), --role admin|user");
      const change: BodyOf<"changeUser"> = {
        ...(quota !== undefined ? { quotaBytes: quota.trim().toLowerCase() === "none" ? null : parseSize(quota, "--quota") } : {}),
        ...(role !== undefined ? { role } : {}),
      };
      const changed = await client.admin<ResponseOf<"changeUser">>("PATCH", `/api/users/${encodeURIComponent(name)}`, change);
      if (ctx.json) return printJson(changed);
      return out(`user ${changed.name}: ${changed.role}, quota ${changed.quotaBytes === null ? "none" : humanSize(changed.quotaBytes)}`);
    }
    case "rm": {
      if (!name) throw new UsageError("user rm: missing argument <name>");
      const done = await client.admin<ResponseOf<"removeUser">>("DELETE", `/api/users/${encodeURIComponent(name)}`);
      return ctx.json ? printJson(done) : out(`user ${name} removed; their tokens are revoked (their files stay)`);
    }
    default:
      throw new UsageError(`user: unknown action '${action}' (add, passwd, set, rm, ls)`);
  }
}
