// Command-line flags of `pnpm bench --compare` → one CompareOptions. Explicit flags win over the --quick presets.
import { parseArgs } from "node:util";
import { positiveInt } from "../options.ts";
import { WORKLOAD_IDS, type WorkloadId } from "./workload-ids.ts";

export interface CompareOptions {
  workloads: WorkloadId[];
  /** Run GlusterFS and MooseFS beside Orrery (needs root: namespaces, FUSE mounts). */
  peers: boolean;
  /** Repetitions of every workload per system; the median is the figure. */
  reps: number;
  /** The large write/read and S3 uploads, MiB. */
  sizeMiB: number;
  /** 4 KiB files per small-file workload (and per `aws s3 sync`). */
  smallCount: number;
  /** Client processes of the "16 clients" workloads. */
  clients: number;
  dropCaches: boolean;
  jsonFile: string | undefined;
  keep: boolean;
  quick: boolean;
  cpuProfDir: string | undefined;
  strace: boolean;
  /** Where the run's data, mounts and logs live (a fresh directory under it); default the OS tmp dir. */
  dir: string | undefined;
  help: boolean;
}

export const COMPARE_USAGE = `usage: pnpm bench --compare [options]

Runs GlusterFS (replica 3), MooseFS (goal 3) and a 3-node Orrery cluster on this machine with the same
workloads, and prints every Orrery figure as a ratio to the best peer and to the machine's ceilings.

  --only W[,W…]      workloads to run (default all): ${WORKLOAD_IDS.join(", ")}
                     (a workload that needs another's files runs an untimed setup first)
  --no-peers         Orrery and the ceilings only (no root needed; what CI runs)
  --reps N           repetitions per workload and system, median reported (default 3; 1 with --quick)
  --size-mb N        large write/read and S3 upload size, MiB (default 1024; 64 with --quick)
  --small-count N    4 KiB files per small-file workload (default 1000; 100 with --quick)
  --clients N        client processes of the "16 clients" workloads (default 16)
  --no-drop-caches   do not drop the page cache before the read workloads (they are then warm)
  --dir DIR          put the run's directory under DIR (default: the OS tmp dir); one disk for all
  --json FILE        write the JSON report to FILE (default: a file in the current directory, path printed)
  --keep             keep the data directories and logs (daemons, mounts, namespaces are removed anyway)
  --quick            short run: smaller sizes, 1 repetition
  --cpu-prof DIR     run the Orrery nodes under bun --cpu-prof --cpu-prof-md; profiles land in DIR
  --strace           after the measurements, one more untimed pass of each files-API workload with strace -c
                     attached to every Orrery node: fsyncs and syscalls per 4 KiB file and per chunk
  -h, --help         this text

Needs root unless --no-peers: the peers' daemons run in network namespaces the bench creates, their clients
are FUSE mounts; all of it is removed at the end, also on an error or Ctrl-C. Missing peers are installed with
\`sh scripts/system-deps.sh compare\` (Debian packages).`;

function workloads(value: string | undefined): WorkloadId[] {
  if (value === undefined) return [...WORKLOAD_IDS];
  const asked = value.split(",").map((s) => s.trim()).filter(Boolean);
  if (asked.length === 0) throw new Error("--only needs at least one workload");
  for (const w of asked) {
    if (!(WORKLOAD_IDS as readonly string[]).includes(w)) throw new Error(`--only: unknown workload ${JSON.stringify(w)} (one of ${WORKLOAD_IDS.join(", ")})`);
  }
  // Run order is the canonical order, whatever order they were asked in.
  return WORKLOAD_IDS.filter((w) => asked.includes(w));
}

/** `argv` without the `--compare` flag itself. */
export function parseCompareOptions(argv: string[]): CompareOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      only: { type: "string" },
      "no-peers": { type: "boolean", default: false },
      reps: { type: "string" },
      "size-mb": { type: "string" },
      "small-count": { type: "string" },
      clients: { type: "string" },
      "no-drop-caches": { type: "boolean", default: false },
      dir: { type: "string" },
      json: { type: "string" },
      keep: { type: "boolean", default: false },
      quick: { type: "boolean", default: false },
      "cpu-prof": { type: "string" },
      strace: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const quick = values.quick ?? false;
  return {
    workloads: workloads(values.only),
    peers: !values["no-peers"],
    reps: positiveInt("--reps", values.reps, quick ? 1 : 3),
    sizeMiB: positiveInt("--size-mb", values["size-mb"], quick ? 64 : 1024),
    smallCount: positiveInt("--small-count", values["small-count"], quick ? 100 : 1000),
    clients: positiveInt("--clients", values.clients, 16),
    dropCaches: !values["no-drop-caches"],
    jsonFile: values.json,
    keep: values.keep ?? false,
    quick,
    cpuProfDir: values["cpu-prof"],
    strace: values.strace ?? false,
    dir: values.dir,
    help: values.help ?? false,
  };
}
