// `orrery token create [--read-only] [--expires 30d] [--label L]` (the token is printed once), `token ls`,
// `token revoke ID`; `orrery login` makes a token and keeps it for this node in the user's config dir, and
// `orrery logout` revokes and forgets it.
import { hostname } from "node:os";
import { CliError, ExitCode, UsageError } from "../errors.ts";
import { forgetLogin, parseExpiry, saveLogin } from "../credentials.ts";
import { formatTable } from "../format.ts";
import { out, printJson } from "../io.ts";
import type { CommandContext } from "./context.ts";
import type { BodyOf, ResponseOf } from "@orrery/api";

const when = (ms: number | null) => (ms === null ? "never" : new Date(ms).toISOString().slice(0, 16).replace("T", " "));

function createBody(ctx: CommandContext, label: string | undefined): BodyOf<"createToken"> {
  return {
    ...(label !== undefined ? { label } : {}),
    ...(ctx.args.readOnly ? { readOnly: true } : {}),
    ...(ctx.args.expires !== undefined ? { expiresInSeconds: parseExpiry(ctx.args.expires) } : {}),
  };
}

export async function token(ctx: CommandContext): Promise<void> {
  const [action, id] = ctx.args.positionals;
  const { client } = ctx;
  switch (action) {
    case "create": {
      const made = await client.json<ResponseOf<"createToken", 201>>("POST", "/api/tokens", { json: createBody(ctx, ctx.args.label) });
      if (ctx.json) return printJson(made);
      out(made.token);
      return process.stderr.isTTY ? void process.stderr.write(`token ${made.id} of ${made.user}: shown once, keep it safe\n`) : undefined;
    }
    case "ls": {
      const { tokens } = await client.json<ResponseOf<"listTokens">>("GET", "/api/tokens");
      if (ctx.json) return printJson(tokens);
      const rows = tokens.map((t) => [t.id, t.user, t.label || "-", t.readOnly ? "read-only" : "read-write", when(t.expiresAt) + (t.expired ? " (expired)" : "")]);
      return out(formatTable(rows, { header: ["id", "user", "label", "access", "expires"] }));
    }
    case "revoke": {
      if (!id) throw new UsageError("token revoke: missing argument <id>");
      await client.json<ResponseOf<"revokeToken">>("DELETE", `/api/tokens/${encodeURIComponent(id)}`);
      return ctx.json ? printJson({ id, revoked: true }) : out(`token ${id} revoked`);
    }
    default:
      throw new UsageError(`token: unknown action '${action}' (create, ls, revoke)`);
  }
}

export async function login(ctx: CommandContext): Promise<void> {
  if (!ctx.client.authorization) throw new UsageError("login: give --user NAME --password P (or ORRERY_USER/ORRERY_PASSWORD)");
  const made = await ctx.client.json<ResponseOf<"createToken", 201>>("POST", "/api/tokens", {
    json: { label: ctx.args.label ?? `orrery login on ${hostname()}`.slice(0, 100) } satisfies BodyOf<"createToken">,
  });
  const path = saveLogin(process.env, ctx.client.baseUrl, made.user, made.token);
  return ctx.json ? printJson({ user: made.user, id: made.id, saved: path }) : out(`logged in to ${ctx.client.baseUrl} as ${made.user} (token ${made.id} kept in ${path})`);
}

export async function logout(ctx: CommandContext): Promise<void> {
  const held = forgetLogin(process.env, ctx.client.baseUrl);
  if (!held) throw new CliError(ExitCode.failed, `not logged in to ${ctx.client.baseUrl}`);
  const id = /^orrery_([0-9a-f]{16})_/.exec(held.token)?.[1];
  // Revoked with its own credential; a token already revoked or expired is gone anyway.
  if (id) await ctx.client.send("DELETE", `/api/tokens/${id}`, { headers: { authorization: `Bearer ${held.token}`, "content-type": "application/json" } });
  return ctx.json ? printJson({ loggedOut: true }) : out(`logged out of ${ctx.client.baseUrl} (token ${id ?? "?"} revoked)`);
}
