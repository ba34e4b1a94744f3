// The composition root: builds every component of a node from its config, starts them in
// dependency order (storage, transfer, HTTP, then membership) and stops them in reverse.
import { HistorySampler } from "./history/sampler.ts";
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "./config/index.ts";
import { createGateway } from "./gateway/app.ts";
import { refuseDotSegments } from "./gateway/raw-path-guard.ts";
import { type FetchServer, serveFetch } from "./gateway/http-server.ts";
import { loadEmbeddedUi } from "./gateway/ui-embedded.ts";
import { resolveUiSource } from "./gateway/ui.ts";
import { SqliteEventLog } from "./events/sqlite-event-log.ts";
import { ClusterEvents, recordFullness, recordMemberEvent } from "./gateway/cluster-events.ts";
import { logger, setLogLevel, setLogNodeId } from "./log.ts";
import { startLanDiscovery } from "./discovery/index.ts";
import { SqliteManifestStore } from "./metadata/sqlite-manifest-store.ts";
import { loadHash64 } from "./ring/index.ts";
import { SqliteAcceptorStore } from "./consensus/acceptor-store.ts";
import { SqliteSettingsStore } from "./settings/settings-store.ts";
import { Placement } from "./replication/placement.ts";
import { SqliteReplicationQueue } from "./replication/queue.ts";
import { chunkSizeInForce, NodeCore, ringSettleMs } from "./node-core.ts";
import { systemClock } from "./util/clock.ts";
import { CoalescingClock } from "./util/coalescing-clock.ts";
import { Lifecycle, service } from "./util/lifecycle.ts";
import { drain } from "./util/drain.ts";
import { ChunkStore } from "./store/chunk-store.ts";
import { capacityBytes, ringWeight } from "./store/capacity.ts";
import { FullnessMonitor, fullnessThresholds } from "./store/fullness.ts";
import { MAX_CHUNK_SIZE_BYTES } from "./store/chunk-storage.ts";
import { getMeta, openDatabase, setMeta } from "./store/db.ts";
import type { Database } from "bun:sqlite";
import { errorMessage } from "./errors.ts";
import { savePeer } from "./store/peers.ts";
import { NodeMembership } from "./node-membership.ts";
import { buildGateway } from "./node-gateway.ts";
import { buildPeers } from "./node-peers.ts";
import { handOffAndDrain } from "./replication/handoff.ts";
import { KEYRING_FILE } from "./security/keyring.ts";
import { ClusterKeys } from "./security/cluster-keys.ts";
import { healthBody, statusBody } from "./gateway/cluster-routes.ts";
import { type S3Listener, startS3Api } from "./s3/index.ts";
import { startAccounts } from "./node-accounts.ts";
import { servedCertificate } from "./tls/node-tls.ts";
import { governMemory, MemoryGovernor } from "./util/memory-governor.ts";
import { watchQueueDrain } from "./replication/queue-drain-watch.ts";
import { JitGovernor } from "./util/jit-governor.ts";

