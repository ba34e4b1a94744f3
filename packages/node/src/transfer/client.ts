// Talks to other nodes' transfer ports: put, get and has chunks, and RPC calls, over a small pool of
// authenticated TCP connections per peer, with timeouts and typed failures. A connection carries frames
// only after the cluster-key handshake proved the peer holds the key and is the member we meant. A chunk
// fetched from a peer is verified against its id before it is returned.
import * as net from "node:net";
import { type Logger, logger } from "../log.ts";
import { HandshakeError } from "../security/handshake.ts";
import type { Keyring } from "../security/keyring.ts";
import { MAX_CHUNK_SIZE_BYTES } from "../store/chunk-storage.ts";
import {
  decodeText,
  encodeGetChunk,
  encodeHas,
  encodePutChunkHead,
  encodeRpc,
  FrameType,
  MAX_HAS_IDS,
  parseChunkStatus,
  parseHasResult,
  parsePutResult,
  parseRpcResult,
  ProtocolError,
  type RpcStatus,
} from "./frames.ts";
import { PeerChannel } from "./peer-channel.ts";
import { PeerConnection, type Response } from "./peer-connection.ts";
import { rpcErrorCode, TransferError, type TransferErrorCode } from "./transfer-error.ts";
import { TransferStats } from "./stats.ts";

/** A member's transfer endpoint; `id` is checked in the handshake. */
export interface Peer {
  id: string;
  host: string;
  port: number;
}

export interface TransferClientOptions {
  selfId: string;
  keyring: Keyring;
  /** Ask for encrypted records on every connection (this node binds, or dials, a non-loopback address). */
  encrypt: (peer: Peer) => boolean;
  /** TCP connect plus handshake. */
  connectTimeoutMs?: number;
  /** Whole request: sending the frame and receiving the answer (a call may pass a shorter one). */
  requestTimeoutMs?: number;
  maxConnectionsPerPeer?: number;
  /** Largest chunk a peer may send back (default MAX_CHUNK_SIZE_BYTES, the ceiling of the chunk size setting). */
  maxChunkSize?: number;
  /** Close a pooled connection unused for this long (default IDLE_TIMEOUT_MS, below the server's idle timeout). */
  idleTimeoutMs?: number;
  /** At most this many idle connections over all peers (default MAX_IDLE_CONNECTIONS); beyond, the oldest is closed. */
  maxIdleConnections?: number;
}

/**
 * An idle connection is kept this long: past the 30 s that the quiet anti-entropy rounds (manifests, settings,
 * accounts, audit) back off to, so a round that comes back to a peer finds its connection instead of dialling
 * again (a TCP handshake and the cluster-key handshake on both sides: the costliest thing an idle node did).
 */
export const IDLE_TIMEOUT_MS = 100_000;
/** The bound on idle connections kept (each a socket and a few KiB on both sides). */
export const MAX_IDLE_CONNECTIONS = 32;

/** Connections to one peer: reuses idle ones, opens up to the limit, queues callers beyond it. */
class PeerPool {
  readonly all = new Set<PeerConnection>();
  readonly idle: PeerConnection[] = [];
  open = 0;
  readonly waiters: Array<() => void> = [];
}

export class TransferClient {
  private readonly connectTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly maxConnectionsPerPeer: number;
  private readonly maxChunkSize: number;
  private readonly idleTimeoutMs: number;
  private readonly maxIdle: number;
  /** Every idle connection, oldest first: the one closed when there are more than maxIdle. */
  private readonly idleOrder = new Set<PeerConnection>();
  /** Connections dialled so far (each costs a handshake: an X25519 exchange and two MACs), for /metrics. */
  connectionsOpened = 0;
  private readonly pools = new Map<string, PeerPool>();
  private readonly log: Logger;
  readonly stats: TransferStats;
  private nextRequestId = 1;
  private closed = false;

  constructor(
    private readonly opts: TransferClientOptions,
    components: { log?: Logger; stats?: TransferStats } = {},
  ) {
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 5_000;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.maxConnectionsPerPeer = opts.maxConnectionsPerPeer ?? 4;
    this.maxChunkSize = opts.maxChunkSize ?? MAX_CHUNK_SIZE_BYTES;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
    this.maxIdle = opts.maxIdleConnections ?? MAX_IDLE_CONNECTIONS;
    this.log = components.log ?? logger("transfer");
    this.stats = components.stats ?? new TransferStats();
    // Idle connections opened with a key a rotation removed are closed; busy ones on release.
    opts.keyring.onChange(() => {
      for (const pool of this.pools.values()) {
        for (const c of [...pool.idle]) if (!opts.keyring.get(c.keyId)) c.destroy();
      }
    });
  }

