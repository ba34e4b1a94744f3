// Where announcements are sent, and which address a node binding 0.0.0.0 advertises.
import { describe, expect, test } from "bun:test";
import type { NetworkInterfaceInfo } from "node:os";
import { pickLanAddress } from "../config/lan-address.ts";
import { loadConfig } from "../config/index.ts";
import { lanTargets, subnetBroadcast } from "./lan-targets.ts";

const v4 = (address: string, netmask: string, internal = false): NetworkInterfaceInfo => ({
  address,
  netmask,
  family: "IPv4",
  mac: "00:00:00:00:00:00",
  internal,
  cidr: null,
});
const v6: NetworkInterfaceInfo = { address: "fe80::1", netmask: "ffff:ffff:ffff:ffff::", family: "IPv6", mac: "", internal: false, cidr: null, scopeid: 2 };
const host = {
  lo: [v4("127.0.0.1", "255.0.0.0", true)],
  docker0: [v4("172.17.0.1", "255.255.0.0")],
  eth0: [v4("192.168.1.20", "255.255.255.0"), v6],
  wg0: [v4("10.9.0.2", "255.255.255.255")],
};

describe("lanTargets", () => {
  test("subnet broadcast addresses", () => {
    expect(subnetBroadcast("10.77.0.12", "255.255.255.0")).toBe("10.77.0.255");
    expect(subnetBroadcast("172.17.3.4", "255.255.0.0")).toBe("172.17.255.255");
    expect(subnetBroadcast("192.168.1.130", "255.255.255.128")).toBe("192.168.1.255");
  });

  test("a node advertising an interface's address uses that interface only", () => {
    expect(lanTargets("192.168.1.20", host)).toEqual({ multicastInterface: "192.168.1.20", broadcasts: ["192.168.1.255"] });
    expect(lanTargets("10.9.0.2", host)).toEqual({ multicastInterface: "10.9.0.2", broadcasts: [] });
  });

  test("a node advertising a name announces on every LAN interface", () => {
    expect(lanTargets("n1", host)).toEqual({ multicastInterface: undefined, broadcasts: ["172.17.255.255", "192.168.1.255"] });
  });
});

describe("advertised address when binding 0.0.0.0", () => {
  test("the LAN address, preferring physical interfaces, skipping link-local", () => {
    expect(pickLanAddress(host)).toBe("192.168.1.20");
    expect(pickLanAddress({ lo: host.lo, docker0: host.docker0 })).toBe("172.17.0.1");
    expect(pickLanAddress({ lo: host.lo, eth0: [v4("169.254.3.4", "255.255.0.0")] })).toBeUndefined();
  });

  test("config: explicit ADVERTISE_ADDRESS wins; a specific bind address is advertised; loopback fallback", () => {
    const lan = () => "192.168.1.20";
    expect(loadConfig({ BIND_ADDRESS: "0.0.0.0" }, [], lan).advertise).toBe("192.168.1.20");
    expect(loadConfig({ BIND_ADDRESS: "0.0.0.0", ADVERTISE_ADDRESS: "n1" }, [], lan).advertise).toBe("n1");
    expect(loadConfig({ BIND_ADDRESS: "10.0.0.5" }, [], lan).advertise).toBe("10.0.0.5");
    expect(loadConfig({ BIND_ADDRESS: "0.0.0.0" }, [], () => undefined).advertise).toBe("127.0.0.1");
    expect(loadConfig({}, [], lan).advertise).toBe("127.0.0.1");
  });

  test("config: discovery settings and their validation", () => {
    const c = loadConfig({});
    expect([c.CLUSTER_NAME, c.DISCOVERY, c.DISCOVERY_PORT, c.DISCOVERY_GROUP]).toEqual(["orrery", "auto", 4007, "239.255.77.77"]);
    const d = loadConfig({ CLUSTER_NAME: "attic-1", DISCOVERY: "off" }, ["--discovery-port", "5353", "--discovery-group", "239.1.2.3"]);
    expect([d.CLUSTER_NAME, d.DISCOVERY, d.DISCOVERY_PORT, d.DISCOVERY_GROUP]).toEqual(["attic-1", "off", 5353, "239.1.2.3"]);
    for (const [name, value] of [
      ["CLUSTER_NAME", "two words"],
      ["DISCOVERY", "on"],
      ["DISCOVERY_PORT", "0"],
      ["DISCOVERY_GROUP", "10.0.0.1"],
      ["DISCOVERY_GROUP", "239.1.2.256"],
    ]) {
      expect(() => loadConfig({ [name!]: value })).toThrow(name);
    }
  });
});
