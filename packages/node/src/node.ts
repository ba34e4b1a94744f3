// The composition root: builds every component of a node from its config, starts them in
// dependency order (storage, transfer, HTTP, then membership) and stops them in reverse.
import { HistorySampler } from "./history/sampler.ts";
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, type Config } from "./config/index.ts";
import { createGateway } from "./gateway/app.ts";
import { refuseDotSegments } from "./gateway/raw-path-guard.ts";
import { type FetchServer, serveFetch } from "./gateway/http-server.ts";
import { HostAllowList } from "./gateway/host-check.ts";
import { NodeMetrics } from "./gateway/metrics.ts";
import { loadEmbeddedUi } from "./gateway/ui-embedded.ts";
import { resolveUiSource } from "./gateway/ui.ts";
import { SqliteEventLog } from "./events/sqlite-event-log.ts";
import { ClusterEvents, recordFullness, recordMemberEvent } from "./gateway/cluster-events.ts";
import { logger, setLogLevel, setLogNodeId } from "./log.ts";
import { Membership } from "./membership/membership.ts";
import { JoinGate, joinedBefore } from "./membership/join-gate.ts";
import { seedAddresses, watchSeedNames } from "./membership/seed-addresses.ts";
import { formatAddress } from "./membership/address.ts";
import { ClockWatch } from "./membership/clock-watch.ts";
import { startLanDiscovery } from "./discovery/index.ts";
import { SqliteManifestStore } from "./metadata/sqlite-manifest-store.ts";
import { loadHash64 } from "./ring/index.ts";
import { SqliteAcceptorStore } from "./consensus/acceptor-store.ts";
import { SqliteSettingsStore } from "./settings/settings-store.ts";
import { Placement } from "./replication/placement.ts";
import { SqliteReplicationQueue } from "./replication/queue.ts";
import { chunkSizeInForce, NodeCore, ringSettleMs } from "./node-core.ts";
import { systemClock } from "./util/clock.ts";
import { Lifecycle, service } from "./util/lifecycle.ts";
import { drain } from "./util/drain.ts";
import { coalesce } from "./util/coalesce.ts";
import type { MemberChange } from "./membership/types.ts";
import { replicaHealth } from "./replication/replica-health.ts";
import { ChunkStore } from "./store/chunk-store.ts";
import { capacityBytes, ringWeight } from "./store/capacity.ts";
import { FullnessMonitor, fullnessThresholds } from "./store/fullness.ts";
import { MAX_CHUNK_SIZE_BYTES } from "./store/chunk-storage.ts";
import { getMeta, openDatabase, setMeta } from "./store/db.ts";
import type { Database } from "bun:sqlite";
import { errorMessage } from "./errors.ts";
import { loadPeers, savePeer } from "./store/peers.ts";
import { TransferClient } from "./transfer/client.ts";
import { FaultInjector } from "./faults/fault-injector.ts";
import { handOffAndDrain } from "./replication/handoff.ts";
import { TransferServer } from "./transfer/server.ts";
import { TransferStats } from "./transfer/stats.ts";
import { KEYRING_FILE, loadKeyring } from "./security/keyring.ts";
import { AdminVerifier } from "./security/admin-auth.ts";
import { ClusterKeys } from "./security/cluster-keys.ts";
import { DatagramSeal } from "./security/datagram-seal.ts";
import { useGcm } from "./security/gcm.ts";
import { NetworkRpc } from "./rpc/network-rpc.ts";
import { FaultyRpc } from "./rpc/faulty-rpc.ts";
import { dispatchJson, type PeerRpc } from "./rpc/peer-rpc.ts";
import { type JsonHandlers, rpcRequestLimit } from "./rpc/methods.ts";
import { healthBody, statusBody } from "./gateway/cluster-routes.ts";
import { isLoopbackHost } from "./util/loopback.ts";
import { type S3Server, startS3Api } from "./s3/index.ts";
import { DeadPropertyStore } from "./webdav/dead-properties.ts";
import { startAccounts } from "./node-accounts.ts";
import { servedCertificate } from "./tls/node-tls.ts";
import { governMemory, MemoryGovernor } from "./util/memory-governor.ts";
import { watchQueueDrain } from "./replication/queue-drain-watch.ts";

