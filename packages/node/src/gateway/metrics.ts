// Prometheus metrics (GET /metrics): the node's storage, membership and repair figures, read at scrape time,
// plus request counts and latencies and prom-client's process metrics (RSS, CPU, event-loop lag).
import type { MiddlewareHandler } from "hono";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { ManifestStats } from "../metadata/manifest-store.ts";
import type { Member, MemberState } from "../membership/types.ts";
import type { AntiEntropyStats } from "../replication/chunk-anti-entropy.ts";
import type { GcStats } from "../replication/garbage-collector.ts";
import type { ReplicationCensus } from "../replication/replica-census.ts";
import type { ScrubStats } from "../replication/scrubber.ts";

/** Where the figures come from; every function is called once per scrape. */
export interface NodeMetricsSources {
  nodeId: string;
  version: string;
  members: () => Member[];
  /** Lifeguard's local health score of the gossip layer. */
  gossipHealth: () => number;
  /** How this node's gossip probes ended: answered directly, via a helper, over TCP; failed; abandoned. */
  gossipProbes?: () => Record<string, number>;
  peerCalls?: () => { calls: Record<string, number>; answerBytes?: Record<string, number>; connectionsOpened: number };
  /** Owners quorum reads asked beyond the first ones they needed (a failure, or the hedge delay passed). */
  readExtraCalls?: () => Record<"rows" | "pages", number>;
  gossipTraffic?: () => { datagrams: ReadonlyMap<string, number>; bytes: ReadonlyMap<string, number> };
  /** Median over peers of their clock minus this node's (ms); undefined while no peer gave an estimate. */
  clockOffsetMs?: () => number | undefined;
  /** Peers heard by the clock watch, and how many of them gave an estimate (membership/clock-watch.ts). */
  clockPeers?: () => { heard: number; judged: number };
  chunks: () => { count: number; bytes: number };
  files: () => ManifestStats;
  disk: () => { totalBytes: number; freeBytes: number };
  /** Separate readers: the first two are SQL counts, and each gauge needs only its own. */
  queue: { depth: () => number; chunksPending: () => number; delivered: () => number };
  handoff: () => { surplusCopiesWaiting: number; surplusCopiesDeleted: number };
  scrub: () => ScrubStats;
  gc: () => GcStats;
  antiEntropy: () => AntiEntropyStats;
  /** Replaced manifest rings still counted, and how many were let go by their owners' trackers or by age (ring-history.ts). */
  rings?: () => { replaced: number; retiredBySync: number; retiredByAge: number };
  /** The replica census (truthful under-replication); undefined before its first pass. */
  census?: () => ReplicationCensus | undefined;
  /** What the cluster key kept out, and the chunk bytes that crossed the transfer layer. */
  security?: () => SecurityStats;
}

export interface SecurityStats {
  gossipRejected: Record<string, number>;
  discoveryRejected: number;
  handshakesFailed: Record<string, number>;
  chunkBytes: { in: number; out: number };
  claimsIgnored: Record<string, number>;
}

const STATES: MemberState[] = ["alive", "suspect", "dead", "left"];
/** Methods worth a label of their own; anything else a client invents is "other", so labels stay few. */
const METHODS = new Set(["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK"]);

/** Which interface a request used: a label with a handful of values, never the path itself. */
export function interfaceOf(path: string): string {
  if (path.startsWith("/api/files")) return "files";
  if (path === "/dav" || path.startsWith("/dav/")) return "webdav";
  if (path.startsWith("/api/")) return "api";
  if (path === "/status" || path === "/metrics") return "status";
  return "ui";
}

/** How often the event-loop delay histogram samples (ms); see the constructor. */
export const EVENT_LOOP_PRECISION_MS = 1000;