export { VERSION } from "./version.ts";

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
  governMemory(config.MEMORY_LIMIT_MB > 0 ? new MemoryGovernor({ softLimitBytes: config.MEMORY_LIMIT_MB * 1024 * 1024 }) : undefined);
  // Reluctant JIT while idle, the normal one while requests come (util/jit-governor.ts).
  const jit = new JitGovernor({ idleScale: config.JIT_POLICY });
  const work = () => jit.note();

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
  // One scheduler for the node's timers: the background loops' waits ride on the gossip timer's wake-ups.
  const timers = new CoalescingClock(systemClock);
  const fullness = store.storesChunks
    ? new FullnessMonitor(
        // Full below one chunk of the size in force: it follows the live setting (the stored record).
        { intervalMs: 1000, thresholds: () => fullnessThresholds(chunkSizeInForce(settingsStore, config), capacity) },
        { headroom: () => store.headroom(), onChange: (full) => membership.updateSelf({ full }), log: logger("store"), clock: timers },
      )
    : undefined;
  // One hash for the ring and the manifests' partition positions (metadata/partition.ts).
  const hash = await loadHash64();
  const manifests = new SqliteManifestStore(db, id, () => Date.now(), { maxDriftMs: config.MAX_CLOCK_OFFSET_MS, hash });
  const placementLog = logger("placement");
  const placement = new Placement(config.REPLICATION_FACTOR, hash, config.VNODES, {
    ms: ringSettleMs(config),
    now: () => performance.now(),
    // The valve: a member that never reports (dead, or a version without trackers) must not keep a ring forever.
    // Info, not a warning: at the default pace (RANGE_SYNC_INTERVAL_MS 10 s, RING_SETTLE_S 30 s) a node of five
    // needs about as long as the window to compare its arcs, so the valve often goes first (README).
    onAgedOut: (rings, unsynced) =>
      placementLog.info("replaced rings stopped counting by age, not by their owners' trackers", { rings, unsynced: unsynced.slice(0, 8), unsyncedCount: unsynced.length }),
  });
  const queue = new SqliteReplicationQueue(db);
  const peers = buildPeers(config, { selfId: id, store, placement, logger, onRequest: work });
  const { keys, keyring, rpc, handlers, faults, gossipSeal, discoverySeal } = peers;

  const nodeMembership = await NodeMembership.create({
    config,
    db,
    selfId: id,
    self: { weight: ringWeight(capacity), ...(fullness?.full ? { full: true } : {}) },
    seal: gossipSeal,
    rpc,
    logger,
    timer: (ms, fn) => timers.exact(ms, fn),
  });
  const { membership, clock, seeds, leftBefore } = nodeMembership;
  const core = new NodeCore(config, {
    selfId: id,
    clock: timers,
    random: Math.random,
    rpc,
    store,
    queue,
    manifests,
    acceptorStore: new SqliteAcceptorStore(db),
    settingsStore,
    placement,
    logger,
    joined: () => nodeMembership.joined(),
    clockProblem: () => clock.problem(),
    isBlocked: faults ? (m) => faults.isBlocked(m) : undefined,
    announceRingSynced: (version) => membership.updateSelf({ ringSynced: version }),
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
  const { fs, reader } = core;

  const events = new ClusterEvents(id, new SqliteEventLog(db));
  const certificate = servedCertificate(config);
  if (certificate) log.info("client ports serve HTTPS", { certificate: certificate.source, sha256: certificate.fingerprint });
  const accounts = await startAccounts(config, { db, manifests, selfId: id, rpc, placement, handlers, logger, keyring, clock: timers });
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
    undefined,
    timers,
  );
  const { app, gatewayDeps } = buildGateway({
    config,
    id,
    startedAt,
    db,
    ui: resolveUiSource(config.UI_DIR, await loadEmbeddedUi()),
    store,
    manifests,
    queue,
    placement,
    core,
    membership,
    clock,
    peers,
    accounts,
    clusterKeys,
    history,
    events,
    fullness,
    leave: () => node.leave().catch((err) => log.error("graceful leave failed", { err })),
    logger,
  });
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
  faults?.onGossipDelay((ms) => {
    membership.setGossipDelay(ms);
    log.warn("fault injection: gossip datagrams read late", { delayMs: ms });
  });

  let server: FetchServer | undefined;
  let s3: S3Listener | undefined;
  let discovery: Awaited<ReturnType<typeof startLanDiscovery>>;
  let leaveOnStop = false;
  const shutdownMs = config.SHUTDOWN_TIMEOUT_S * 1000;
  // Started in this order, drained and stopped in reverse: the HTTP and S3 ports stop taking requests and
  // finish those in flight while membership, the transfer port and the workers still serve them.
  const lifecycle = new Lifecycle(log).add(
    service("transfer server", () => peers.server.start(), async () => {
      await peers.server.stop();
      await peers.client.close();
    }),
    service(
      "http",
      async () => {
        server = await serveHttp(config, app, certificate, work);
      },
      () => void server?.stop(true),
      () => drain(server, shutdownMs, log, "http"),
    ),
    service(
      "s3",
      async () => {
        s3 = await startS3Api(
          config,
          { fs, reader, versions: core.versions, log: logger("s3"), onRequest: work, accounts: accounts.authenticator.accounts, open: accounts.open, audit: accounts.audit, quotas: accounts.quotas },
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
        await nodeMembership.start({
          changed: (change) => recordFullness(events, change.member, fullMembers),
          settled: (changes) => {
            core.onMembers(membership.members());
            for (const change of changes) recordMemberEvent(events, change, { liveNodes: placement.ring.size, factor: placement.effectiveReplicationFactor() });
            // A member that joined or came back, or one this node has not caught up with: sync now.
            core.syncWithNewMembers();
            unquietSync();
          },
        });
        core.onMembers(membership.members());
      },
      () => nodeMembership.stop(leaveOnStop),
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
    manifests.close();
    db.close();
    throw err;
  }
  // The resync (if one is due) has recorded itself; this node is a member again, not one that left.
  if (leftBefore) savePeer(db, { ...membership.self(), state: "alive" });
  // A crash between a chunk's rename and its index row leaves them out of step; mend in the background.
  store.reconcile().catch((err) => log.error("chunk index reconcile failed", { err }));

  // The timeline notes when a burst of repair or rebalance work has been delivered.
  const queueWatch = watchQueueDrain(queue, () => events.record("rebalance", "replication queue drained: every pending copy delivered"), timers);

  const url = `${certificate ? "https" : "http"}://${config.advertise}:${server!.port}`;
  log.info("node started", {
    url,
    gossip: config.GOSSIP_PORT,
    transfer: config.TRANSFER_PORT,
    seeds,
    storage: store.storesChunks ? { capacityGB: membership.self().weight, full: fullness?.full ?? false } : "off (gateway: stores no chunks)",
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
      manifests.close();
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

async function serveHttp(config: Config, app: ReturnType<typeof createGateway>, tls: { cert: string; key: string } | undefined, onRequest: () => void): Promise<FetchServer> {
  try {
    // node:http rather than Bun.serve, which drops a handler's Content-Length (gateway/http-server.ts).
    // Uploads stream through in bounded memory, so the body size is not limited.
    return await serveFetch({
      hostname: config.BIND_ADDRESS,
      port: config.HTTP_PORT,
      // Every target goes through the dot-segment check first (gateway/raw-path-guard.ts).
      guard: (_method, target) => refuseDotSegments(target),
      fetch: (req) => {
        onRequest();
        return app.fetch(req);
      },
      tls,
    });
  } catch (err) {
    if ((err as { code?: string }).code === "EADDRINUSE") throw new Error(`HTTP port ${config.HTTP_PORT} is already in use`);
    throw err;
  }
}
