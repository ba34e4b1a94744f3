// LAN discovery as the node runs it: one UDP socket on the discovery port, joined to a multicast group,
// that announces this node now and every few seconds, and hands every node of the same cluster that
// membership does not know yet to membership to join. The rules live in the pure modules beside it.
// Announcements are sealed with the cluster key (security/datagram-seal.ts): one that does not verify is
// never parsed, so nobody without the key can make a node contact an address.
import dgram from "node:dgram";
import { networkInterfaces } from "node:os";
import { formatAddress } from "../membership/address.ts";
import { logger, type Logger } from "../log.ts";
import type { DatagramSeal } from "../security/datagram-seal.ts";
import { nextAnnouncementDelay } from "./announce-schedule.ts";
import { decodeAnnouncement, encodeAnnouncement, looksLikeAnnouncement, type Announcement } from "./announcement.ts";
import { JoinLimiter } from "./join-limiter.ts";
import { lanTargets, type Interfaces } from "./lan-targets.ts";
import { judgeAnnouncement, type KnownMember } from "./verdict.ts";

export interface LanDiscoveryInit {
  cluster: string;
  /** This node as announced: its advertised host and gossip port are what listeners join. */
  self: { id: string; host: string; gossipPort: number; httpPort: number };
  /** UDP port every node of the LAN listens and announces on. */
  port: number;
  /** IPv4 multicast group, e.g. 239.255.77.77. */
  group: string;
  /** Announcement period once the start-up burst is over (jittered ±25%). */
  intervalMs?: number;
}

export interface LanDiscoveryComponents {
  /** What membership knows now. */
  members: () => readonly KnownMember[];
  /** Makes membership contact a gossip address ("host:port"). */
  join: (address: string) => void;
  /** Authenticates announcements with the cluster key (discovery purpose). */
  seal: DatagramSeal;
  log?: Logger;
  now?: () => number;
  random?: () => number;
  interfaces?: () => Interfaces;
}

export interface LanDiscoveryStats {
  announced: number;
  heard: number;
  joined: number;
  malformed: number;
  /** Datagrams on the port that did not verify under our keys (another cluster key, no key, replays). */
  unauthenticated: number;
}

const DEFAULT_INTERVAL_MS = 5000;
/** Per-reason log lines are remembered up to this many keys (cluster names, node ids). */
const MAX_LOGGED_KEYS = 64;

export class LanDiscovery {
  readonly stats: LanDiscoveryStats = { announced: 0, heard: 0, joined: 0, malformed: 0, unauthenticated: 0 };
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly interfaces: () => Interfaces;
  private readonly intervalMs: number;
  private readonly limiter: JoinLimiter;
  private readonly announcement: Uint8Array;
  private readonly logged = new Set<string>();
  private socket: dgram.Socket | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private multicast = false;

  constructor(
    private readonly init: LanDiscoveryInit,
    private readonly components: LanDiscoveryComponents,
  ) {
    this.log = components.log ?? logger("discovery");
    this.now = components.now ?? Date.now;
    this.random = components.random ?? Math.random;
    this.interfaces = components.interfaces ?? networkInterfaces;
    this.intervalMs = init.intervalMs ?? DEFAULT_INTERVAL_MS;
    // Twice the interval: a node is contacted again only if a join exchange plus an announcement passed
    // without membership learning it (a lost datagram), not on every announcement.
    this.limiter = new JoinLimiter({ cooldownMs: 2 * this.intervalMs, burst: 16, perSecond: 4 }, this.now);
    const { id, host, gossipPort, httpPort } = init.self;
    this.announcement = encodeAnnouncement({ cluster: init.cluster, id, host, gossipPort, httpPort });
  }