export class NodeMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<"interface" | "method" | "status">;
  private readonly duration: Histogram<"interface" | "method">;

  constructor(src: NodeMetricsSources) {
    const registers = [this.registry];
    // The event-loop delay monitor samples at its precision: prom-client's default of 10 ms woke an idle node
    // ~90 times a second (strace: epoll every ~10 ms), about half of its idle CPU, which a hundred nodes on
    // one host could not afford. One sample a second still shows a stalled loop.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_PRECISION_MS });
    // A gauge whose value (or values, per label set) is read from `read` at every scrape.
    const gauge = (name: string, help: string, read: (g: Gauge) => void, labelNames: string[] = []) =>
      new Gauge({ name, help, labelNames, registers, collect() { this.reset(); read(this); } });
    // A counter that mirrors a running total kept elsewhere.
    const total = (name: string, help: string, read: () => number) =>
      new Counter({ name, help, registers, collect() { this.reset(); this.inc(read()); } });
    // The same, one series per key of the record `read` returns.
    const totals = (name: string, help: string, label: string, read: () => Record<string, number>) =>
      new Counter({ name, help, labelNames: [label], registers, collect() {
        this.reset();
        for (const [key, value] of Object.entries(read())) this.inc({ [label]: key }, value);
      } });
    const security = src.security;
    if (security) {
      totals("orrery_gossip_datagrams_rejected_total", "Gossip datagrams dropped unread: no valid cluster-key MAC, stale, or replayed.", "reason", () =>
        security().gossipRejected);
      total("orrery_discovery_announcements_rejected_total", "LAN announcements that did not verify under this node's keys.", () =>
        security().discoveryRejected);
      totals("orrery_peer_handshakes_failed_total", "Node-to-node connections that failed the cluster-key handshake.", "reason", () =>
        security().handshakesFailed);
      totals("orrery_peer_chunk_bytes_total", "Chunk payload bytes this node exchanged with peers.", "direction", () =>
        security().chunkBytes);
      totals("orrery_gossip_claims_ignored_total", "Membership claims ignored by rule: incarnation bound, address changes by others, table full.", "rule", () =>
        security().claimsIgnored);
    }

    gauge("orrery_node_info", "Constant 1, labelled with the node's id and version.", (g) =>
      g.set({ node_id: src.nodeId, version: src.version }, 1), ["node_id", "version"]);
    gauge("orrery_members", "Cluster members by state, as this node sees them.", (g) => {
      const members = src.members();
      for (const state of STATES) g.set({ state }, members.filter((m) => m.state === state).length);
    }, ["state"]);
    gauge("orrery_gossip_health_score", "Lifeguard local health: 0 healthy; n stretches the probe period n+1 times.", (g) =>
      g.set(src.gossipHealth()));
    const probes = src.gossipProbes;
    if (probes) {
      totals("orrery_gossip_probes_total", "Failure-detector probes by outcome: answered direct, indirect or over TCP; failed (suspect); abandoned (this node was stalled).", "result", probes);
    }
    const traffic = src.gossipTraffic;
    if (traffic) {
      new Counter({ name: "orrery_gossip_datagrams_total", help: "Authenticated gossip datagrams by direction and message type.", labelNames: ["direction", "type"], registers, collect() {
        this.reset();
        for (const [key, n] of traffic().datagrams) {
          const [direction, type] = key.split(" ");
          this.inc({ direction, type }, n);
        }
      } });
      totals("orrery_gossip_bytes_total", "Bytes of authenticated gossip datagrams, sealed, by direction.", "direction", () => Object.fromEntries(traffic().bytes));
    }
    const peerCalls = src.peerCalls;
    if (peerCalls) {
      totals("orrery_peer_calls_total", "Calls this node made to other members over the peer RPC, by method.", "method", () => peerCalls().calls);
      totals("orrery_peer_answer_bytes_total", "Bytes of the answers to this node's JSON peer calls, by method.", "method", () => peerCalls().answerBytes ?? {});
      total("orrery_peer_connections_opened_total", "Authenticated connections this node dialled to other members (each one a handshake).", () => peerCalls().connectionsOpened);
    }
    const readExtraCalls = src.readExtraCalls;
    if (readExtraCalls) {
      totals("orrery_quorum_read_extra_calls_total", "Owners this node's quorum reads asked beyond the ones a read quorum needed, by what was read (rows of paths, pages of a folder): after an owner failed, or once the hedge delay passed with the quorum unmade.", "read", readExtraCalls);
    }
    const clockPeers = src.clockPeers;
    if (clockPeers) {
      gauge("orrery_clock_peers_heard", "Peers whose clocks this node heard (last 30 s of datagrams, or a round trip in the last 5 min).", (g) => g.set(clockPeers().heard));
      gauge("orrery_clock_peers_judged", "Of those, peers whose clock offset is known closely enough to count (a quick round trip); a verdict of skew needs more than half of the peers heard.", (g) => g.set(clockPeers().judged));
    }
    const clockOffset = src.clockOffsetMs;
    if (clockOffset) {
      gauge("orrery_clock_offset_seconds", "Peers' clocks minus this node's (median over the peers judged); beyond MAX_CLOCK_OFFSET_MS from most peers heard this node refuses writes.", (g) => {
        const ms = clockOffset();
        if (ms !== undefined) g.set(ms / 1000);
      });
    }
    gauge("orrery_chunks", "Chunks stored on this node.", (g) => g.set(src.chunks().count));
    gauge("orrery_chunk_bytes", "Bytes of chunks stored on this node.", (g) => g.set(src.chunks().bytes));
    gauge("orrery_disk_total_bytes", "Size of the filesystem holding the chunks.", (g) => g.set(src.disk().totalBytes));
    gauge("orrery_disk_free_bytes", "Free space on the filesystem holding the chunks.", (g) => g.set(src.disk().freeBytes));
    gauge("orrery_files", "Live files in the replicated manifest table.", (g) => g.set(src.files().files));
    gauge("orrery_tombstones", "Delete tombstones not yet collected.", (g) => g.set(src.files().tombstones));
    gauge("orrery_file_bytes", "Total size of the live files.", (g) => g.set(src.files().bytes));
    gauge("orrery_replication_queue_depth", "Copies waiting in this node's replication queue.", (g) => g.set(src.queue.depth()));
    gauge("orrery_replication_queue_chunks", "Chunks with at least one copy still queued on this node.", (g) =>
      g.set(src.queue.chunksPending()));
    const census = src.census;
    if (census) {
      // Each chunk is reported by one node (its first live holder among its owners): sum over nodes for the cluster.
      const counted = (name: string, help: string, read: (c: ReplicationCensus) => number) =>
        gauge(name, help, (g) => {
          const c = census();
          if (c) g.set(read(c));
        });
      counted("orrery_under_replicated_chunks", "Chunks this node reports on with fewer live copies than the replication factor (sum over nodes).", (c) => c.underReplicated);
      counted("orrery_under_replicated_chunks_waiting_for_nodes", "Of those, chunks no copy can be added to until nodes join or return (every live owner holds one).", (c) => c.waitingForNodes);
      counted("orrery_missing_chunk_copies", "Copies missing from the under-replicated chunks this node reports on.", (c) => c.missingCopies);
      counted("orrery_replica_census_stale", "1 when the last census predates a ring change or missed an owner.", (c) => (c.stale ? 1 : 0));
    }
    gauge("orrery_handoff_surplus_copies", "Copies this node no longer owns, waiting for the grace period.", (g) =>
      g.set(src.handoff().surplusCopiesWaiting));
    total("orrery_replication_copies_delivered_total", "Queued copies delivered to their owners.", () => src.queue.delivered());
    total("orrery_handoff_surplus_copies_deleted_total", "Surplus copies deleted after hand-off.", () =>
      src.handoff().surplusCopiesDeleted);
    total("orrery_scrub_chunks_checked_total", "Chunks re-hashed by the scrub.", () => src.scrub().checked);
    total("orrery_scrub_chunks_corrupt_total", "Chunks the scrub found corrupt.", () => src.scrub().corrupt);
    total("orrery_scrub_chunks_repaired_total", "Corrupt chunks replaced from a replica.", () => src.scrub().repaired);
    total("orrery_scrub_passes_total", "Completed scrub passes.", () => src.scrub().passes);
    total("orrery_scrub_inline_checked_total", "Rows of small files kept inline whose bytes the scrub verified.", () => src.scrub().inlineChecked);
    total("orrery_scrub_inline_corrupt_total", "Inline rows the scrub found damaged.", () => src.scrub().inlineCorrupt);
    total("orrery_scrub_inline_repaired_total", "Damaged inline rows put back from an owner's copy.", () => src.scrub().inlineRepaired);
    total("orrery_gc_chunks_deleted_total", "Unreferenced chunks deleted.", () => src.gc().chunksDeleted);
    total("orrery_gc_tombstones_purged_total", "Tombstones collected.", () => src.gc().tombstonesPurged);
    gauge("orrery_gc_pending_chunks", "Copies no file references, still on disk after the last collection pass.", (g) =>
      g.set(src.gc().pendingChunks ?? 0));
    total("orrery_anti_entropy_rounds_total", "Chunk anti-entropy rounds.", () => src.antiEntropy().rounds);
    if (src.rings) {
      const rings = src.rings;
      gauge("orrery_replaced_rings", "Replaced manifest rings still counted for quorums (until every owner of the current ring synced).", (g) => g.set(rings().replaced));
      totals("orrery_rings_retired_total", "Replaced manifest rings let go: by the owners' sync trackers, or by age (the valve).", "by", () => ({
        sync: rings().retiredBySync,
        age: rings().retiredByAge,
      }));
    }
    total("orrery_anti_entropy_copies_queued_total", "Missing copies found by anti-entropy.", () =>
      src.antiEntropy().copiesQueued);

    this.requests = new Counter({
      name: "orrery_http_requests_total",
      help: "HTTP requests answered, by interface, method and status.",
      labelNames: ["interface", "method", "status"],
      registers,
    });
    this.duration = new Histogram({
      name: "orrery_http_request_duration_seconds",
      help: "Time to the response's headers, by interface and method.",
      labelNames: ["interface", "method"],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    });
  }

  /** Counts every request the app answers (SSE streams too, timed to their first byte). */
  middleware(): MiddlewareHandler {
    return async (c, next) => {
      const started = performance.now();
      await next();
      const method = METHODS.has(c.req.method) ? c.req.method : "other";
      const labels = { interface: interfaceOf(c.req.path), method };
      this.duration.observe(labels, (performance.now() - started) / 1000);
      this.requests.inc({ ...labels, status: String(c.res.status) });
    };
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
