// The cluster's shapes: members and the ring, a node's status and health, every member's status, the timeline.
import { z } from "zod";

const int = () => z.number().int();
const stateCounts = z.object({ alive: int(), suspect: int(), dead: int(), left: int() });

export const memberStateSchema = z.enum(["alive", "suspect", "dead", "left"]);
export const roleSchema = z.enum(["storage", "gateway"]).describe("gateway: stores nothing (STORAGE=off), forwards reads and writes");

export const memberSchema = z
  .object({
    id: z.string(),
    host: z.string(),
    httpPort: int(),
    gossipPort: int(),
    transferPort: int(),
    state: memberStateSchema,
    incarnation: int(),
    zone: z.string().nullable(),
    weight: z.number().describe("capacity in GB: the member's ring weight (0 for a gateway)"),
    role: roleSchema,
    full: z.boolean().describe("its store is full: new chunks go to the next members on the ring"),
  })
  .meta({ id: "Member" });

/** A member on the ring as the web UI draws it: positions in 1/units of a turn, clockwise from twelve o'clock. */
export const memberRingSchema = z
  .object({
    id: z.string(),
    onRing: z.boolean().describe("false: off the ring (dead, left, leaving); vnodes and ticks say where its virtual nodes would be"),
    vnodes: int().describe("its virtual nodes"),
    share: z.number().describe("fraction of the keys it is first owner of (0 off the ring); the members' shares sum to 1"),
    arcs: z
      .array(z.tuple([int(), int()]))
      .describe("the ranges it owns first, [start, end) clockwise; end passes units for the range across twelve o'clock. At most 2048 over all members: past that, the circle in 2048 bins, each given to the member owning most of it"),
    ticks: z.array(int()).describe("a sample of its virtual nodes' positions, sorted: about 2048 over all members, each at least one"),
  })
  .meta({ id: "MemberRing" });

export const ringSummarySchema = z
  .object({
    units: int().describe("positions are in 1/units of a turn"),
    vnodes: int().describe("virtual nodes on the ring"),
    members: z.array(memberRingSchema).describe("members on the ring, then those off it that store chunks; gateways are not listed"),
  })
  .meta({ id: "RingSummary" });

export const clusterViewSchema = z
  .object({
    self: z.string(),
    replicationFactor: int(),
    members: z.array(memberSchema),
    ring: ringSummarySchema,
  })
  .meta({ id: "ClusterView" });

export const nodeStatusSchema = z
  .object({
    nodeId: z.string(),
    version: z.string(),
    uptimeSeconds: int(),
    addresses: z.object({ host: z.string(), http: int(), gossip: int(), transfer: int() }),
    replicationFactor: int(),
    effectiveReplicationFactor: int(),
    chunkSize: int().describe("bytes per chunk of new writes"),
    members: stateCounts,
    chunks: z.object({ count: int(), bytes: int() }),
    files: z.object({ files: int(), dirs: int(), tombstones: int(), bytes: int() }),
    disk: z.object({ totalBytes: z.number(), freeBytes: z.number(), usedBytes: z.number() }).describe("the host's file system"),
    storage: z.object({ role: roleSchema, capacityGB: z.number(), full: z.boolean(), headroomBytes: z.number() }),
    queue: z.object({ depth: int(), byTarget: z.record(z.string(), int()) }),
  })
  .meta({ id: "NodeStatus" });

/** The replica census (truthful health): chunks this node reports on, counted against their factor. */
export const replicationCensusSchema = z
  .object({
    factor: int(),
    liveNodes: int(),
    chunks: int(),
    underReplicated: int(),
    missingCopies: int(),
    repairable: int().describe("a live owner lacks a copy: it can be made now (and is queued)"),
    waitingForNodes: int().describe("every live owner holds it: no copy is possible until nodes return or join"),
    byLiveCopies: z.record(z.string(), int()),
    checkedAt: int(),
    stale: z.boolean(),
    unreachable: z.record(z.string(), z.string()),
  })
  .meta({ id: "ReplicationCensus" });

export const workerStatusSchema = z.object({
  name: z.string(),
  state: z.enum(["idle", "busy", "stopped"]),
  passes: int(),
  errors: int(),
  lastPassAt: int().nullable(),
  lastPassMs: z.number().nullable(),
  lastError: z.string().nullable(),
});

