// Where announcements go: the multicast group, plus the subnet broadcast address of the interface the
// node advertises (or of every LAN interface when it advertises a name), as a fallback for networks
// that drop multicast (some Wi-Fi access points, switches with IGMP snooping and no querier).
import type { NetworkInterfaceInfo } from "node:os";

export type Interfaces = Record<string, NetworkInterfaceInfo[] | undefined>;

export interface LanTargets {
  /** Local IPv4 address to send multicast from and join the group on; undefined = the OS's choice. */
  multicastInterface: string | undefined;
  /** Subnet broadcast addresses, e.g. 192.168.1.255. */
  broadcasts: string[];
}

const toInt = (ip: string) => ip.split(".").reduce((n, part) => ((n << 8) | Number(part)) >>> 0, 0);
const toIp = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");

/** 10.77.0.12 with 255.255.255.0 → 10.77.0.255. */
export function subnetBroadcast(address: string, netmask: string): string {
  return toIp((toInt(address) | ~toInt(netmask)) >>> 0);
}

export function lanTargets(advertise: string, interfaces: Interfaces): LanTargets {
  const v4 = Object.values(interfaces)
    .flatMap((addrs) => addrs ?? [])
    .filter((a) => a.family === "IPv4");
  const own = v4.find((a) => a.address === advertise);
  // A /32 (point-to-point) has no broadcast address worth sending to.
  const usable = (a: NetworkInterfaceInfo) => a.netmask !== "255.255.255.255";
  if (own) return { multicastInterface: own.address, broadcasts: usable(own) ? [subnetBroadcast(own.address, own.netmask)] : [] };
  const lan = v4.filter((a) => !a.internal && usable(a));
  return { multicastInterface: undefined, broadcasts: [...new Set(lan.map((a) => subnetBroadcast(a.address, a.netmask)))] };
}
