// `orrery mv <from> <to> [--overwrite]`: POST /api/move; the node refuses to replace an existing
// target unless --overwrite is given.
import type { ResponseOf } from "@orrery/api";
import { CliError } from "../errors.ts";
import { out, printJson } from "../io.ts";
import { displayPath, parseRemotePath } from "../remote-path.ts";
import type { CommandContext } from "./context.ts";

export async function mv(ctx: CommandContext): Promise<void> {
  const [fromArg, toArg] = ctx.args.positionals as [string, string];
  const from = displayPath(parseRemotePath(fromArg));
  const to = displayPath(parseRemotePath(toArg));
  const result = await ctx.client
    .json<ResponseOf<"move">>("POST", "/api/move", { json: { from, to, ...(ctx.args.overwrite ? { overwrite: true } : {}) } })
    .catch((e) => {
      if (e instanceof CliError && e.code === "destination_exists" && !ctx.args.overwrite) {
        throw new CliError(e.exitCode, `${e.message}; use --overwrite to replace it`, e.code);
      }
      throw e;
    });
  if (ctx.json) printJson(result);
  else out(`moved ${result.from ?? from} -> ${result.to ?? to}`);
}
