// `orrery ls [remote-dir]`: a directory listing, fetched page by page (`more` → `?after=<last name>`),
// as a size / modified / name table; `ls <file>` shows that one file, as ls does.
import type { Entry, Listing as DirListing, Stat } from "@orrery/api";
import { CliError } from "../errors.ts";
import { formatMtime, formatTable, humanSize } from "../format.ts";
import { out, printJson } from "../io.ts";
import { filesApiPath, parseRemotePath, type RemotePath } from "../remote-path.ts";
import type { CommandContext } from "./context.ts";

const PAGE = 1000;

/** Table rows; the name comes last so long names never push the other columns out of line. */
export function listingTable(entries: Entry[]): string {
  const rows = entries.map((e) => [e.kind === "dir" ? "-" : humanSize(e.size), formatMtime(e.mtime), e.kind === "dir" ? `${e.name}/` : e.name]);
  return formatTable(rows, { header: ["SIZE", "MODIFIED", "NAME"], align: ["right", "left", "left"] });
}

async function listAll(ctx: CommandContext, dir: RemotePath): Promise<DirListing> {
  const entries: Entry[] = [];
  let page: DirListing;
  let after: string | undefined;
  do {
    page = await ctx.client.json<DirListing>("GET", filesApiPath(dir, { listing: true }), { query: { limit: String(PAGE), after } });
    entries.push(...page.entries);
    after = page.entries.at(-1)?.name;
  } while (page.more && after !== undefined);
  return { ...page, entries, more: false };
}

export async function ls(ctx: CommandContext): Promise<void> {
  const target = parseRemotePath(ctx.args.positionals[0] ?? "/");
  let listing: DirListing;
  try {
    listing = await listAll(ctx, target);
  } catch (e) {
    if (!(e instanceof CliError && e.code === "not_a_directory")) throw e;
    const file = await ctx.client.json<Stat>("GET", filesApiPath(target, { prefix: "/api/stat" }));
    if (ctx.json) printJson(file);
    else out(listingTable([{ ...file, chunks: file.chunks.length }]));
    return;
  }
  if (ctx.json) printJson(listing);
  else if (listing.entries.length > 0) out(listingTable(listing.entries));
}
