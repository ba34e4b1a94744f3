// A virtual LAN of network namespaces for tests that need a real network between node processes: one
// "hub" namespace holding a bridge, and per node a namespace with lo and one veth on the bridge. The veth
// pairs are created inside the hub with one end moved straight into the node's namespace, so nothing is
// ever added to the host's own network; there is no uplink and no default route. Needs root and iproute2.
import type { Subprocess } from "bun";
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";

const PKG = join(import.meta.dir, "..", "..");

export function run(cmd: string[]): string {
  const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed (${r.exitCode}): ${r.stderr.toString().trim()}`);
  return r.stdout.toString();
}

/** Deletes namespaces named `<prefix><pid>-…` whose creating process is gone (a run killed before its clean-up). */
export function removeStaleNamespaces(prefix: string): void {
  let list = "";
  try {
    list = run(["ip", "netns", "list"]);
  } catch {
    return;
  }
  for (const line of list.split("\n")) {
    const name = line.split(" ")[0] ?? "";
    if (!name.startsWith(prefix)) continue;
    const pid = /^(\d+)-/.exec(name.slice(prefix.length))?.[1];
    if (!pid || Number(pid) === process.pid) continue;
    try {
      process.kill(Number(pid), 0);
    } catch {
      Bun.spawnSync(["ip", "netns", "del", name]);
    }
  }
}

/**
 * Builds the hub (bridge br0) and one namespace per node with `ip`/24 on its eth0. `addNamespace` creates
 * a namespace and remembers it for the clean-up (deleting a namespace deletes its veth end and its nftables).
 */
export function buildLan(hub: string, nodes: Array<{ ns: string; ip: string }>, addNamespace: (name: string) => void): void {
  addNamespace(hub);
  run(["ip", "-n", hub, "link", "add", "br0", "type", "bridge"]);
  run(["ip", "-n", hub, "link", "set", "br0", "up"]);
  nodes.forEach((n, i) => {
    addNamespace(n.ns);
    run(["ip", "-n", hub, "link", "add", `p${i}`, "type", "veth", "peer", "name", "eth0", "netns", n.ns]);
    run(["ip", "-n", hub, "link", "set", `p${i}`, "master", "br0"]);
    run(["ip", "-n", hub, "link", "set", `p${i}`, "up"]);
    run(["ip", "-n", n.ns, "link", "set", "lo", "up"]);
    run(["ip", "-n", n.ns, "addr", "add", `${n.ip}/24`, "dev", "eth0"]);
    run(["ip", "-n", n.ns, "link", "set", "eth0", "up"]);
  });
}

/** Starts a node process inside namespace `ns` (env entries set to undefined are removed), logging to `logFile`. */
export function startNodeIn(ns: string, env: Record<string, string | undefined>, logFile: string): Subprocess {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = v;
  const log = openSync(logFile, "a");
  try {
    return Bun.spawn(["ip", "netns", "exec", ns, process.execPath, "src/main.ts", "node"], { cwd: PKG, env: clean, stdout: log, stderr: log });
  } finally {
    closeSync(log);
  }
}
