// What every part of a simulated cluster shares: the clock, the network, the trace, the settings (the real
// node's config defaults, with the simulator's smaller chunks), and the switches that put an old rule back
// on purpose so that tests can see the checker bite.
import type { CoreConfig } from "../node-core.ts";
import type { Hash64 } from "../ring/ring.ts";
import type { MemoryNetwork } from "../rpc/memory-rpc.ts";
import { DEFAULT_RPC_TIMEOUTS, type RpcTimeouts } from "../rpc/peer-rpc.ts";
import type { EventQueue } from "./event-queue.ts";
import type { MembershipViews } from "./membership-views.ts";
import type { SimNetwork } from "./network.ts";
import type { Trace } from "./trace.ts";
import type { NodeProcess } from "./virtual-node.ts";

/**
 * Old or broken rules, each swapped in by the simulator's composition (the node's code is not touched), for
 * checking that the scenarios and invariants catch them:
 * - `no-placement-check`: ring changes never queue copies for new owners;
 * - `no-anti-entropy`: manifests travel only by the writer's push, never by sync rounds;
 * - `no-clock-rules`: versions as before the consistency work: a push's answer claims the pushed versions won
 *   (writes counted acks whatever version the replica kept), no clock watch, remote versions of any age taken;
 * - `local-reads`: reads answer from the node's own rows (no read quorum, also before its first sync);
 * - `no-hedge`: a remote chunk read waits for its holder until the request timeout before asking the next;
 * - `local-cas`: a conditional write checks its precondition on the node's own rows (no Paxos round);
 * - `no-readable-check`: a read opens its stream without first knowing a live holder of every chunk.
 * - `no-tree-rule`: the tree invariant checks the raw rows (a deleted folder counts as gone even with live files below).
 * - `no-folder-factors`: folder replication factors in the settings are ignored (every chunk at the cluster's).
 * - `no-versions`: a write keeps one version per file (the newest), as a single "previous version" slot would.
 * - `no-gossip`: membership news rides on no message (no piggy-backing, no gossip fan-out): it spreads only
 *   by each node's own probes and the periodic full state exchange, as in heartbeat-style membership.
 * - `fresh-decided-version`: a conditional write commits its decided value at a fresh version (stamped again
 *   above any newer row a replica holds), not at the decided one: a proposer that applies its decision late
 *   overwrites a later decision built on it.
 * - `restamp-parents`: the folder rows a write adds for its file's parents are not marked as such, so a
 *   replica's newer live row of the folder is a conflict and the write re-stamps it.
 * - `any-peer-joins`: a node with seeds counts itself joined once any peer is alive (no join gate), so two
 *   newcomers cut off from their cluster serve as a cluster of their own.
 * - `fresh-stale-version`: a decision found accepted but never applied is applied at a fresh version of the
 *   node applying it (not at its decided time), so a node whose clock runs ahead overwrites a later decision.
 * - `local-walks`: a folder's move (and a recursive delete) walks the subtree from the node's own rows, without
 *   reading each folder from its manifest owners first.
 * - `no-census`: the replica census does not run (as the simulator ran it before seed 214): a copy that no ring
 *   change reveals waits for chunk anti-entropy.
 * - `one-way-clock`: the clock watch takes a peer's largest recent one-way sample as its clock (no round trips):
 *   a node whose loop runs behind reads every datagram late and takes its peers' clocks for behind.
 */
export const brokenModes = ["no-placement-check", "no-anti-entropy", "no-clock-rules", "local-reads", "no-hedge", "local-cas", "no-tree-rule", "no-readable-check", "no-folder-factors", "no-versions", "no-gossip", "fresh-decided-version", "restamp-parents", "any-peer-joins", "fresh-stale-version", "local-walks", "local-search", "no-census", "one-way-clock"] as const;
export type Broken = (typeof brokenModes)[number];

export interface SimSettings {
  /** The real node's config for the storage core (config/index.ts defaults, small chunks). */
  core: CoreConfig;
  replicationFactor: number;
  vnodes: number;
  probeIntervalMs: number;
  timeouts: RpcTimeouts;
  maxClockOffsetMs: number;
  /** Wall clock of virtual time 0. */
  epochMs: number;
  /** Turn the backstops off (both on by default, as in the node). */
  sweeper: boolean;
  chunkSync: boolean;
}

/** Small chunks: files of 1-4 chunks stay a few hundred bytes, so thousands of writes cost little. */
export const SIM_CHUNK_SIZE = 64;

export const defaultSettings: SimSettings = {
  core: {
    chunkSize: SIM_CHUNK_SIZE,
    QUEUE_RETRY_BASE_MS: 1000,
    QUEUE_RETRY_MAX_MS: 60_000,
    REBALANCE_BANDWIDTH_MBPS: 50,
    REBALANCE_GRACE_S: 120,
    SYNC_INTERVAL_MS: 5000,
    RANGE_SYNC_INTERVAL_MS: 10_000,
    MANIFEST_DELTA_SYNC: "on",
    SCRUB_PAUSE_S: 3600,
    SCRUB_BANDWIDTH_MBPS: 20,
    CHUNK_SYNC_INTERVAL_S: 300,
    GC_INTERVAL_S: 600,
    GC_MIN_CHUNK_AGE_S: 86_400,
    GC_MIN_TOMBSTONE_AGE_S: 86_400,
    KEEP_VERSIONS: 0,
    KEEP_DAYS: 0,
    REPLICATION_FACTOR: 3,
    RING_SETTLE_S: 30,
    UPLOAD_MEMORY_MB: 32,
  },
  replicationFactor: 3,
  vnodes: 16,
  probeIntervalMs: 1000,
  timeouts: DEFAULT_RPC_TIMEOUTS,
  maxClockOffsetMs: 500,
  epochMs: 1_700_000_000_000,
  sweeper: true,
  chunkSync: true,
};

export interface SimContext {
  readonly events: EventQueue;
  readonly net: SimNetwork;
  /** The peer RPC between processes, over `net`. */
  readonly rpcNet: MemoryNetwork;
  readonly trace: Trace;
  readonly settings: SimSettings;
  readonly hash: Hash64;
  /** Round-trip every gossip datagram through its wire encoding (RPC calls always go through JSON and zod). */
  readonly wire: boolean;
  readonly broken: ReadonlySet<Broken>;
  /** Every running process's membership view against the truth (who runs). */
  readonly views: MembershipViews;
  /** The running process of a node, if any. */
  running(id: string): NodeProcess | undefined;
}
