// `orrery find <text> [remote-dir]`: files and folders whose name holds the text, at any depth below the folder
// (the root by default), found by the node (GET /api/search) page by page; one path a line, folders with '/'.
import type { Entry, ResponseOf } from "@orrery/api";
import { UsageError } from "../errors.ts";
import { out, printJson } from "../io.ts";
import { displayPath, parseRemotePath } from "../remote-path.ts";
import type { CommandContext } from "./context.ts";

const PAGE = 500;

export async function find(ctx: CommandContext): Promise<void> {
  const [text, dir] = ctx.args.positionals;
  if (!text?.trim()) throw new UsageError("find: give the text to look for, e.g. find report /docs");
  const path = displayPath(parseRemotePath(dir ?? "/"));
  const found: Entry[] = [];
  let after: string | undefined;
  do {
    const page = await ctx.client.json<ResponseOf<"search">>("GET", "/api/search", { query: { q: text, path, limit: String(PAGE), after } });
    found.push(...page.entries);
    // Printed as they come: a big tree's first matches need not wait for its last.
    if (!ctx.json) for (const e of page.entries) out(`${e.path}${e.kind === "dir" ? "/" : ""}`);
    after = page.more ? page.next : undefined;
  } while (after !== undefined);
  if (ctx.json) printJson(found);
}
