// `orrery audit [--by USER] [--action ACTION] [--limit N]`: the cluster's audit log, newest first (admins: a
// login of an admin user, or the cluster key). Pages of up to 1000 are fetched until --limit records are shown.
import type { AuditRecord, ResponseOf } from "@orrery/api";
import { UsageError } from "../errors.ts";
import { formatTable, truncate } from "../format.ts";
import { out, printJson } from "../io.ts";
import type { CommandContext } from "./context.ts";

const DEFAULT_LIMIT = 50;
const when = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace("T", " ");
const details = (d: AuditRecord["detail"]) => Object.entries(d).map(([k, v]) => `${k}=${v}`).join(" ");

function limitOf(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new UsageError(`--limit is a number of records, 1-100000; got '${raw}'`);
  return n;
}

export async function audit(ctx: CommandContext): Promise<void> {
  const limit = limitOf(ctx.args.limit);
  const records: AuditRecord[] = [];
  let before: string | undefined;
  do {
    const query = new URLSearchParams({ limit: String(Math.min(1000, limit - records.length)) });
    if (before) query.set("before", before);
    if (ctx.args.by) query.set("user", ctx.args.by);
    if (ctx.args.action) query.set("action", ctx.args.action);
    const page = await ctx.client.admin<ResponseOf<"audit">>("GET", `/api/audit?${query}`);
    records.push(...page.records);
    before = page.next ?? undefined;
  } while (before && records.length < limit);
  if (ctx.json) return printJson(records);
  const rows = records.map((r) => [when(r.at), r.actor ?? "-", r.action, truncate(r.target, 60), r.via, r.address ?? "-", details(r.detail)]);
  out(formatTable(rows, { header: ["time", "user", "action", "target", "via", "from", "detail"] }));
}