/** Repair and rebalance progress, as the node composes it (node.ts); /api/health adds the census total and member counts. */
export const healthDetailSchema = z.object({
  queue: z.object({ depth: int(), chunksWithQueuedCopies: int(), byTarget: z.record(z.string(), int()), delivered: int() }),
  replication: replicationCensusSchema.nullable().describe("null before the first census pass"),
  handoff: z.object({ surplusCopiesWaiting: int(), surplusCopiesDeleted: int(), graceSeconds: z.number() }),
  scrub: z.object({
    passes: int(), checked: int(), corrupt: int(), repaired: int(),
    inlineChecked: int().describe("rows of small files kept inline whose bytes were verified"),
    inlineCorrupt: int(), inlineRepaired: int().describe("damaged inline rows put back from an owner's copy"),
    lastPassStartedAt: int().nullable(), lastPassFinishedAt: int().nullable(),
  }),
  gc: z.object({
    passes: int(),
    skipped: z.string().nullable().describe("why the last pass collected nothing"),
    chunksDeleted: int(),
    tombstonesPurged: int(),
    lastPassAt: int().nullable(),
    pendingChunks: int().nullable().describe("copies no file references, still on disk after the last pass"),
    versionsPruned: int().describe("kept versions removed past KEEP_VERSIONS / KEEP_DAYS"),
    minChunkAgeSeconds: z.number(),
  }),
  antiEntropy: z.object({ rounds: int(), rangesDiffering: int(), copiesQueued: int(), lastRoundAt: int().nullable() }),
  rangeSync: z
    .object({
      passes: int(), arcsCompared: int(), digestCalls: int(), rangesDiffering: int(), keyCalls: int(), keysReceived: int(), rowCalls: int(),
      rowsReceived: int(), rowsApplied: int().describe("rows that won the merge here"),
      bytesSent: int(), bytesReceived: int().describe("JSON bytes of the requests this node sent and of their answers"),
      budgetCuts: int().describe("passes cut short by their budget"),
      rowsScanned: int().describe("rows read from the index to compute range digests (cached per bucket part until a write)"),
      partsComputed: int(), partsCached: int(),
    })
    .describe("manifest range anti-entropy between the co-owners of each arc of the ring"),
  ringSync: z
    .object({
      plans: int(), tasks: int(), open: int().describe("ranges not yet compared with enough of their previous owners"),
      compared: int(), unfinished: int(), announced: int(),
      version: z.string().describe("the current manifest ring's version"),
      synced: z.string().nullable().describe("the version this node's member record announces synced"),
      replacedRings: int().describe("replaced rings still counted for manifest quorums"),
      bySync: int().describe("replaced rings retired once every owner announced the current ring synced"),
      byAge: int().describe("replaced rings let go by age (the valve: an owner never reported)"),
    })
    .optional()
    .describe("ring versions retired by sync (issue 14 step 3); absent from older nodes"),
  faults: z.object({ blockedPeers: z.array(z.string()), gossipDelayMs: int() }).optional().describe("FAULT_INJECTION=true only"),
  workers: z.array(workerStatusSchema),
  resync: z.object({ state: z.string(), completed: int() }),
});

export const healthSchema = healthDetailSchema
  .extend({ nodeId: z.string(), members: stateCounts, underReplicatedChunks: int().nullable().describe("the census's count; null before its first pass") })
  .meta({ id: "Health" });

/** The `health` event of /api/events: this node's health with the member list it sees. */
export const healthEventSchema = healthDetailSchema.extend({ members: z.array(memberSchema) });

export const memberStatusSchema = memberSchema
  .extend({
    status: nodeStatusSchema.nullable().describe("null when the member did not answer"),
    health: healthSchema.nullable(),
    error: z.string().optional().describe("why the member did not answer, in words"),
  })
  .meta({ id: "MemberStatus" });

export const clusterStatusSchema = z.object({ members: z.array(memberStatusSchema) });

export const historyQuery = z.object({
  minutes: z.string().regex(/^\d+$/).optional().describe("the window, 5 to 1440 minutes back from now (default 60)"),
});

export const historyPointSchema = z.object({
  t: int().describe("the step's start, ms since the epoch"),
  writeBps: z.number().describe("bytes per second clients wrote through the nodes over the step"),
  readBps: z.number().describe("bytes per second clients read through the nodes over the step"),
  storedBytes: z.number().describe("chunk bytes the nodes store at the step's end (every copy)"),
  capacityBytes: z.number().describe("what the nodes offer (STORE_QUOTA_MB, CAPACITY_GB, else their disks)"),
  nodes: int().describe("members whose samples made the point"),
});

export const clusterHistorySchema = z.object({
  stepMs: int(),
  points: z.array(historyPointSchema),
  /** Members that did not answer (their figures are missing from the points). */
  missing: z.array(z.string()),
});

export const clusterEventSchema = z
  .object({
    seq: int().describe("counts up on the recording node, across its restarts"),
    at: int(),
    type: z.enum(["join", "alive", "suspect", "dead", "left", "rebalance", "repair"]),
    node: z.string().describe("the node that recorded it"),
    member: z.string().optional(),
    message: z.string(),
    seenBy: z.array(z.string()).optional().describe("in the timeline: every node that reported the same event, when more than one did"),
  })
  .meta({ id: "ClusterEvent" });

export const eventTimelineSchema = z.object({
  events: z.array(clusterEventSchema).describe("oldest first"),
  nodes: z.array(z.string()).optional().describe("whose logs were merged (scope=cluster)"),
  unanswered: z.record(z.string(), z.string()).optional().describe("members asked that did not answer, with the reason"),
});

export const recentEventsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  /** `node`: this node's log alone; `cluster` (the default): every member's that answers, merged. */
  scope: z.enum(["cluster", "node"]).default("cluster"),
});

export type Member = z.output<typeof memberSchema>;
export type MemberState = z.output<typeof memberStateSchema>;
export type MemberRing = z.output<typeof memberRingSchema>;
export type RingSummary = z.output<typeof ringSummarySchema>;
export type ClusterView = z.output<typeof clusterViewSchema>;
export type NodeStatus = z.output<typeof nodeStatusSchema>;
export type ReplicationCensus = z.output<typeof replicationCensusSchema>;
export type HealthDetail = z.output<typeof healthDetailSchema>;
export type Health = z.output<typeof healthSchema>;
export type HealthEvent = z.output<typeof healthEventSchema>;
export type MemberStatus = z.output<typeof memberStatusSchema>;
export type ClusterStatus = z.output<typeof clusterStatusSchema>;
export type ClusterHistory = z.output<typeof clusterHistorySchema>;
export type HistoryPoint = z.output<typeof historyPointSchema>;
export type ClusterEvent = z.output<typeof clusterEventSchema>;
export type ClusterEventType = ClusterEvent["type"];
export type EventTimeline = z.output<typeof eventTimelineSchema>;
