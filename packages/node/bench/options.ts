// Command-line flags of `pnpm bench` → one BenchOptions. Explicit flags win over the --quick presets.
import { parseArgs } from "node:util";

/** Which parts run: the 3-node core benchmark, the cost of peer encryption, the self-healing benchmarks (default: all). */
export type BenchPart = "core" | "security" | "heal";

export interface BenchOptions {
  parts: BenchPart[];
  /** Self-healing: data uploaded before the kill / the join (MiB, in 16 MiB files). */
  healSizeMiB: number;
  /** Self-healing: REBALANCE_BANDWIDTH_MBPS for every node, high so the cap is not what is measured. */
  healBandwidthMBps: number;
  /** Self-healing: REBALANCE_GRACE_S for the join benchmark. */
  healGraceS: number;
  sizeMiB: number;
  smallCount: number;
  securityRounds: number;
  concurrency: number;
  jsonFile: string | undefined;
  keep: boolean;
  quick: boolean;
  /** Start the nodes with `bun --cpu-prof --cpu-prof-md` and write their profiles here. */
  cpuProfDir: string | undefined;
  help: boolean;
}

export const USAGE = `usage: bun bench/run.ts [options]      (or from the repo root: pnpm bench [options])

  --only PART        run only one part: core (ceilings + 3-node upload, download, small files),
                     security (the same upload and 4 KiB PUTs with peer traffic authenticated vs also
                     encrypted, alternating rounds) or heal (failure detection + re-replication on
                     5 nodes, 4th-node join on 3); default: all three in that order
  --security-rounds N
                     rounds of the security part, each one cluster per mode (default 3; 2 with --quick)
  --size-mb N        size of the large upload/download, MiB (default 1024; 256 with --quick)
  --small-count N    number of 4 KiB files to PUT and GET (default 2000; 500 with --quick)
  --concurrency N    concurrent requests for the small files (default 16)
  --heal-size-mb N   data uploaded before each self-healing benchmark, MiB, as 16 MiB files
                     (default 1024; 256 with --quick)
  --heal-bandwidth-mbps N
                     REBALANCE_BANDWIDTH_MBPS of the self-healing nodes (default 1000: not the limit)
  --heal-grace-s N   REBALANCE_GRACE_S of the join benchmark (default 5)
  --json FILE        write the JSON report to FILE and the table to stdout
                     (without it: JSON on stdout, table on stderr)
  --keep             keep the data dirs and node logs (path printed at the end)
  --quick            smaller run for a fast check
  --cpu-prof DIR     run the nodes under bun --cpu-prof --cpu-prof-md; profiles land in DIR
  -h, --help         this text
  --compare          a different benchmark: GlusterFS and MooseFS side by side with Orrery, every figure as a
                     ratio to the best peer and to the machine's ceilings (--compare --help for its options)

Progress goes to stderr. Every cluster runs on 127.0.0.1 (core: 3 nodes; heal: 5 nodes, then 3 + 1) and is
stopped at the end, also on an error or Ctrl-C.`;

function nonNegative(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number ≥ 0, got ${JSON.stringify(value)}`);
  return n;
}

function parts(value: string | undefined): BenchPart[] {
  if (value === undefined) return ["core", "security", "heal"];
  if (value === "core" || value === "security" || value === "heal") return [value];
  throw new Error(`--only must be core, security or heal, got ${JSON.stringify(value)}`);
}

/** A flag's whole number ≥ 1, or `fallback` when it was not given (also used by compare/options.ts). */
export function positiveInt(name: string, value: string | undefined, fallback: number): number {
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
      only: { type: "string" },
      "size-mb": { type: "string" },
      "heal-size-mb": { type: "string" },
      "heal-bandwidth-mbps": { type: "string" },
      "heal-grace-s": { type: "string" },
      "small-count": { type: "string" },
      "security-rounds": { type: "string" },
      concurrency: { type: "string" },
      json: { type: "string" },
      keep: { type: "boolean", default: false },
      quick: { type: "boolean", default: false },
      "cpu-prof": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const quick = values.quick ?? false;
  const bandwidth = nonNegative("--heal-bandwidth-mbps", values["heal-bandwidth-mbps"], 1000);
  if (bandwidth === 0) throw new Error("--heal-bandwidth-mbps must be above 0");
  return {
    parts: parts(values.only),
    healSizeMiB: positiveInt("--heal-size-mb", values["heal-size-mb"], quick ? 256 : 1024),
    healBandwidthMBps: bandwidth,
    healGraceS: nonNegative("--heal-grace-s", values["heal-grace-s"], 5),
    sizeMiB: positiveInt("--size-mb", values["size-mb"], quick ? 256 : 1024),
    smallCount: positiveInt("--small-count", values["small-count"], quick ? 500 : 2000),
    securityRounds: positiveInt("--security-rounds", values["security-rounds"], quick ? 2 : 3),
    concurrency: positiveInt("--concurrency", values.concurrency, 16),
    jsonFile: values.json,
    keep: values.keep ?? false,
    quick,
    cpuProfDir: values["cpu-prof"],
    help: values.help ?? false,
  };
}
