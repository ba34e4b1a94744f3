// The private network the peers run on: three "server" namespaces (one per brick / chunkserver, each with its own
// IP) and a "client" namespace (the FUSE clients), joined by a bridge that lives in a fifth, "hub", namespace.
// Nothing is added to the host's own network, and no namespace has a route out. Processes enter a namespace with
// `nsenter --net=…` only, so they stay in the host's mount namespace and a FUSE mount made there is the bench's.
import { readFileSync } from "node:fs";
import { run, tryRun } from "./own-processes.ts";

export const NS_PREFIX = "orrcmp-";

export interface Host {
  ns: string;
  ip: string;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export class BenchLan {
  readonly tag = `${NS_PREFIX}${process.pid}-${Math.random().toString(16).slice(2, 6)}`;
  readonly subnet = `10.78.${10 + (process.pid % 200)}`;
  readonly hub = `${this.tag}-hub`;
  readonly servers: Host[] = [1, 2, 3].map((k) => ({ ns: `${this.tag}-s${k}`, ip: `${this.subnet}.${10 + k}` }));
  readonly client: Host = { ns: `${this.tag}-c`, ip: `${this.subnet}.20` };
  private readonly created: string[] = [];

  /** `nsenter` prefix that runs a command in `host`'s network namespace (and nothing else changed). */
  enter(host: Host): string[] {
    return ["nsenter", `--net=/run/netns/${host.ns}`];
  }

  create(): void {
    this.add(this.hub);
    run(["ip", "-n", this.hub, "link", "add", "br0", "type", "bridge"]);
    run(["ip", "-n", this.hub, "link", "set", "br0", "up"]);
    [...this.servers, this.client].forEach((h, k) => {
      this.add(h.ns);
      // Created inside the hub with the peer end moved straight into the host's namespace.
      run(["ip", "-n", this.hub, "link", "add", `p${k}`, "type", "veth", "peer", "name", "eth0", "netns", h.ns]);
      run(["ip", "-n", this.hub, "link", "set", `p${k}`, "master", "br0"]);
      run(["ip", "-n", this.hub, "link", "set", `p${k}`, "up"]);
      run(["ip", "-n", h.ns, "link", "set", "lo", "up"]);
      run(["ip", "-n", h.ns, "addr", "add", `${h.ip}/24`, "dev", "eth0"]);
      run(["ip", "-n", h.ns, "link", "set", "eth0", "up"]);
    });
  }

  private add(name: string): void {
    try {
      run(["ip", "netns", "add", name]);
    } catch (err) {
      throw new Error(`creating network namespace ${name} failed (the peers need root and iproute2): ${(err as Error).message}`);
    }
    this.created.push(name);
  }

  /** PIDs of every process in one of this run's namespaces: started by the run or by its daemons. */
  pids(): number[] {
    return this.created.flatMap((ns) => pidsIn(ns));
  }

  /**
   * Stops whatever still runs in the namespaces (daemons fork: brick processes, the self-heal daemon), by PID,
   * then deletes the namespaces.
   */
  async destroy(): Promise<string[]> {
    const problems: string[] = [];
    let left = this.pids();
    for (const pid of left) signal(pid, "SIGTERM");
    for (let i = 0; i < 50 && left.length; i++) {
      await Bun.sleep(100);
      left = left.filter(alive);
    }
    for (const pid of left) signal(pid, "SIGKILL");
    for (const ns of [...this.created].reverse()) {
      const r = tryRun(["ip", "netns", "del", ns]);
      if (!r.ok) problems.push(`ip netns del ${ns}: ${r.out}`);
    }
    this.created.length = 0;
    return problems;
  }

  /** Synchronous last resort: SIGKILL what runs in the namespaces, delete them. */
  destroyNow(): void {
    for (const pid of this.pids()) signal(pid, "SIGKILL");
    for (const ns of [...this.created].reverse()) tryRun(["ip", "netns", "del", ns]);
    this.created.length = 0;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function pidsIn(ns: string): number[] {
  const r = tryRun(["ip", "netns", "pids", ns]);
  if (!r.ok) return [];
  return r.out
    .split("\n")
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}

/**
 * What a compare run that was SIGKILLed left behind (its bench PID is gone): FUSE mounts under its directory
 * (`…/orrery-compare-<pid>-…/mnt/…`) are lazily unmounted, processes in its namespaces stopped, the namespaces
 * deleted. Runs of other live bench processes are not touched.
 */
export function removeStale(log: (line: string) => void): void {
  let mountinfo = "";
  try {
    mountinfo = readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    // not Linux
  }
  for (const line of mountinfo.split("\n")) {
    const target = line.split(" ")[4] ?? "";
    const pid = /\/orrery-compare-(\d+)-[^/]+\/mnt\//.exec(target)?.[1];
    if (!pid || Number(pid) === process.pid || alive(Number(pid))) continue;
    log(`removing a stale mount of an earlier run: ${target}`);
    tryRun(["umount", "-l", target]);
  }
  const list = tryRun(["ip", "netns", "list"]);
  if (!list.ok) return;
  for (const line of list.out.split("\n")) {
    const name = line.split(" ")[0] ?? "";
    const pid = new RegExp(`^${NS_PREFIX}(\\d+)-`).exec(name)?.[1];
    if (!pid || Number(pid) === process.pid || alive(Number(pid))) continue;
    log(`removing a stale namespace of an earlier run: ${name}`);
    for (const p of pidsIn(name)) signal(p, "SIGKILL");
    tryRun(["ip", "netns", "del", name]);
  }
}
