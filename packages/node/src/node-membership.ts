// The membership part of the composition root (node.ts): whom the node remembers, its own record, whether it
// has reached its cluster (membership/join-gate.ts), the clock watch that judges peers' clocks, and the
// service that keeps the peers table, the join gate and the rest of the node in step with member changes.
import type { Database } from "bun:sqlite";
import type { Config } from "./config/index.ts";
import type { Logger } from "./log.ts";
import { formatAddress } from "./membership/address.ts";
import { ClockWatch } from "./membership/clock-watch.ts";
import { JoinGate, joinedBefore, mayCountPeers } from "./membership/join-gate.ts";
import { Membership } from "./membership/membership.ts";
import type { PingMessage, AckMessage } from "./membership/messages.ts";
import { seedAddresses, watchSeedNames } from "./membership/seed-addresses.ts";
import type { MemberChange, MemberInfo } from "./membership/types.ts";
import type { PeerRpc } from "./rpc/peer-rpc.ts";
import type { DatagramSeal } from "./security/datagram-seal.ts";
import { loadPeers, savePeer } from "./store/peers.ts";
import type { Timer } from "./util/clock.ts";
import { coalesce } from "./util/coalesce.ts";

export interface NodeMembershipInit {
  config: Pick<Config, "advertise" | "SEEDS" | "GOSSIP_PORT" | "HTTP_PORT" | "TRANSFER_PORT" | "ZONE" | "BIND_ADDRESS" | "GOSSIP_INTERVAL_MS" | "CLUSTER_NAME" | "MAX_MEMBERS" | "DEAD_MEMBER_TIMEOUT" | "MAX_CLOCK_OFFSET_MS">;
  db: Database;
  selfId: string;
  /** This node's ring weight and whether its store is full, as it starts. */
  self: Pick<MemberInfo, "weight" | "full">;
  seal: DatagramSeal;
  rpc: PeerRpc;
  logger: (component: string) => Logger;
  /** The gossip timer (on time; the node's CoalescingClock.exact, so background timers ride on it). */
  timer?: (ms: number, fn: () => void) => Timer;
}

/** What the rest of the node hears of member changes (see NodeMembership.start). */
export interface MemberHooks {
  /** Each change as it happens (the peers table is already written). */
  changed(change: MemberChange): void;
  /** The changes of one turn together, after the join gate looked at them (a push-pull brings a hundred). */
  settled(changes: MemberChange[]): void;
}

export class NodeMembership {
  readonly membership: Membership;
  /** Judges peers' clocks from their datagrams (only members' count). */
  readonly clock: ClockWatch;
  /** Join targets: SEEDS and the remembered peers' addresses, this node's own left out. */
  readonly seeds: string[];
  /** This node left the cluster before (a graceful leave) and came back: its rows may predate collected tombstones. */
  readonly leftBefore: boolean;
  private stopSeedWatch = () => {};

  private constructor(
    private readonly init: NodeMembershipInit,
    private readonly gate: JoinGate,
  ) {
    const { config, db, selfId, logger } = init;
    const remembered = loadPeers(db);
    const known = remembered.filter((m) => m.id !== selfId);
    this.leftBefore = remembered.some((m) => m.id === selfId && m.state === "left");
    const selfAddr = formatAddress(config.advertise, config.GOSSIP_PORT);
    this.seeds = [...new Set([...config.SEEDS, ...known.map((m) => formatAddress(m.host, m.gossipPort))])].filter((a) => a !== selfAddr);
    const self: MemberInfo = {
      id: selfId,
      host: config.advertise,
      gossipPort: config.GOSSIP_PORT,
      httpPort: config.HTTP_PORT,
      transferPort: config.TRANSFER_PORT,
      zone: config.ZONE,
      weight: init.self.weight,
      ...(init.self.full ? { full: true } : {}),
      ...(gate.founding ? { joining: gate.founding } : {}),
    };
    // Sources are checked against membership lazily (membership is built next).
    this.clock = new ClockWatch(config.MAX_CLOCK_OFFSET_MS, Date.now, (source) => this.membership.isMemberAddress(source));
    this.membership = new Membership(
      {
        self,
        bindHost: config.BIND_ADDRESS,
        seeds: this.seeds,
        probeIntervalMs: config.GOSSIP_INTERVAL_MS,
        knownMembers: known,
        cluster: config.CLUSTER_NAME,
        maxMembers: config.MAX_MEMBERS,
        swim: { deadForgetMs: config.DEAD_MEMBER_TIMEOUT },
      },
      {
        log: logger("membership"),
        seal: init.seal,
        clock: this.clock,
        // memberlist's TCP fallback probe, over the authenticated peer connection (partitions apply to it too).
        streamPing: (memberId, ping: PingMessage, timeoutMs) => init.rpc.call(memberId, "swim.ping", ping, { timeoutMs }) as Promise<AckMessage>,
        timer: init.timer,
      },
    );
  }

  /** Builds it; seed names are looked up first (the join gate matches seeds by the addresses members announce). */
  static async create(init: NodeMembershipInit): Promise<NodeMembership> {
    const log = init.logger("node");
    const gate = new JoinGate({
      self: formatAddress(init.config.advertise, init.config.GOSSIP_PORT),
      seeds: await seedAddresses(init.config.SEEDS, (seed, err) => log.warn("cannot resolve seed; matching it by name only", { seed, err })),
      joinedBefore: joinedBefore(loadPeers(init.db), init.selfId),
    });
    return new NodeMembership(init, gate);
  }

  /** Whether this node may count its peers toward a quorum (join-gate.ts mayCountPeers). */
  joined(): boolean {
    return mayCountPeers(this.gate, this.seeds.length > 0, this.membership.members(), this.init.selfId);
  }

  async start(hooks: MemberHooks): Promise<void> {
    const { membership, gate } = this;
    const log = this.init.logger("node");
    // The changes of one turn rebuild the ring once (util/coalesce.ts).
    const settled = coalesce<MemberChange>(
      (changes) => {
        if (gate.observe(membership.members())) {
          log.info("reached the cluster: counting peers toward quorums now");
          membership.updateSelf({ joining: undefined });
        }
        hooks.settled(changes);
      },
      (err) => log.error("applying member changes failed", { err }),
    );
    membership.onChange((change) => {
      savePeer(this.init.db, change.member);
      hooks.changed(change);
      settled(change);
    });
    await membership.start();
    this.stopSeedWatch = watchSeedNames(this.init.config.SEEDS, {
      intervalMs: 2000,
      joined: () => gate.reached,
      changed: (addresses) => {
        if (gate.setSeeds(addresses)) membership.updateSelf({ joining: gate.founding });
      },
      onError: (seed, err) => log.debug("seed name not resolved yet", { seed, err }),
    });
  }

  stop(leave: boolean): Promise<void> | void {
    this.stopSeedWatch();
    return leave ? this.membership.leave() : this.membership.stop();
  }
}