  /** Binds the discovery port (shared: several nodes on one host may listen), then announces. */
  async start(): Promise<void> {
    if (this.socket) throw new Error("discovery already started");
    const { port, group } = this.init;
    // Bound to every interface: a socket bound to one address does not receive broadcasts or multicast.
    const socket = dgram.createSocket({ type: "udp4", reuseAddr: true });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        socket.close();
        reject(new Error(`cannot bind discovery port ${port}: ${err.code ?? err.message}`));
      };
      socket.once("error", onError);
      socket.bind(port, "0.0.0.0", () => {
        socket.off("error", onError);
        resolve();
      });
    });
    socket.on("error", (err) => this.log.warn("discovery socket error", { err }));
    socket.on("message", (buf, rinfo) => this.onDatagram(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), rinfo.address));
    socket.setBroadcast(true);
    const { multicastInterface } = lanTargets(this.init.self.host, this.interfaces());
    try {
      socket.setMulticastTTL(1); // the LAN only, never routed
      socket.setMulticastLoopback(true); // other nodes on this host hear us too
      if (multicastInterface) socket.setMulticastInterface(multicastInterface);
      if (multicastInterface) socket.addMembership(group, multicastInterface);
      else socket.addMembership(group);
      this.multicast = true;
    } catch (err) {
      this.log.warn("multicast unavailable, announcing by broadcast only", { group, err });
    }
    this.socket = socket;
    this.log.info("LAN discovery started", {
      cluster: this.init.cluster,
      port,
      group: this.multicast ? group : undefined,
      announce: formatAddress(this.init.self.host, this.init.self.gossipPort),
    });
    this.announce(0);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  private announce(sent: number): void {
    const socket = this.socket;
    if (!socket) return;
    // Scheduled first, so a failing send cannot end the announcements.
    this.timer = setTimeout(() => this.announce(sent + 1), nextAnnouncementDelay(sent, this.intervalMs, this.random));
    const { port, group } = this.init;
    try {
      // Recomputed every time: a DHCP lease or a new interface changes the broadcast addresses.
      const targets = [...(this.multicast ? [group] : []), ...lanTargets(this.init.self.host, this.interfaces()).broadcasts];
      for (const host of targets) {
        // Sealed per send: the seal carries a fresh timestamp and nonce.
        socket.send(this.components.seal.seal(this.announcement), port, host, (err) => {
          if (err) this.log.debug("discovery announcement not sent", { to: host, err });
        });
      }
      this.stats.announced++;
    } catch (err) {
      this.log.warn("discovery announcement failed", { err });
    }
  }

  private onDatagram(bytes: Uint8Array, sourceHost: string): void {
    if (!this.socket) return;
    const parsed: { announcement?: Announcement; problem?: unknown } = {};
    const opened = this.components.seal.open(bytes, (payload) => {
      if (!looksLikeAnnouncement(payload)) return false;
      try {
        parsed.announcement = decodeAnnouncement(payload);
        return true;
      } catch (err) {
        parsed.problem = err;
        return false;
      }
    });
    if (!opened.ok && opened.reason === "malformed") {
      this.stats.malformed++;
      this.logOnce(`malformed:${sourceHost}`, () => this.log.warn("dropped malformed discovery announcement", { from: sourceHost, err: parsed.problem }));
      return;
    }
    if (!opened.ok) {
      // Someone else's protocol on our port is not ours to judge or log; a node with another key is.
      if (opened.reason === "magic" || opened.reason === "short") {
        if (looksLikeAnnouncement(bytes)) {
          this.stats.unauthenticated++;
          this.logOnce(`plain:${sourceHost}`, () => this.log.warn("ignoring an unauthenticated announcement (a node without a cluster key, or an older version)", { from: sourceHost }));
        }
        return;
      }
      this.stats.unauthenticated++;
      if (opened.reason === "unknown_key") {
        this.logOnce(`key:${sourceHost}:${opened.keyId}`, () =>
          this.log.warn("ignoring a node on the LAN that uses another cluster key", { from: sourceHost, keyId: opened.keyId }),
        );
      }
      return;
    }
    const a = parsed.announcement!;
    this.stats.heard++;
    const verdict = judgeAnnouncement(a, {
      selfId: this.init.self.id,
      selfAddress: formatAddress(this.init.self.host, this.init.self.gossipPort),
      cluster: this.init.cluster,
      sourceHost,
      members: this.components.members(),
    });
    if (verdict.act === "join") {
      if (!this.limiter.allow(a.id, verdict.address)) return;
      this.stats.joined++;
      this.log.info("found a node on the LAN, joining it", { peer: a.id, gossip: verdict.address, httpPort: a.httpPort, from: sourceHost });
      try {
        this.components.join(verdict.address);
      } catch (err) {
        this.log.warn("cannot join discovered node", { peer: a.id, gossip: verdict.address, err });
      }
    } else if (verdict.reason === "other-cluster") {
      this.logOnce(`cluster:${a.cluster}`, () =>
        this.log.info("ignoring nodes of another cluster", { cluster: a.cluster, peer: a.id, from: sourceHost, ours: this.init.cluster }),
      );
    } else if (verdict.reason === "duplicate-id") {
      this.logOnce(`duplicate:${a.host}:${a.gossipPort}`, () =>
        this.log.warn("another node on the LAN uses this node's id; give one of them a new NODE_ID or data dir", {
          gossip: formatAddress(a.host, a.gossipPort),
          from: sourceHost,
        }),
      );
    } else if (verdict.reason === "loopback") {
      this.logOnce(`loopback:${a.id}`, () =>
        this.log.warn("a node on the LAN advertises a loopback address; set its ADVERTISE_ADDRESS", { peer: a.id, from: sourceHost }),
      );
    }
  }

  /** Logs a line once per key (a bounded set), so repeated announcements do not repeat it. */
  private logOnce(key: string, write: () => void): void {
    if (this.logged.has(key)) return;
    if (this.logged.size >= MAX_LOGGED_KEYS) this.logged.clear();
    this.logged.add(key);
    write();
  }
}
