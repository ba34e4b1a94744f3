// Zero-config LAN discovery: with no SEEDS, nodes of the same CLUSTER_NAME find each other by UDP
// multicast/broadcast announcements. Sits above membership: it only tells membership whom to contact.
import type { Config } from "../config/index.ts";
import type { Logger } from "../log.ts";
import type { Membership } from "../membership/membership.ts";
import type { DatagramSeal } from "../security/datagram-seal.ts";
import { LanDiscovery } from "./lan-discovery.ts";
import { isLoopbackHost } from "./verdict.ts";

export * from "./announcement.ts";
export { nextAnnouncementDelay } from "./announce-schedule.ts";
export { JoinLimiter, type JoinLimiterInit } from "./join-limiter.ts";
export { lanTargets, subnetBroadcast, type LanTargets } from "./lan-targets.ts";
export { isLoopbackHost, judgeAnnouncement, type KnownMember, type Verdict, type VerdictContext } from "./verdict.ts";
export { LanDiscovery, type LanDiscoveryComponents, type LanDiscoveryInit, type LanDiscoveryStats } from "./lan-discovery.ts";

export type DiscoveryMode = { enabled: true } | { enabled: false; reason: string };

/**
 * DISCOVERY=auto runs discovery when no SEEDS are given and the node advertises an address other hosts
 * can reach: a node on loopback (the default BIND_ADDRESS) could not be joined by anything it found.
 */
export function discoveryMode(c: Pick<Config, "DISCOVERY" | "SEEDS" | "advertise">): DiscoveryMode {
  if (c.DISCOVERY === "off") return { enabled: false, reason: "DISCOVERY=off" };
  if (c.SEEDS.length > 0) return { enabled: false, reason: "SEEDS are set" };
  if (isLoopbackHost(c.advertise)) {
    return { enabled: false, reason: "the node advertises a loopback address (set BIND_ADDRESS=0.0.0.0 to be found on the LAN)" };
  }
  return { enabled: true };
}

/**
 * Starts discovery for a node whose membership is running, or returns undefined when it is off or its
 * port cannot be bound: discovery is a convenience, so a node without it still starts (and says why).
 */
export async function startLanDiscovery(
  config: Config,
  membership: Membership,
  seal: DatagramSeal,
  log: Logger,
): Promise<LanDiscovery | undefined> {
  const mode = discoveryMode(config);
  if (!mode.enabled) {
    log.info("LAN discovery off", { reason: mode.reason });
    return undefined;
  }
  const self = membership.self();
  try {
    const discovery = new LanDiscovery(
      {
        cluster: config.CLUSTER_NAME,
        self: { id: self.id, host: self.host, gossipPort: self.gossipPort, httpPort: self.httpPort },
        port: config.DISCOVERY_PORT,
        group: config.DISCOVERY_GROUP,
      },
      { members: () => membership.members(), join: (address) => membership.join(address), seal, log },
    );
    await discovery.start();
    return discovery;
  } catch (err) {
    log.warn("LAN discovery unavailable; join with SEEDS instead", { err });
    return undefined;
  }
}