export const VERSION = "0.1.0";

export interface RunningNode {
  id: string;
  url: string;
  config: Config;
  /** Stops every component; `leave` first announces a graceful leave to the cluster. */
  stop(opts?: { leave?: boolean }): Promise<void>;
  /** Hands every chunk off to the remaining owners, announces the leave, and stops. */
  leave(): Promise<void>;
  /** Resolves once the node has stopped (after stop() or leave()). */
  stopped: Promise<void>;
  /** Set when this start generated the cluster key: what to give the other nodes. */
  generatedKey?: string;
  /** The id of the cluster key in use (safe to print). */
  keyId: string;
  /** Set when this start made user `admin` with a generated password: what to print, once. */
  generatedAdminPassword?: string;
  /** Whether the HTTP port asks for logins (AUTH). */
  loginRequired: boolean;
  /** The client ports serve HTTPS with this certificate: its SHA-256 fingerprint, and whether it was made now. */
  tls?: { fingerprint: string; source: string; dir?: string };
}

function resolveNodeId(config: Config, db: ReturnType<typeof openDatabase>): string {
  const stored = getMeta(db, "node_id");
  const id = config.NODE_ID ?? stored ?? `node-${randomBytes(4).toString("hex")}`;
  if (id !== stored) setMeta(db, "node_id", id);
  return id;
}

/**
 * The node's database, locked for this process alone: holding the lock for good saves the file-lock calls
 * every transaction made (hundreds per small file), and a second node started on the same DATA_DIR is refused.
 */
function openNodeDatabase(path: string): Database {
  try {
    const db = openDatabase(path);
    db.exec("PRAGMA locking_mode = EXCLUSIVE");
    db.exec("BEGIN IMMEDIATE; COMMIT"); // takes the lock now, not at the first write
    return db;
  } catch (err) {
    if (/database is locked/i.test(errorMessage(err))) {
      throw new Error(`${path} is in use by another process: is a node already running with this DATA_DIR?`, { cause: err });
    }
    throw err;
  }
}

