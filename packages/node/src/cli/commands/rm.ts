// `orrery rm <remote> [--recursive]`: DELETE /api/files/<remote>; the node refuses a non-empty
// directory unless --recursive is given. `docs/` (with '/') names the folder when a file `docs` is there too.
import type { ResponseOf } from "@orrery/api";
import { out, printJson } from "../io.ts";
import { displayPath, filesApiPath, isRoot, parseRemotePath } from "../remote-path.ts";
import { CliError, UsageError } from "../errors.ts";
import type { CommandContext } from "./context.ts";

export async function rm(ctx: CommandContext): Promise<void> {
  const target = parseRemotePath(ctx.args.positionals[0]!);
  if (isRoot(target)) throw new UsageError("rm will not delete the root directory", false);
  const result = await ctx.client
    .json<ResponseOf<"deleteFile">>("DELETE", filesApiPath(target, { listing: target.dir }), { query: { recursive: ctx.args.recursive ? "true" : undefined } })
    .catch((e) => {
      // The node's message names its query parameter; say what to type instead.
      if (e instanceof CliError && e.code === "directory_not_empty") {
        throw new CliError(e.exitCode, `${displayPath(target)} is not empty; use 'orrery rm --recursive ${displayPath(target)}'`, e.code);
      }
      throw e;
    });
  if (ctx.json) printJson(result);
  else out(`deleted ${result.path ?? displayPath(target)}`);
}
