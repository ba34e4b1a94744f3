// `orrery s3key create [--read-only] [--label L] [--for USER]` makes an S3 access key that acts as you (an
// admin: as USER) and prints its secret once; `s3key ls [--all]` lists keys, `s3key rm KEY` revokes one.
import type { ResponseOf } from "@orrery/api";
import { UsageError } from "../errors.ts";
import { formatTable } from "../format.ts";
import { out, printJson } from "../io.ts";
import type { CommandContext } from "./context.ts";

export async function s3key(ctx: CommandContext): Promise<void> {
  const [action, accessKey] = ctx.args.positionals;
  const { client } = ctx;
  switch (action) {
    case "create": {
      const body = {
        ...(ctx.args.readOnly ? { readOnly: true } : {}),
        ...(ctx.args.label !== undefined ? { label: ctx.args.label } : {}),
        ...(ctx.args.for !== undefined ? { user: ctx.args.for } : {}),
      };
      const made = await client.json<ResponseOf<"createS3Key", 201>>("POST", "/api/s3keys", { json: body });
      if (ctx.json) return printJson(made);
      out(`access key: ${made.accessKey}`);
      out(`secret key: ${made.secretKey}`);
      return void process.stderr.write(`S3 key of ${made.user}${made.readOnly ? " (read-only)" : ""}: the secret is shown once, keep it safe\n`);
    }
    case "ls": {
      const { keys } = await client.json<ResponseOf<"listS3Keys">>("GET", ctx.args.all ? "/api/s3keys?all=1" : "/api/s3keys");
      if (ctx.json) return printJson(keys);
      const rows = keys.map((k) => [k.accessKey, k.user, k.label || "-", k.readOnly ? "read-only" : "read-write", new Date(k.createdAt).toISOString().slice(0, 10)]);
      return out(formatTable(rows, { header: ["access key", "user", "label", "access", "made"] }));
    }
    case "rm": {
      if (!accessKey) throw new UsageError("s3key rm: missing argument <access-key>");
      await client.json("DELETE", `/api/s3keys/${encodeURIComponent(accessKey)}`);
      return ctx.json ? printJson({ accessKey, revoked: true }) : out(`S3 key ${accessKey} revoked`);
    }
    default:
      throw new UsageError(`s3key: unknown action '${action}' (create, ls, rm)`);
  }
}
