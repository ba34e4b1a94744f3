#!/usr/bin/env bun
// `pnpm fuzz`: the hostile-input campaign against a live 3-node cluster on loopback (fuzz/campaign.ts),
// then a table and a JSON summary. Exits 1 when a check failed (the last inputs each node received are
// written to a file then), 2 on a bad command line.
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCampaign } from "./campaign.ts";
import { parseOptions } from "./options.ts";
import { renderReport, summary } from "./report.ts";

let opts;
try {
  opts = parseOptions(process.argv.slice(2));
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}
const t0 = performance.now();
const log = (line: string) => process.stderr.write(`[fuzz ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
log(`seed ${opts.seed} (replay with --seed ${opts.seed}), ${opts.inputs} inputs, at most ${opts.seconds} s`);
const result = await runCampaign({ ...opts, log });
console.log(renderReport(result));
console.log(JSON.stringify(summary(result), null, 2));
if (!result.ok) {
  const file = join(tmpdir(), `orrery-fuzz-${result.seed}-recent-inputs.json`);
  writeFileSync(file, JSON.stringify(result.recentInputs, null, 1));
  log(`a check failed; the last inputs each node received are in ${file}`);
}
process.exit(result.ok ? 0 : 1);
