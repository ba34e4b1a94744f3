// `orrery sim --nodes N`: runs N node processes of this same executable on consecutive local ports,
// prints their URLs, and stops them all on Ctrl-C (or SIGTERM). Node logs go to files, not the terminal.
import { type Subprocess } from "bun";
import { closeSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { ClusterKey } from "../security/cluster-key.ts";
import { nodeEnv, parseSimArgs, planLocalCluster, selfCommand, SIM_USAGE, SimUsageError, type PlannedNode } from "./plan.ts";

/** How long a node gets to stop after SIGTERM before it is killed. */
const STOP_GRACE_MS = 10_000;
const READY_TIMEOUT_MS = 30_000;

interface Child {
  plan: PlannedNode;
  proc: Subprocess;
}

const say = (line: string) => process.stdout.write(`${line}\n`);
const complain = (line: string) => process.stderr.write(`${line}\n`);

function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

async function waitReady(child: Child, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) {
      throw new Error(`${child.plan.id} exited during start-up (${child.proc.exitCode ?? child.proc.signalCode}):\n${logTail(child.plan.logFile)}`);
    }
    try {
      const res = await fetch(`http://127.0.0.1:${child.plan.httpPort}/status`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await Bun.sleep(100);
  }
  throw new Error(`${child.plan.id} did not answer within ${READY_TIMEOUT_MS / 1000} s:\n${logTail(child.plan.logFile)}`);
}

async function stopAll(children: Child[]): Promise<void> {
  const running = children.filter((c) => c.proc.exitCode === null && c.proc.signalCode === null);
  for (const c of running) c.proc.kill("SIGTERM");
  const killer = setTimeout(() => running.forEach((c) => c.proc.kill("SIGKILL")), STOP_GRACE_MS);
  await Promise.all(running.map((c) => c.proc.exited));
  clearTimeout(killer);
}

export async function runLocalCluster(argv: string[]): Promise<number> {
  let options;
  try {
    options = parseSimArgs(argv);
  } catch (err) {
    if (!(err instanceof SimUsageError)) throw err;
    complain(`orrery sim: ${err.message}\n\n${SIM_USAGE}`);
    return 2;
  }
  if (options.help) {
    say(SIM_USAGE);
    return 0;
  }
  const plan = planLocalCluster(options);
  const command = [...selfCommand(process.execPath, Bun.main), "node"];
  mkdirSync(options.dataDir, { recursive: true });

  const children: Child[] = [];
  let stopping = false;
  let stopped: Promise<void> | undefined;
  const stop = (why: string) => {
    if (!stopping) say(`${why}: stopping ${children.length} node(s)`);
    stopping = true;
    stopped ??= stopAll(children);
    return stopped;
  };
  process.on("SIGINT", () => void stop("received SIGINT"));
  process.on("SIGTERM", () => void stop("received SIGTERM"));

  // One cluster key for every node: the caller's, or one made for this run.
  const clusterKey = process.env.CLUSTER_KEY ?? ClusterKey.generate().secret;
  const parentEnv = { ...process.env, CLUSTER_KEY: clusterKey, CLUSTER_KEY_FILE: undefined };
  say(`Starting ${plan.length} Orrery node(s); data and logs in ${options.dataDir}`);
  if (!process.env.CLUSTER_KEY) say(`Cluster key for this run (another node joins with it): CLUSTER_KEY=${clusterKey}`);
  for (const p of plan) {
    const log = openSync(p.logFile, "a");
    const proc = Bun.spawn(command, { env: nodeEnv(p, parentEnv), stdin: "ignore", stdout: log, stderr: log });
    closeSync(log);
    const child = { plan: p, proc };
    children.push(child);
    proc.exited.then((code) => {
      if (!stopping) complain(`orrery sim: ${p.id} exited (${code}); its log: ${p.logFile}`);
    });
  }

  try {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    await Promise.all(children.map((c) => waitReady(c, deadline)));
  } catch (err) {
    if (stopping) {
      await stopped;
      return 0;
    }
    complain(`orrery sim: ${(err as Error).message}`);
    await stop("a node failed to start");
    return 1;
  }
  if (stopping) {
    await stopped;
    return 0;
  }

  for (const { plan: p } of children) {
    say(`  ${p.id.padEnd(4)} http://127.0.0.1:${p.httpPort}  gossip ${p.gossipPort}/udp  transfer ${p.transferPort}  log ${p.logFile}`);
  }
  say(`All ${plan.length} node(s) are up; open http://127.0.0.1:${plan[0]!.httpPort} for the web UI. Ctrl-C stops them all.`);

  await Promise.all(children.map((c) => c.proc.exited));
  await stopped;
  return stopping ? 0 : 1;
}
