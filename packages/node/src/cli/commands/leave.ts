// `orrery leave`: asks the node given by --node to leave the cluster gracefully. The node hands every
// chunk off to the remaining owners first, then announces it left and stops. An admin request.
import type { ResponseOf } from "@orrery/api";
import { out, printJson } from "../io.ts";
import type { CommandContext } from "./context.ts";

export async function leave(ctx: CommandContext): Promise<void> {
  // An empty JSON body: a POST without a JSON content type is refused as a possible cross-site request.
  const result = await ctx.client.admin<ResponseOf<"leave", 202>>("POST", "/api/cluster/leave", {});
  if (ctx.json) printJson(result);
  else out(`${result.nodeId}: ${result.message}`);
}
