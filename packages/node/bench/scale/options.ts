// Command-line flags of `pnpm scale` → ScaleOptions (pure).
import { parseArgs } from "node:util";

export interface ScaleOptions {
  nodes: number;
  /** Delay between two node starts; 0 starts them all at once (power back, `docker compose up`). */
  staggerMs: number;
  /** How many of the first nodes every node is given as SEEDS. */
  seeds: number;
  /** Seconds to wait for every node to see every other alive. */
  convergeTimeoutS: number;
  /** Seconds the converged cluster is watched (views, writes and reads, CPU). */
  holdS: number;
  /** Seconds between two rounds of sampling every node's view. */
  sampleEveryS: number;
  /** Run the compiled executable (dist/orrery) instead of `bun src/main.ts`. */
  binary: string | undefined;
  jsonFile: string | undefined;
  keep: boolean;
  help: boolean;
}

export const SCALE_USAGE = `usage: pnpm scale [options]      (bun bench/scale/run.ts)

Starts N real nodes on 127.0.0.1 (ports below the ephemeral range), all at once unless --stagger-ms, waits
until every node sees every other alive, then watches the cluster for --hold-s seconds: every node's view
sampled, a file written and read back through random nodes every 2 s, CPU and RSS of every process. Prints a
table and JSON (convergence time, false suspicions and deaths, failed writes/reads, RSS and idle CPU per node).

  --nodes N              nodes (default 100)
  --stagger-ms MS        delay between starts (default 0: all at once)
  --seeds K              every node gets the first K nodes' gossip addresses as SEEDS (default 3)
  --converge-timeout-s S give up waiting for convergence after S seconds (default 300)
  --hold-s S             seconds to watch the converged cluster (default 600)
  --sample-every-s S     seconds between two samples of every node's view (default 10)
  --binary PATH          run this executable (e.g. dist/orrery) instead of bun src/main.ts
  --json FILE            write the JSON report here (default: stdout, table on stderr)
  --keep                 keep data dirs and logs (path printed)
  -h, --help             this text`;

export class ScaleUsageError extends Error {}

function int(raw: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) throw new ScaleUsageError(`--${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  return n;
}

export function parseScaleArgs(argv: string[]): ScaleOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        nodes: { type: "string" },
        "stagger-ms": { type: "string" },
        seeds: { type: "string" },
        "converge-timeout-s": { type: "string" },
        "hold-s": { type: "string" },
        "sample-every-s": { type: "string" },
        binary: { type: "string" },
        json: { type: "string" },
        keep: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new ScaleUsageError((err as Error).message);
  }
  const nodes = int(values.nodes, "nodes", 100, 1, 1000);
  return {
    nodes,
    staggerMs: int(values["stagger-ms"], "stagger-ms", 0, 0, 60_000),
    seeds: Math.min(nodes, int(values.seeds, "seeds", 3, 1, 100)),
    convergeTimeoutS: int(values["converge-timeout-s"], "converge-timeout-s", 300, 1, 3600),
    holdS: int(values["hold-s"], "hold-s", 600, 0, 86_400),
    sampleEveryS: int(values["sample-every-s"], "sample-every-s", 10, 1, 3600),
    binary: values.binary,
    jsonFile: values.json,
    keep: values.keep ?? false,
    help: values.help ?? false,
  };
}
