// `orrery sync <local-dir> <remote-path> [--once]`: keeps a local folder and a cluster folder in step in both
// directions (src/sync/); --once runs passes until nothing changes and exits, 1 if any path failed.
import { resolve } from "node:path";
import { LocalRootGone } from "../../sync/local-tree.ts";
import { RemoteRootMissing } from "../../sync/remote-tree.ts";
import { type PassCounts, SyncReport, summaryLine } from "../../sync/report.ts";
import { StateMismatchError } from "../../sync/state-db.ts";
import { SyncEngine } from "../../sync/engine.ts";
import { DEFAULT_WATCH, watchAndSync } from "../../sync/watch.ts";
import { CliError, ExitCode, localError } from "../errors.ts";
import { err, out } from "../io.ts";
import { displayPath, parseRemotePath } from "../remote-path.ts";
import type { CommandContext } from "./context.ts";

/** The sync's own stops as the client's errors: a local folder problem exits 4, a wrong pairing 2, the rest 1. */
function asCliError(e: unknown): unknown {
  if (e instanceof LocalRootGone) return localError(e.message);
  if (e instanceof StateMismatchError) return new CliError(ExitCode.usage, e.message, "sync_pairing");
  if (e instanceof RemoteRootMissing) return new CliError(ExitCode.failed, e.message, "remote_folder_missing");
  // A file-system error outside one path's transfer (a folder that cannot be read): its message names the path.
  if (e instanceof Error && typeof (e as NodeJS.ErrnoException).code === "string" && !(e instanceof CliError)) return localError(e.message);
  return e;
}

function total(passes: PassCounts[]): PassCounts {
  const sum = { ...passes[0]! };
  for (const p of passes.slice(1)) for (const k of Object.keys(sum) as (keyof PassCounts)[]) sum[k] += p[k];
  return sum;
}

async function once(engine: SyncEngine, report: SyncReport): Promise<void> {
  await engine.readRemote();
  const passes = await engine.settle();
  out(`sync: ${summaryLine(total(passes))}; in step after ${passes.length} pass${passes.length === 1 ? "" : "es"}`);
  if (report.totalErrors > 0) throw new CliError(ExitCode.failed, `${report.totalErrors} path(s) could not be synced (see above)`);
}

async function keepWatching(ctx: CommandContext, engine: SyncEngine, localDir: string, remote: string, stop: AbortController): Promise<void> {
  out(`syncing ${localDir} <-> ${remote} on ${ctx.client.baseUrl} (Ctrl-C to stop)`);
  // The first signal lets the transfer under way finish; a second one does not wait (a partial download
  // stays a temporary file, removed at the next start).
  const onSignal = () => {
    if (stop.signal.aborted) process.exit(130);
    stop.abort();
    err("stopping after the transfer under way (Ctrl-C again to stop now)");
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    await watchAndSync(engine, ctx.client, localDir, { ...DEFAULT_WATCH, signal: stop.signal });
    out("sync stopped");
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

export async function sync(ctx: CommandContext): Promise<void> {
  const [localArg, remoteArg] = ctx.args.positionals as [string, string];
  const localDir = resolve(localArg);
  const remote = parseRemotePath(remoteArg);
  const report = new SyncReport(out, err, ctx.progress);
  const stop = new AbortController();
  let engine: SyncEngine;
  try {
    engine = await SyncEngine.open({ client: ctx.client, localDir, remote: remote.segments, report, signal: stop.signal });
  } catch (e) {
    throw asCliError(e);
  }
  try {
    if (ctx.args.once) await once(engine, report);
    else await keepWatching(ctx, engine, localDir, displayPath(remote), stop);
  } catch (e) {
    throw asCliError(e);
  } finally {
    engine.close();
  }
}