  /** Resolves once the peer has fsynced the chunk (file and directory). */
  async putChunk(peer: Peer, id: string, data: Uint8Array, timeoutMs?: number): Promise<void> {
    if (data.byteLength > this.maxChunkSize) throw new RangeError(`chunk ${id} is larger than ${this.maxChunkSize} bytes`);
    const frame = (rid: number) => [encodePutChunkHead(rid, id, data.byteLength), data];
    await this.call(
      peer,
      FrameType.PUT_RESULT,
      id,
      frame,
      ({ payload }) => {
        this.stats.chunkBytesOut += data.byteLength;
        const { status, message } = parsePutResult(payload);
        if (status === "ok") return;
        const where = key(peer);
        if (status === "hash_mismatch") this.log.warn("peer rejected chunk: bytes do not match id", { peer: where, chunk: id });
        const code = status === "error" ? "remote" : status;
        throw new TransferError(code, `put of chunk ${id} to ${where} failed (${status}): ${message}`, where, id);
      },
      timeoutMs,
    );
  }

  /** Fetches a chunk and verifies its SHA-256; a bad copy is TransferError "corrupt". */
  getChunk(peer: Peer, id: string, timeoutMs?: number): Promise<Uint8Array> {
    return this.call(
      peer,
      FrameType.CHUNK_DATA,
      id,
      (rid) => [encodeGetChunk(rid, id)],
      ({ payload, sha256 }) => {
        const status = parseChunkStatus(payload);
        const where = key(peer);
        if (status !== "ok") {
          const code = status === "error" ? "remote" : status;
          const reason = decodeText(payload.subarray(1));
          throw new TransferError(code, `get of chunk ${id} from ${where} failed (${status}): ${reason}`, where, id);
        }
        this.stats.chunkBytesIn += payload.byteLength - 1;
        if (sha256 !== id) {
          this.log.warn("peer sent a chunk that does not match its id", { peer: where, chunk: id });
          throw new TransferError("corrupt", `chunk ${id} from ${where} does not match its id`, where, id);
        }
        return payload.subarray(1);
      },
      timeoutMs,
    );
  }

  /** Which of `ids` the peer holds, in order. */
  async hasChunks(peer: Peer, ids: string[], timeoutMs?: number): Promise<boolean[]> {
    const out: boolean[] = [];
    for (let i = 0; i < ids.length; i += MAX_HAS_IDS) {
      const batch = ids.slice(i, i + MAX_HAS_IDS);
      const bits = await this.call(
        peer,
        FrameType.HAS_RESULT,
        undefined,
        (rid) => [encodeHas(rid, batch)],
        ({ payload }) => parseHasResult(payload, batch.length),
        timeoutMs,
      );
      for (const bit of bits) out.push(bit);
    }
    return out;
  }

  /**
   * One RPC call; resolves with the peer's JSON answer, not yet validated (the caller's schema does that).
   * `limits`: the most JSON bytes the request may carry (a larger one is not sent) and the answer may announce.
   */
  rpc(peer: Peer, method: string, body: unknown, timeoutMs?: number, limits?: { request: number; response: number }): Promise<unknown> {
    return this.call(
      peer,
      FrameType.RPC_RESULT,
      undefined,
      (rid) => [encodeRpc(rid, method, body, limits?.request)],
      ({ payload }) => {
        this.stats.rpcAnswerBytes.set(method, (this.stats.rpcAnswerBytes.get(method) ?? 0) + payload.byteLength);
        const result = parseRpcResult(payload);
        if (result.status === "ok") return result.body;
        const code = rpcErrorCode(result.status);
        const where = key(peer);
        throw new TransferError(code, `${method} on ${where} failed (${result.status}): ${rpcErrorMessage(result.body)}`, where);
      },
      timeoutMs,
      limits === undefined ? undefined : 1 + limits.response,
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pool of this.pools.values()) {
      for (const c of pool.all) c.destroy();
      pool.idle.length = 0;
      for (const wake of pool.waiters.splice(0)) wake();
    }
  }

  /**
   * One request/response exchange; `parse` turns the response into the result or a typed failure.
   * A pooled connection the peer closed while it sat idle fails before any answer; such a request is retried once
   * on a fresh connection (every request here is idempotent: chunks are named by their content, manifests merge).
   */
  private async call<T>(
    peer: Peer,
    expect: FrameType,
    chunkId: string | undefined,
    frame: (requestId: number) => Uint8Array[],
    parse: (response: Response) => T,
    timeoutMs = this.requestTimeoutMs,
    maxPayload?: number,
  ): Promise<T> {
    const where = key(peer);
    for (let attempt = 0; ; attempt++) {
      const requestId = this.nextRequestId;
      this.nextRequestId = (this.nextRequestId % 0xffff_ffff) + 1;
      const parts = frame(requestId); // encoding validates the ids before a connection is taken
      const { connection, reused } = await this.acquire(peer);
      let healthy = false;
      try {
        const response = await connection.request(requestId, parts, timeoutMs, maxPayload);
        if (response.head.type !== expect) {
          throw new ProtocolError(`answered with frame type 0x${response.head.type.toString(16)}`);
        }
        healthy = true;
        return parse(response);
      } catch (err) {
        if (err instanceof ProtocolError) {
          healthy = false;
          this.log.warn("peer broke the transfer protocol", { peer: where, chunk: chunkId, err: err.message });
          throw new TransferError("protocol", `bad response from ${where}: ${err.message}`, where, chunkId);
        }
        // Failures from parse() already name the chunk; connection-level ones get it added here.
        if (!(err instanceof TransferError) || err.chunkId) throw err;
        if (err.code === "connect" && reused && !connection.answered && attempt === 0) continue;
        throw new TransferError(err.code, chunkId ? `${err.message} (chunk ${chunkId})` : err.message, where, chunkId);
      } finally {
        this.release(where, connection, healthy);
      }
    }
  }

