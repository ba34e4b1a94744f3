// What `orrery sim` starts: N nodes on consecutive ports of 127.0.0.1, each with its own data dir,
// all seeded with the first. Pure: the command line and the plan, no processes.
import { join } from "node:path";
import { parseArgs } from "node:util";

export interface LocalClusterOptions {
  nodes: number;
  /** HTTP ports are base..base+N-1; gossip ports base+1000.., transfer ports base+2000... */
  basePort: number;
  dataDir: string;
  help: boolean;
}

export interface PlannedNode {
  id: string;
  httpPort: number;
  gossipPort: number;
  transferPort: number;
  dataDir: string;
  logFile: string;
  /** Gossip addresses to join: the first node's, for every node but the first. */
  seeds: string[];
}

export const MAX_NODES = 100;
const GOSSIP_OFFSET = 1000;
const TRANSFER_OFFSET = 2000;

export const SIM_USAGE = `usage: orrery sim [--nodes N] [--base-port P] [--data-dir DIR]

  Starts N local nodes (default 3, at most ${MAX_NODES}) on 127.0.0.1 for demos and tests: HTTP ports P..P+N-1
  (default 3000), gossip ports P+${GOSSIP_OFFSET}.., transfer ports P+${TRANSFER_OFFSET}..; node i keeps its data in DIR/n<i>
  (default ./.orrery-sim) and its log in DIR/n<i>.log. Other settings come from the environment
  (REPLICATION_FACTOR, GOSSIP_INTERVAL_MS, ...). Ctrl-C stops every node.`;

export class SimUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SimUsageError";
  }
}

function integer(raw: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) throw new SimUsageError(`--${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  return n;
}

export function parseSimArgs(argv: string[]): LocalClusterOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        nodes: { type: "string", short: "n" },
        "base-port": { type: "string" },
        "data-dir": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new SimUsageError((err as Error).message);
  }
  const nodes = integer(values.nodes, "nodes", 3, 1, MAX_NODES);
  // The highest port used is the last transfer port.
  const basePort = integer(values["base-port"], "base-port", 3000, 1, 65535 - TRANSFER_OFFSET - (nodes - 1));
  const dataDir = values["data-dir"] ?? "./.orrery-sim";
  if (dataDir === "") throw new SimUsageError("--data-dir must not be empty");
  return { nodes, basePort, dataDir, help: values.help ?? false };
}

export function planLocalCluster(o: Pick<LocalClusterOptions, "nodes" | "basePort" | "dataDir">): PlannedNode[] {
  const firstGossip = `127.0.0.1:${o.basePort + GOSSIP_OFFSET}`;
  return Array.from({ length: o.nodes }, (_, i) => ({
    id: `n${i + 1}`,
    httpPort: o.basePort + i,
    gossipPort: o.basePort + GOSSIP_OFFSET + i,
    transferPort: o.basePort + TRANSFER_OFFSET + i,
    dataDir: join(o.dataDir, `n${i + 1}`),
    logFile: join(o.dataDir, `n${i + 1}.log`),
    seeds: i === 0 ? [] : [firstGossip],
  }));
}

/**
 * How to run this same program again: a compiled executable is its own command (its script lives in
 * Bun's embedded file system, "/$bunfs/…" or "B:/~BUN/…" on Windows); from source it is bun plus the script.
 */
export function selfCommand(execPath: string, main: string): string[] {
  const compiled = main.startsWith("/$bunfs/") || main.includes("~BUN");
  return compiled ? [execPath] : [execPath, main];
}

/** The environment of node `n`: the caller's, with this node's ports, data dir and seeds in force. */
export function nodeEnv(n: PlannedNode, parent: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(parent)) if (v !== undefined) env[k] = v;
  // A demo cluster lives on loopback; an inherited ADVERTISE_ADDRESS would point peers elsewhere.
  delete env.ADVERTISE_ADDRESS;
  return {
    ...env,
    NODE_ID: n.id,
    DATA_DIR: n.dataDir,
    BIND_ADDRESS: "127.0.0.1",
    HTTP_PORT: String(n.httpPort),
    GOSSIP_PORT: String(n.gossipPort),
    TRANSFER_PORT: String(n.transferPort),
    SEEDS: n.seeds.join(","),
  };
}
