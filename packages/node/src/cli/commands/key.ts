// `orrery key`: the cluster key. `generate` prints a new random key; `show` the key a data dir holds;
// `list` every live member's keys; `install KEY`, `use ID`, `remove ID` one rotation step on every live
// member; `rotate` all three with a fresh key. The steps are admin requests signed with the current key,
// and a key being installed travels sealed under it (security/admin-auth.ts), never in clear.
import type { KeyStep as KeyStepResult } from "@orrery/api";
import { sealSecret } from "../../security/admin-auth.ts";
import { ClusterKey } from "../../security/cluster-key.ts";
import { keyOfDataDir } from "../admin-key.ts";
import { CliError, ExitCode, UsageError } from "../errors.ts";
import { formatTable } from "../format.ts";
import { err, out, printJson } from "../io.ts";
import type { CommandContext } from "./context.ts";

function table(result: KeyStepResult): string {
  const rows = result.nodes.map((n) => [n.id, n.state, n.primary ?? "-", (n.keys ?? []).join(" ") || "-", n.error ?? ""]);
  const lines = [formatTable(rows, { header: ["member", "state", "signs with", "accepts", "error"] })];
  for (const s of result.skipped) lines.push(`${s.id} is ${s.state}: not changed; give it the key (CLUSTER_KEY) before it returns`);
  return lines.join("\n");
}

/** A step failed on some member: report, and stop (the next step would not be safe). */
function check(result: KeyStepResult, step: string): void {
  const failed = result.nodes.filter((n) => n.error);
  if (failed.length > 0) {
    throw new CliError(ExitCode.failed, `${step} failed on ${failed.map((n) => `${n.id} (${n.error})`).join(", ")}`, "key_step_failed");
  }
}

export async function key(ctx: CommandContext): Promise<void> {
  const [action, arg] = ctx.args.positionals;
  const client = ctx.client;
  const needArg = (what: string) => {
    if (!arg) throw new UsageError(`key ${action}: missing argument <${what}>`);
    return arg;
  };
  const report = (result: KeyStepResult) => (ctx.json ? printJson(result) : out(table(result)));
  const install = (secret: string) =>
    client.admin<KeyStepResult>("POST", "/api/cluster/keys/install", client.adminKey ? { sealedKey: sealSecret(client.adminKey, secret) } : { key: secret });
  switch (action) {
    case "generate":
      return out(ClusterKey.generate().secret);
    case "show": {
      const dir = ctx.args.dataDir ?? process.env.DATA_DIR ?? "./.orrery-data";
      const k = keyOfDataDir(dir);
      if (!k) throw new CliError(ExitCode.local, `${dir} holds no cluster key`);
      return out(`CLUSTER_KEY=${k.secret}`);
    }
    case "list":
      return report(await client.admin<KeyStepResult>("GET", "/api/cluster/keys"));
    case "install": {
      const secret = needArg("key");
      const result = await install(new ClusterKey(secret).secret);
      check(result, "install");
      return report(result);
    }
    case "use":
    case "remove": {
      const result = await client.admin<KeyStepResult>("POST", `/api/cluster/keys/${action}`, { keyId: needArg("key id") });
      check(result, action);
      return report(result);
    }
    case "rotate": {
      const before = await client.admin<KeyStepResult>("GET", "/api/cluster/keys");
      check(before, "list");
      const old = [...new Set(before.nodes.map((n) => n.primary))];
      if (old.length !== 1) throw new CliError(ExitCode.failed, `members sign with different keys (${old.join(", ")}); finish that rotation first`, "key_mixed");
      const fresh = ClusterKey.generate();
      const say = (line: string) => (ctx.json ? err(line) : out(line));
      say(`new key ${fresh.id}: installing on every live member`);
      check(await install(fresh.secret), "install");
      say(`switching every live member to ${fresh.id}`);
      check(await client.admin<KeyStepResult>("POST", "/api/cluster/keys/use", { keyId: fresh.id }), "use");
      say(`removing the old key ${old[0]}`);
      const result = await client.admin<KeyStepResult>("POST", "/api/cluster/keys/remove", { keyId: old[0] });
      check(result, "remove");
      report(result);
      say(`Rotated. Every node keeps the new key in its data dir; put it wherever CLUSTER_KEY is configured:\n  CLUSTER_KEY=${fresh.secret}`);
      return;
    }
    default:
      throw new UsageError(`key: unknown action '${action}' (generate, show, list, install, use, remove, rotate)`);
  }
}
