// `orrery mkdir <remote-dir>`: POST /api/mkdir, which also creates missing parents; an existing
// directory is not an error (like mkdir -p), so scripts can call it unconditionally.
import type { ResponseOf } from "@orrery/api";
import { out, printJson } from "../io.ts";
import { displayPath, isRoot, parseRemotePath } from "../remote-path.ts";
import type { CommandContext } from "./context.ts";

export async function mkdir(ctx: CommandContext): Promise<void> {
  const target = parseRemotePath(ctx.args.positionals[0]!);
  const path = displayPath(target);
  if (isRoot(target)) {
    if (ctx.json) printJson({ path: "/", created: false });
    else out("/ already exists");
    return;
  }
  const result = await ctx.client.json<ResponseOf<"mkdir", 201>>("POST", "/api/mkdir", { json: { path } });
  if (ctx.json) printJson(result);
  else out(result.created ? `created ${result.path}/` : `${result.path}/ already exists`);
}