export async function startNode(config: Config): Promise<RunningNode> {
  setLogLevel(config.LOG_LEVEL);
  mkdirSync(config.DATA_DIR, { recursive: true });
  const db = openNodeDatabase(join(config.DATA_DIR, "orrery.db"));
  const id = resolveNodeId(config, db);
  setLogNodeId(id);
  const log = logger("node");
  const startedAt = Date.now();
  let leaving = false;
  const keys = loadKeyring(config.DATA_DIR, config.clusterKey);
  const keyring = keys.keyring;
  if (keys.warning) log.warn(keys.warning);
  log.info("cluster key loaded", { source: keys.source, keyId: keyring.primary().id, keys: keyring.ids().length });
  // Encrypted peer records whenever traffic can leave this host (either end not on loopback).
  const encryptAll = config.PEER_ENCRYPTION === "always" || !isLoopbackHost(config.BIND_ADDRESS);
  const gcm = useGcm(config.PEER_CIPHER);
  if (gcm instanceof Error) throw new ConfigError("PEER_CIPHER", gcm.message);
  if (gcm.note) log.warn(`peer records use node:crypto: ${gcm.note}`);
  log.info("peer records", { encrypted: encryptAll ? "always" : "off loopback only", cipher: `AES-256-GCM via ${gcm.engine.name}` });
  const transferStats = new TransferStats();
  governMemory(config.MEMORY_LIMIT_MB > 0 ? new MemoryGovernor({ softLimitBytes: config.MEMORY_LIMIT_MB * 1024 * 1024 }) : undefined);
  const timeouts = { connectMs: config.PEER_CONNECT_TIMEOUT_MS, dataMs: config.PEER_REQUEST_TIMEOUT_MS, controlMs: config.PEER_CONTROL_TIMEOUT_MS };

  // Chunks written under any chunk size the live setting allows must be stored, sent and fetched by every
  // node, so the store and the transfer frames are bounded by the ceiling, not by this node's CHUNK_SIZE_MB.
  const store = new ChunkStore(
    {
      dir: join(config.DATA_DIR, "chunks"),
      db,
      maxChunkSize: MAX_CHUNK_SIZE_BYTES,
      minFreeBytes: config.MIN_FREE_MB * 1024 * 1024,
      quotaBytes: config.STORE_QUOTA_MB === undefined ? undefined : config.STORE_QUOTA_MB * 1024 * 1024,
      storesChunks: config.STORAGE === "on",
      directIo: config.DIRECT_IO === "auto",
    },
    { log: logger("store") },
  );
  // The ring weight follows capacity; a full store is announced so placement passes this node over.
  const capacity = capacityBytes(config, () => store.diskUsage().totalBytes);
  const settingsStore = new SqliteSettingsStore(db);
  const fullness = store.storesChunks
    ? new FullnessMonitor(
        // Full below one chunk of the size in force: it follows the live setting (the stored record).
        { intervalMs: 1000, thresholds: () => fullnessThresholds(chunkSizeInForce(settingsStore, config), capacity) },
        { headroom: () => store.headroom(), onChange: (full) => membership.updateSelf({ full }), log: logger("store") },
      )
    : undefined;
  const manifests = new SqliteManifestStore(db, id, () => Date.now(), { maxDriftMs: config.MAX_CLOCK_OFFSET_MS });
  // Sources are checked against membership lazily (membership is built below).
  const clock: ClockWatch = new ClockWatch(config.MAX_CLOCK_OFFSET_MS, Date.now, (source: string): boolean => membership.isMemberAddress(source));
  const placement = new Placement(config.REPLICATION_FACTOR, await loadHash64(), config.VNODES, { ms: ringSettleMs(config), now: () => performance.now() });
  const queue = new SqliteReplicationQueue(db);
  const transferClient = new TransferClient(
    {
      selfId: id,
      keyring,
      encrypt: (peer) => encryptAll || !isLoopbackHost(peer.host),
      maxChunkSize: MAX_CHUNK_SIZE_BYTES,
      connectTimeoutMs: timeouts.connectMs,
      requestTimeoutMs: timeouts.dataMs,
    },
    { log: logger("transfer"), stats: transferStats },
  );
  const faults = config.FAULT_INJECTION ? new FaultInjector() : undefined;
  // What this node serves to peers (and to itself through the same RPC); filled once the components exist.
  const handlers: JsonHandlers = {};
  const networkRpc = new NetworkRpc({
    selfId: id,
    client: transferClient,
    address: (memberId) => placement.member(memberId),
    local: { store, handlers },
    timeouts,
  });
  const rpc: PeerRpc = faults ? new FaultyRpc(networkRpc, (m) => faults.isBlocked(m)) : networkRpc;
  const transferServer = new TransferServer(
    {
      store,
      host: config.BIND_ADDRESS,
      port: config.TRANSFER_PORT,
      maxChunkSize: MAX_CHUNK_SIZE_BYTES,
      selfId: id,
      keyring,
      encrypt: encryptAll,
      handshakeTimeoutMs: timeouts.connectMs,
      rpc: (from, method, body) => dispatchJson(handlers, from, method, body),
      rpcRequestLimit,
    },
    { log: logger("transfer"), stats: transferStats },
  );
  const gossipSeal = new DatagramSeal("gossip", keyring);
  const discoverySeal = new DatagramSeal("discovery", keyring);

  const remembered = loadPeers(db);
  const known = remembered.filter((m) => m.id !== id);
  // Given seeds, a node reaches its cluster before it counts peers toward a quorum (membership/join-gate.ts).
  const gate = new JoinGate({
    self: formatAddress(config.advertise, config.GOSSIP_PORT),
    seeds: await seedAddresses(config.SEEDS, (seed, err) => log.warn("cannot resolve seed; matching it by name only", { seed, err })),
    joinedBefore: joinedBefore(remembered, id),
  });
  const selfInfo = {
    id,
    host: config.advertise,
    gossipPort: config.GOSSIP_PORT,
    httpPort: config.HTTP_PORT,
    transferPort: config.TRANSFER_PORT,
    zone: config.ZONE,
    weight: ringWeight(capacity),
    ...(fullness?.full ? { full: true } : {}),
    ...(gate.founding ? { joining: gate.founding } : {}),
  };
  // This node left the cluster before (a graceful leave) and came back: its rows may predate collected tombstones.
  const leftBefore = remembered.some((m) => m.id === id && m.state === "left");
  const seeds = [...new Set([...config.SEEDS, ...known.map((m) => `${m.host}:${m.gossipPort}`)])].filter(
    (a) => a !== `${config.advertise}:${config.GOSSIP_PORT}`,
  );
  const membership = new Membership(
    {
      self: selfInfo,
      bindHost: config.BIND_ADDRESS,
      seeds,
      probeIntervalMs: config.GOSSIP_INTERVAL_MS,
      knownMembers: known,
      cluster: config.CLUSTER_NAME,
      maxMembers: config.MAX_MEMBERS,
      swim: { deadForgetMs: config.DEAD_MEMBER_TIMEOUT },
    },
    {
      log: logger("membership"),
      seal: gossipSeal,
      clock,
      // memberlist's TCP fallback probe, over the authenticated peer connection (partitions apply to it too).
      streamPing: (memberId, ping, timeoutMs) => rpc.call(memberId, "swim.ping", ping, { timeoutMs }),
    },
  );

  // Given seeds or remembered peers, a node must reach one before it may acknowledge writes.
  let stopSeedWatch = () => {};
  const joined = () => seeds.length === 0 || (gate.reached && membership.members().some((m) => m.id !== id && m.state === "alive"));
  const core = new NodeCore(config, {
    selfId: id,
    clock: systemClock,
    random: Math.random,
    rpc,
    store,
    queue,
    manifests,
    acceptorStore: new SqliteAcceptorStore(db),
    settingsStore,
    placement,
    logger,
    joined,
    clockProblem: () => clock.problem(),
    isBlocked: faults ? (m) => faults.isBlocked(m) : undefined,
    leaving: () => leaving,
    resync: {
      init: { waitForPeers: seeds.length > 0, leftBefore, retryMs: Math.min(1000, config.SYNC_INTERVAL_MS) },
      persistence: {
        load: () => {
          const v = getMeta(db, "manifest_resync");
          return v ? (JSON.parse(v) as { seqFloor: number }) : undefined;
        },
        save: (pending) => setMeta(db, "manifest_resync", pending ? JSON.stringify(pending) : ""),
      },
    },
  });
  const { fs, reader, replicator, sweeper, scrubber, gc, antiEntropy } = core;
  const worker = core.queueWorker;

  const events = new ClusterEvents(id, new SqliteEventLog(db));
  const ui = resolveUiSource(config.UI_DIR, await loadEmbeddedUi());
  const metrics = new NodeMetrics({
    nodeId: id,
    version: VERSION,
    members: () => membership.members(),
    gossipHealth: () => membership.healthScore(),
    gossipProbes: () => ({ ...membership.probeStats() }),
    gossipTraffic: () => membership.traffic,
    peerCalls: () => ({ calls: Object.fromEntries(networkRpc.calls), connectionsOpened: transferClient.connectionsOpened }),
    clockOffsetMs: () => clock.offsetMs(),
    chunks: () => store.stats(),
    files: () => manifests.stats(),
    disk: () => store.diskUsage(),
    queue: { depth: () => queue.depth(), chunksPending: () => queue.chunksWithPendingCopies(), delivered: () => worker.delivered },
    census: () => core.census.census(),
    handoff: () => ({ surplusCopiesWaiting: sweeper.pending, surplusCopiesDeleted: sweeper.deleted }),
    scrub: () => scrubber.stats,
    gc: () => gc.stats,
    antiEntropy: () => antiEntropy.stats,
    security: () => ({
      gossipRejected: { ...gossipSeal.rejected },
      discoveryRejected: discoverySeal.rejected.unknown_key + discoverySeal.rejected.bad_mac + discoverySeal.rejected.stale + discoverySeal.rejected.replay,
      handshakesFailed: { ...transferStats.handshakesFailed },
      chunkBytes: { in: transferStats.chunkBytesIn, out: transferStats.chunkBytesOut },
      claimsIgnored: membership.ignoredClaims(),
    }),
  });
  const certificate = servedCertificate(config);
  if (certificate) log.info("client ports serve HTTPS", { certificate: certificate.source, sha256: certificate.fingerprint });
  const accounts = await startAccounts(config, { db, selfId: id, rpc, placement, handlers, logger, keyring });
  const clusterKeys = new ClusterKeys({
    keyring,
    rpc,
    members: () => membership.members(),
    persistPath: join(config.DATA_DIR, KEYRING_FILE),
    log: logger("keys"),
    // Users' S3 secrets are sealed under the cluster key: a rotation seals them again under the new one.
    secrets: accounts.authenticator.accounts.s3Keys,
  });
  Object.assign(handlers, clusterKeys.handlers());
  const history = new HistorySampler(
    { traffic: () => fs.traffic, storedBytes: () => store.stats().bytes, capacityBytes: () => capacity },
    logger("history"),
  );
  const gatewayDeps = {
    authenticator: accounts.authenticator,
    quotas: accounts.quotas,
    linkMaxDays: config.SHARE_LINK_MAX_DAYS,
    audit: accounts.audit,
    metrics,
    rpc,
    statusTimeoutMs: Math.min(1500, timeouts.controlMs),
    zipMaxEntries: config.ZIP_MAX_ENTRIES,
    allowedHosts: new HostAllowList([config.BIND_ADDRESS, config.advertise, ...config.ALLOWED_HOSTS]),
    davProperties: new DeadPropertyStore(db),
    ui,
    events,
    fs,
    versions: core.versions,
    replicaHealth: (ids: readonly string[]) => replicaHealth(ids, { selfId: id, placement, store, rpc }),
    reader,
    placement,
    store,
    manifests,
    queue,
    chunkSize: () => core.chunkSize(),
    startedAt,
    version: VERSION,
    self: () => membership.self(),
    members: () => membership.members(),
    health: () => ({
      queue: { depth: queue.depth(), chunksWithQueuedCopies: queue.chunksWithPendingCopies(), byTarget: queue.depthByTarget(), delivered: worker.delivered },
      replication: core.census.census() ?? null,
      handoff: { surplusCopiesWaiting: sweeper.pending, surplusCopiesDeleted: sweeper.deleted, graceSeconds: config.REBALANCE_GRACE_S },
      scrub: scrubber.stats,
      gc: gc.stats,
      antiEntropy: antiEntropy.stats,
      faults: faults ? { blockedPeers: faults.blockedPeers() } : undefined,
      workers: [...core.workers(), accounts.sync.worker, accounts.auditSync.worker, history.worker, ...(fullness ? [fullness.worker] : [])].map((w) => w.status()),
      resync: { state: core.resync?.state ?? "ready", completed: core.resync?.resyncs ?? 0 },
    }),
    setBlockedPeers: faults ? (ids: string[]) => faults.setBlocked(ids) : undefined,
    adminOpen: accounts.adminOpen,
    verifier: new AdminVerifier(keyring),
    forget: (memberId: string) => membership.forget(memberId),
    settings: core.settings,
    clusterKeys,
    leave: () => {
      node.leave().catch((err) => log.error("graceful leave failed", { err }));
    },
    log: logger("gateway"),
  };
  const app = createGateway(gatewayDeps);
  Object.assign(handlers, core.handlers());
  handlers["swim.ping"] = (from, ping) => membership.answerStreamPing(from, ping);
  handlers["node.status"] = () => ({ status: statusBody(gatewayDeps), health: healthBody(gatewayDeps) });
  handlers["events.recent"] = (_from, { limit }) => ({ events: events.recent(limit) });
  handlers["history.points"] = (_from, { sinceMs, stepMs }) => ({ points: history.history.points(sinceMs, stepMs) });
  /** Anti-entropy rounds that idled down to their longest wait come back to SYNC_INTERVAL_MS. */
  const unquietSync = () => {
    core.unquiet();
    accounts.sync.worker.unquiet();
    accounts.auditSync.worker.unquiet();
  };
  faults?.onChange((blocked) => {
    const addrs = placement.members().filter((m) => blocked.has(m.id)).map((m) => `${m.host}:${m.gossipPort}`);
    membership.setBlockedPeers(addrs);
    log.warn("fault injection: partitioned from peers", { peers: [...blocked] });
    // Healed or cut: anti-entropy that idled down resumes its normal pace.
    unquietSync();
  });

  let server: FetchServer | undefined;
  let s3: S3Server | undefined;
  let discovery: Awaited<ReturnType<typeof startLanDiscovery>>;
  let leaveOnStop = false;
  const shutdownMs = config.SHUTDOWN_TIMEOUT_S * 1000;
  // Started in this order, drained and stopped in reverse: the HTTP and S3 ports stop taking requests and
  // finish those in flight while membership, the transfer port and the workers still serve them.
  const lifecycle = new Lifecycle(log).add(
    service("transfer server", () => transferServer.start(), async () => {
      await transferServer.stop();
      await transferClient.close();
    }),
    service(
      "http",
      async () => {
        server = await serveHttp(config, app, certificate);
      },
      () => void server?.stop(true),
      () => drain(server, shutdownMs, log, "http"),
    ),
    service(
      "s3",
      async () => {
        s3 = await startS3Api(
          config,
          { fs, reader, versions: core.versions, log: logger("s3"), accounts: accounts.authenticator.accounts, open: accounts.open, audit: accounts.audit, quotas: accounts.quotas },
          certificate,
        );
      },
      () => s3?.stop(),
      () => s3?.drain(shutdownMs),
    ),
    service(
      "membership",
      async () => {
        const fullMembers = new Set<string>();
        membership.onSelfReport((report) => core.resync?.report(report));
        // The changes of one turn (a push-pull brings a hundred at once) rebuild the ring once (util/coalesce.ts).
        const membersChanged = coalesce<MemberChange>(
          (changes) => {
            if (gate.observe(membership.members())) {
              log.info("reached the cluster: counting peers toward quorums now");
              membership.updateSelf({ joining: undefined });
            }
            core.onMembers(membership.members());
            for (const change of changes) recordMemberEvent(events, change, { liveNodes: placement.ring.size, factor: placement.effectiveReplicationFactor() });
            // A member that joined or came back, or one this node has not caught up with: sync now.
            replicator.tick();
            unquietSync();
          },
          (err) => log.error("applying member changes failed", { err }),
        );
        membership.onChange((change) => {
          savePeer(db, change.member);
          recordFullness(events, change.member, fullMembers);
          membersChanged(change);
        });
        await membership.start();
        core.onMembers(membership.members());
        stopSeedWatch = watchSeedNames(config.SEEDS, {
          intervalMs: 2000,
          joined: () => gate.reached,
          changed: (addresses) => {
            if (gate.setSeeds(addresses)) membership.updateSelf({ joining: gate.founding });
          },
          onError: (seed, err) => log.debug("seed name not resolved yet", { seed, err }),
        });
      },
      () => {
        stopSeedWatch();
        return leaveOnStop ? membership.leave() : membership.stop();
      },
    ),
    // After membership: a change of fullness is announced through it.
    service("store fullness", () => fullness?.start(), () => fullness?.stop()),
    service("history", () => history.worker.start(), () => history.worker.stop()),
    core.service(),
    service("accounts sync", () => accounts.sync.start(), () => accounts.sync.stop()),
    service("audit sync", () => accounts.auditSync.start(), () => accounts.auditSync.stop()),
    service(
      "lan discovery",
      async () => {
        discovery = await startLanDiscovery(config, membership, discoverySeal, logger("discovery"));
      },
      () => discovery?.stop(),
    ),
  );
  try {
    await lifecycle.start();
  } catch (err) {
    db.close();
    throw err;
  }
  // The resync (if one is due) has recorded itself; this node is a member again, not one that left.
  if (leftBefore) savePeer(db, { ...membership.self(), state: "alive" });
  // A crash between a chunk's rename and its index row leaves them out of step; mend in the background.
  store.reconcile().catch((err) => log.error("chunk index reconcile failed", { err }));

  // The timeline notes when a burst of repair or rebalance work has been delivered.
  const queueWatch = watchQueueDrain(queue, () => events.record("rebalance", "replication queue drained: every pending copy delivered"), systemClock);

  const url = `${certificate ? "https" : "http"}://${config.advertise}:${server!.port}`;
  log.info("node started", {
    url,
    gossip: config.GOSSIP_PORT,
    transfer: config.TRANSFER_PORT,
    seeds,
    storage: store.storesChunks ? { capacityGB: selfInfo.weight, full: fullness?.full ?? false } : "off (gateway: stores no chunks)",
  });

  let stopped = false;
  let markStopped!: () => void;
  const node: RunningNode = {
    id,
    url,
    config,
    generatedKey: keys.generated?.secret,
    generatedAdminPassword: accounts.generatedAdminPassword,
    loginRequired: !accounts.open,
    tls: certificate && { fingerprint: certificate.fingerprint, source: certificate.source, dir: certificate.dir },
    keyId: keyring.primary().id,
    stopped: new Promise<void>((resolve) => (markStopped = resolve)),
    async stop(opts = {}) {
      if (stopped) return;
      stopped = true;
      queueWatch.stop();
      leaveOnStop = opts.leave === true;
      await lifecycle.stop();
      db.close();
      log.info("node stopped");
      markStopped();
    },
    async leave() {
      if (leaving) return;
      leaving = true;
      // Off the ring in every member's view first (weight 0, as a storage-less gateway): the new owners then
      // count themselves owners of what they receive, so none sweeps a handed-off copy as surplus while the
      // hand-off is still running, and no new chunk is placed here meanwhile.
      membership.updateSelf({ weight: 0 });
      await handOffAndDrain({ selfId: id, placement, store, queue, log }, config.LEAVE_TIMEOUT_S * 1000);
      await node.stop({ leave: true });
    },
  };
  return node;
}

async function serveHttp(config: Config, app: ReturnType<typeof createGateway>, tls: { cert: string; key: string } | undefined): Promise<FetchServer> {
  try {
    // node:http rather than Bun.serve, which drops a handler's Content-Length (gateway/http-server.ts).
    // Uploads stream through in bounded memory, so the body size is not limited.
    return await serveFetch({
      hostname: config.BIND_ADDRESS,
      port: config.HTTP_PORT,
      // Every target goes through the dot-segment check first (gateway/raw-path-guard.ts).
      guard: (_method, target) => refuseDotSegments(target),
      fetch: (req) => app.fetch(req),
      tls,
    });
  } catch (err) {
    if ((err as { code?: string }).code === "EADDRINUSE") throw new Error(`HTTP port ${config.HTTP_PORT} is already in use`);
    throw err;
  }
}
