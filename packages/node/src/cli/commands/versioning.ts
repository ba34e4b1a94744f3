// `orrery versioning on|off|status <folder>`: a top-level folder's versioning (PUT/GET /api/versioning/<folder>).
// "off" suspends it, as S3 does: the versions kept stay (and are pruned by the limits), new writes keep none.
import type { BodyOf, ResponseOf } from "@orrery/api";
import { UsageError } from "../errors.ts";
import { out, printJson } from "../io.ts";
import { filesApiPath, parseRemotePath } from "../remote-path.ts";
import type { CommandContext } from "./context.ts";

type FolderVersioning = ResponseOf<"getVersioning">;

const describe = (v: FolderVersioning) => {
  const state = v.status === "Enabled" ? "on" : v.status === "Suspended" ? "off (suspended; versions kept so far stay)" : "off (never turned on)";
  const limits = [v.keepVersions ? `${v.keepVersions} versions per file` : "", v.keepDays ? `${v.keepDays} days` : ""].filter(Boolean).join(", ");
  return `versioning of ${v.folder}: ${state}${limits ? `; keeps at most ${limits}` : ""}`;
};

export async function versioning(ctx: CommandContext): Promise<void> {
  const [action, raw] = ctx.args.positionals as [string, string];
  if (!["on", "off", "status"].includes(action)) throw new UsageError(`versioning: expected on, off or status, not '${action}'`);
  const target = parseRemotePath(raw);
  if (target.segments.length !== 1) throw new UsageError("versioning: give a top-level folder, e.g. /photos (versioning is per top-level folder)", false);
  const path = filesApiPath(target, { prefix: "/api/versioning" });
  const result =
    action === "status"
      ? await ctx.client.json<ResponseOf<"getVersioning">>("GET", path)
      : await ctx.client.json<ResponseOf<"putVersioning">>("PUT", path, { json: { status: action === "on" ? "Enabled" : "Suspended" } satisfies BodyOf<"putVersioning"> });
  if (ctx.json) printJson(result);
  else out(describe(result));
}
