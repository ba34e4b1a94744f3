// The peer part of the composition root (node.ts): the cluster key, the peer-record cipher, and the one
// authenticated TCP transport both ways (chunk streaming and the JSON RPC every peer call goes through),
// the fault layer in front of it when FAULT_INJECTION is on, and the seals of gossip and discovery datagrams.
import type { Config } from "./config/index.ts";
import { ConfigError } from "./config/index.ts";
import { FaultInjector } from "./faults/fault-injector.ts";
import type { Logger } from "./log.ts";
import type { Placement } from "./replication/placement.ts";
import { FaultyRpc } from "./rpc/faulty-rpc.ts";
import { type JsonHandlers, rpcRequestLimit } from "./rpc/methods.ts";
import { NetworkRpc } from "./rpc/network-rpc.ts";
import { dispatchJson, type PeerRpc } from "./rpc/peer-rpc.ts";
import { DatagramSeal } from "./security/datagram-seal.ts";
import { useGcm } from "./security/gcm.ts";
import { loadKeyring } from "./security/keyring.ts";
import { MAX_CHUNK_SIZE_BYTES } from "./store/chunk-storage.ts";
import type { ChunkStore } from "./store/chunk-store.ts";
import { TransferClient } from "./transfer/client.ts";
import { TransferServer } from "./transfer/server.ts";
import { TransferStats } from "./transfer/stats.ts";
import { isLoopbackHost } from "./util/loopback.ts";

export type NodePeers = ReturnType<typeof buildPeers>;

export function buildPeers(
  config: Config,
  c: { selfId: string; store: ChunkStore; placement: Placement; logger: (component: string) => Logger; onRequest?: () => void },
) {
  const log = c.logger("node");
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
  const stats = new TransferStats();
  const timeouts = { connectMs: config.PEER_CONNECT_TIMEOUT_MS, dataMs: config.PEER_REQUEST_TIMEOUT_MS, controlMs: config.PEER_CONTROL_TIMEOUT_MS };
  // Chunks written under any chunk size the live setting allows must be sent and fetched by every node, so
  // the transfer frames are bounded by the ceiling, not by this node's CHUNK_SIZE_MB.
  const client = new TransferClient(
    {
      selfId: c.selfId,
      keyring,
      encrypt: (peer) => encryptAll || !isLoopbackHost(peer.host),
      maxChunkSize: MAX_CHUNK_SIZE_BYTES,
      connectTimeoutMs: timeouts.connectMs,
      requestTimeoutMs: timeouts.dataMs,
    },
    { log: c.logger("transfer"), stats },
  );
  const faults = config.FAULT_INJECTION ? new FaultInjector() : undefined;
  // What this node serves to peers (and to itself through the same RPC); filled once the components exist.
  const handlers: JsonHandlers = {};
  const networkRpc = new NetworkRpc({
    selfId: c.selfId,
    client,
    address: (memberId) => c.placement.member(memberId),
    local: { store: c.store, handlers },
    timeouts,
  });
  const rpc: PeerRpc = faults ? new FaultyRpc(networkRpc, (m) => faults.isBlocked(m)) : networkRpc;
  const server = new TransferServer(
    {
      store: c.store,
      host: config.BIND_ADDRESS,
      port: config.TRANSFER_PORT,
      maxChunkSize: MAX_CHUNK_SIZE_BYTES,
      selfId: c.selfId,
      keyring,
      encrypt: encryptAll,
      handshakeTimeoutMs: timeouts.connectMs,
      rpc: (from, method, body) => dispatchJson(handlers, from, method, body),
      rpcRequestLimit,
      onRequest: c.onRequest,
    },
    { log: c.logger("transfer"), stats },
  );
  return {
    keys,
    keyring,
    timeouts,
    stats,
    client,
    server,
    networkRpc,
    rpc,
    handlers,
    faults,
    gossipSeal: new DatagramSeal("gossip", keyring),
    discoverySeal: new DatagramSeal("discovery", keyring),
  };
}
