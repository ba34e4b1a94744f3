// Entry of every client sub-command (main.ts calls runClient for all but `node`): parses the command
// line, runs the command against the node, and turns any failure into a message and an exit code.
import { type CommandName, parseClientArgs } from "./args.ts";
import type { Command } from "./commands/context.ts";
import { get } from "./commands/get.ts";
import { ls } from "./commands/ls.ts";
import { find } from "./commands/find.ts";
import { mkdir } from "./commands/mkdir.ts";
import { versioning } from "./commands/versioning.ts";
import { key } from "./commands/key.ts";
import { leave } from "./commands/leave.ts";
import { config } from "./commands/config.ts";
import { members } from "./commands/members.ts";
import { mv } from "./commands/mv.ts";
import { put } from "./commands/put.ts";
import { rm } from "./commands/rm.ts";
import { status } from "./commands/status.ts";
import { sync } from "./commands/sync.ts";
import { login, logout, token } from "./commands/token.ts";
import { user } from "./commands/user.ts";
import { share } from "./commands/share.ts";
import { group } from "./commands/group.ts";
import { s3key } from "./commands/s3key.ts";
import { audit } from "./commands/audit.ts";
import { authorizationFor } from "./credentials.ts";
import { CliError, ExitCode, UsageError } from "./errors.ts";
import { resolveAdminKey } from "./admin-key.ts";
import { NodeClient } from "./http.ts";
import { acceptedFingerprint, terminalQuestion, TlsPinning } from "./tls-pin.ts";
import { err, exitQuietlyOnBrokenPipe, flushOutput, out, stderrIsTTY } from "./io.ts";

const run: Record<CommandName, Command> = { put, get, ls, find, rm, mv, mkdir, versioning, sync, status, leave, members, key, config, user, token, share, group, s3key, login, logout, audit };

/** Commands that sign with the cluster key when they find one (admin-key.ts). */
const SIGNED = ["leave", "members", "key", "config"];

/** `key=value` pairs from an error's details (what a 503 says was stored), one line. */
const detailsText = (details: Record<string, unknown>) =>
  Object.entries(details)
    .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(" ");

function report(e: CliError, usage: string): void {
  const code = e.code ? ` (${e.code})` : "";
  err(`orrery: ${e.message}${code}`);
  if (e.details && Object.keys(e.details).length > 0) err(`  ${detailsText(e.details)}`);
  if (e instanceof UsageError && e.showUsage) err(`\n${usage}`);
}

/**
 * The client of a command: its credential (credentials.ts; for `user add|passwd`, --password is the account's
 * new password, not the caller's) and, for admin commands, the cluster key to sign with. `user` and `audit`
 * sign only when no user credential was given: an admin's login is the usual way, the key the operator's.
 */
function clientFor(args: ReturnType<typeof parseClientArgs>): NodeClient {
  const isUser = args.command === "user";
  const src = isUser ? { user: args.user } : { user: args.user, password: args.password };
  const authorization = authorizationFor(args.node, src, process.env);
  const signs = SIGNED.includes(args.command!) || ((isUser || args.command === "audit") && authorization === undefined);
  const pinning = args.node.startsWith("https:")
    ? new TlsPinning(args.node, { accept: acceptedFingerprint(args, process.env), env: process.env, ask: terminalQuestion(), note: err })
    : undefined;
  return new NodeClient(args.node, signs ? resolveAdminKey(args, process.env) : undefined, authorization, pinning);
}

export async function runClient(command: string, argv: string[], usage: string): Promise<number> {
  const code = await execute(command, argv, usage);
  await flushOutput();
  return code;
}

async function execute(command: string, argv: string[], usage: string): Promise<number> {
  try {
    const args = parseClientArgs(command, argv, process.env);
    if (args.help || args.command === undefined) {
      out(usage);
      return ExitCode.ok;
    }
    exitQuietlyOnBrokenPipe();
    await run[args.command]({
      args,
      client: clientFor(args),
      json: args.json,
      progress: !args.json && stderrIsTTY(),
    });
    return ExitCode.ok;
  } catch (e) {
    if (e instanceof CliError) {
      report(e, usage);
      return e.exitCode;
    }
    // A bug in the client, not a failure of the node: show where it happened.
    err(`orrery: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return ExitCode.failed;
  }
}
