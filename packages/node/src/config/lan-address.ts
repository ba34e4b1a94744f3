// The address a node binding 0.0.0.0 advertises when ADVERTISE_ADDRESS is not set: its LAN IPv4
// address, so that `BIND_ADDRESS=0.0.0.0` alone is enough for peers (and LAN discovery) to reach it.
import { networkInterfaces, type NetworkInterfaceInfo } from "node:os";

export type Interfaces = Record<string, NetworkInterfaceInfo[] | undefined>;

/** Bridges and tunnels of container runtimes and VPNs: their addresses are rarely what the LAN can reach. */
const VIRTUAL = /^(docker|br-|veth|virbr|cni|flannel|cali|vxlan|weave|podman|lxc|lxd|tun|tap|wg|tailscale|zt)/;

/**
 * The first non-internal, non-link-local IPv4 address, preferring physical-looking interfaces; undefined
 * when there is none (the caller falls back to 127.0.0.1).
 */
export function pickLanAddress(interfaces: Interfaces = networkInterfaces()): string | undefined {
  const candidates: { name: string; address: string }[] = [];
  for (const [name, addrs] of Object.entries(interfaces)) {
    for (const a of addrs ?? []) {
      if (a.family === "IPv4" && !a.internal && !a.address.startsWith("169.254.")) candidates.push({ name, address: a.address });
    }
  }
  return (candidates.find((c) => !VIRTUAL.test(c.name)) ?? candidates[0])?.address;
}
