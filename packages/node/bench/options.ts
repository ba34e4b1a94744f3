// Command-line flags of `pnpm bench` → one BenchOptions. Explicit flags win over the --quick presets.
import { parseArgs } from "node:util";

export interface BenchOptions {
  sizeMiB: number;
  smallCount: number;
  concurrency: number;
  jsonFile: string | undefined;
  keep: boolean;
  quick: boolean;
  /** Start the nodes with `bun --cpu-prof --cpu-prof-md` and write their profiles here. */
  cpuProfDir: string | undefined;
  help: boolean;
}

export const USAGE = `usage: bun bench/run.ts [options]      (or from the repo root: pnpm bench [options])

  --size-mb N        size of the large upload/download, MiB (default 1024; 256 with --quick)
  --small-count N    number of 4 KiB files to PUT and GET (default 2000; 500 with --quick)
  --concurrency N    concurrent requests for the small files (default 16)
  --json FILE        write the JSON report to FILE and the table to stdout
                     (without it: JSON on stdout, table on stderr)
  --keep             keep the data dirs and node logs (path printed at the end)
  --quick            smaller run for a fast check
  --cpu-prof DIR     run the nodes under bun --cpu-prof --cpu-prof-md; profiles land in DIR
  -h, --help         this text

Progress goes to stderr. The run starts a 3-node cluster on 127.0.0.1 and stops it at the end.`;

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      "size-mb": { type: "string" },
      "small-count": { type: "string" },
      concurrency: { type: "string" },
      json: { type: "string" },
      keep: { type: "boolean", default: false },
      quick: { type: "boolean", default: false },
      "cpu-prof": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const quick = values.quick ?? false;
  return {
    sizeMiB: positiveInt("--size-mb", values["size-mb"], quick ? 256 : 1024),
    smallCount: positiveInt("--small-count", values["small-count"], quick ? 500 : 2000),
    concurrency: positiveInt("--concurrency", values.concurrency, 16),
    jsonFile: values.json,
    keep: values.keep ?? false,
    quick,
    cpuProfDir: values["cpu-prof"],
    help: values.help ?? false,
  };
}