  private async acquire(peer: Peer): Promise<{ connection: PeerConnection; reused: boolean }> {
    const where = key(peer);
    let pool = this.pools.get(where);
    if (!pool) this.pools.set(where, (pool = new PeerPool()));
    for (;;) {
      if (this.closed) throw new TransferError("connect", "transfer client is closed", where);
      const idle = pool.idle.pop();
      if (idle) {
        this.idleOrder.delete(idle);
        if (!idle.usable) continue;
        idle.socket.setTimeout(0);
        idle.socket.ref();
        return { connection: idle, reused: true };
      }
      if (pool.open < this.maxConnectionsPerPeer) {
        pool.open++;
        try {
          return { connection: await this.connect(peer, where, pool), reused: false };
        } catch (err) {
          pool.open--;
          pool.waiters.shift()?.();
          throw err;
        }
      }
      await new Promise<void>((resolve) => pool.waiters.push(resolve));
    }
  }

  private release(where: string, connection: PeerConnection, healthy: boolean): void {
    const pool = this.pools.get(where)!;
    if (healthy && connection.usable && !this.closed && this.opts.keyring.get(connection.keyId)) {
      // Idle connections neither keep the process alive nor linger past the server's own idle timeout.
      connection.socket.setTimeout(this.idleTimeoutMs);
      connection.socket.unref();
      pool.idle.push(connection);
      this.idleOrder.add(connection);
      const oldest = this.idleOrder.size > this.maxIdle ? this.idleOrder.values().next().value : undefined;
      if (oldest) {
        this.idleOrder.delete(oldest);
        oldest.destroy();
      }
    } else {
      connection.destroy();
    }
    pool.waiters.shift()?.();
  }

  /** TCP connect, then the handshake; both within connectTimeoutMs. */
  private async connect(peer: Peer, where: string, pool: PeerPool): Promise<PeerConnection> {
    this.connectionsOpened++;
    const started = Date.now();
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const socket = net.connect({ host: peer.host, port: peer.port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new TransferError("connect", `connecting to ${where} timed out after ${this.connectTimeoutMs} ms`, where));
      }, this.connectTimeoutMs);
      const onError = (err: Error) => {
        clearTimeout(timer);
        reject(new TransferError("connect", `cannot connect to ${where}: ${err.message}`, where));
      };
      socket.once("error", onError);
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.off("error", onError);
        socket.on("error", () => {}); // from here on reported by the handshake or the connection
        resolve(socket);
      });
    });
    let channel: PeerChannel;
    try {
      channel = await PeerChannel.connect(socket, peer.id, {
        keyring: this.opts.keyring,
        selfId: this.opts.selfId,
        encrypt: this.opts.encrypt(peer),
        timeoutMs: Math.max(1, this.connectTimeoutMs - (Date.now() - started)),
      });
    } catch (err) {
      socket.destroy();
      const reason = err instanceof HandshakeError ? err.reason : "malformed";
      this.stats.handshakesFailed[reason]++;
      const code: TransferErrorCode =
        reason === "wrong_node" ? "wrong_node" : reason === "timeout" || reason === "closed" ? "connect" : "auth";
      if (code === "auth") this.log.warn("peer failed the cluster-key handshake", { peer: peer.id, at: where, reason });
      throw new TransferError(code, `handshake with ${where} failed: ${(err as Error).message}`, where);
    }
    this.stats.handshakesOk++;
    const connection = new PeerConnection(channel, where, this.maxChunkSize, (gone) => {
      pool.open--;
      pool.all.delete(gone);
      this.idleOrder.delete(gone);
      const i = pool.idle.indexOf(gone);
      if (i >= 0) pool.idle.splice(i, 1);
      pool.waiters.shift()?.();
    });
    pool.all.add(connection);
    return connection;
  }
}

/** Pools are per member and address: a member that moved, or another node at an old address, gets its own. */
function key(peer: Peer): string {
  return `${peer.id}@${peer.host}:${peer.port}`;
}

function rpcErrorMessage(body: unknown): string {
  const error = body && typeof body === "object" ? (body as { error?: unknown }).error : undefined;
  return typeof error === "string" ? error.slice(0, 1000) : "no reason given";
}
