// What every part of a simulated node shares: the clock, the network, the trace, the timing knobs (the
// real node's defaults), and the switches that deliberately break a rule so tests can see the checker bite.
import type { Hash64 } from "../ring/ring.ts";
import type { EventQueue } from "./event-queue.ts";
import type { SimNetwork } from "./network.ts";
import type { Trace } from "./trace.ts";
import type { NodeProcess } from "./virtual-node.ts";

/**
 * Deliberate bugs, for checking the checker:
 * - `no-placement-check`: ring changes never queue copies for new owners;
 * - `ack-before-quorum`: a write is acknowledged once one copy of each chunk and the local manifest exist;
 * - `no-anti-entropy`: manifests travel only by the writer's push, never by sync rounds.
 */
export const brokenModes = ["no-placement-check", "ack-before-quorum", "no-anti-entropy"] as const;
export type Broken = (typeof brokenModes)[number];

/**
 * Candidate changes to the real rules, tried in the simulator only (the real code is not touched):
 * - `every-holder-feeds`: in the placement check every holder of a chunk queues copies to the new owners,
 *   instead of only the first owner present under every ring (which may not hold the chunk yet).
 */
export const whatIfModes = ["every-holder-feeds"] as const;
export type WhatIf = (typeof whatIfModes)[number];

/** Timing and sizing of one node; defaults mirror config/index.ts and node.ts. */
export interface NodeSettings {
  replicationFactor: number;
  vnodes: number;
  probeIntervalMs: number;
  syncIntervalMs: number;
  /** fetch timeout of one sync page (manifest-replicator.ts). */
  syncTimeoutMs: number;
  pushTimeoutMs: number;
  publishGraceMs: number;
  stragglerGraceMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  queuePollMs: number;
  queueBatchSize: number;
  placementDebounceMs: number;
  /** REBALANCE_GRACE_S: a surplus copy goes (or its owners are fed) this long after it became surplus; < 0 = no sweeper. */
  rebalanceGraceMs: number;
  /** Chunk anti-entropy period (CHUNK_SYNC_INTERVAL_S); 0 turns it off. */
  chunkSyncIntervalMs: number;
  /** A chunk transfer to an unreachable node fails after the connect timeout (transfer/client.ts). */
  transferTimeoutMs: number;
  /** A local chunk write (tmp, fsync, rename) takes this long. */
  localWriteMs: number;
  /** Wall clock of virtual time 0, for the HLC. */
  epochMs: number;
}

export const defaultNodeSettings: NodeSettings = {
  replicationFactor: 3,
  vnodes: 16,
  probeIntervalMs: 1000,
  syncIntervalMs: 5000,
  syncTimeoutMs: 30_000,
  pushTimeoutMs: 5000,
  publishGraceMs: 500,
  stragglerGraceMs: 2000,
  retryBaseMs: 1000,
  retryMaxMs: 60_000,
  queuePollMs: 500,
  queueBatchSize: 64,
  placementDebounceMs: 1000,
  transferTimeoutMs: 5000,
  chunkSyncIntervalMs: 300_000,
  rebalanceGraceMs: 120_000,
  localWriteMs: 1,
  epochMs: 1_700_000_000_000,
};

export interface SimContext {
  readonly events: EventQueue;
  readonly net: SimNetwork;
  readonly trace: Trace;
  readonly settings: NodeSettings;
  readonly hash: Hash64;
  /** Round-trip every message through its wire encoding and schema (slower, stricter). */
  readonly wire: boolean;
  readonly broken: ReadonlySet<Broken>;
  readonly whatIf: ReadonlySet<WhatIf>;
  /** The running process of a node, if any. */
  running(id: string): NodeProcess | undefined;
  /** A promise was settled: the runner lets its continuations run before the next event. */
  markAsync(): void;
}
