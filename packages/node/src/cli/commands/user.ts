// `orrery user add NAME --password P [--quota 1GB] [--admin]`, `user passwd [NAME] --password P`,
// `user rm NAME`, `user ls`: the cluster's accounts (admins manage them; a user changes their own password).
// Here --password is the account's new password: the caller's own credentials come from ORRERY_USER /
// ORRERY_PASSWORD, ORRERY_TOKEN, `orrery login`, or the cluster key (like the other admin commands).
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
      await client.admin<ResponseOf<"changeUser">>("PATCH", `/api/users/${encodeURIComponent(who)}`, { password: newPassword(ctx, "passwd") } satisfies BodyOf<"changeUser">);
      return ctx.json ? printJson({ name: who, changed: true }) : out(`password of ${who} changed`);
    }
    case "rm": {
      if (!name) throw new UsageError("user rm: missing argument <name>");
      const done = await client.admin<ResponseOf<"removeUser">>("DELETE", `/api/users/${encodeURIComponent(name)}`);
      return ctx.json ? printJson(done) : out(`user ${name} removed; their tokens are revoked (their files stay)`);
    }
    default:
      throw new UsageError(`user: unknown action '${action}' (add, passwd, rm, ls)`);
  }
}
