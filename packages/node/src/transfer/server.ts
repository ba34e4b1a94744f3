// The transfer port: serves PUT_CHUNK / GET_CHUNK / HAS from other nodes against the local chunk store,
// and RPC frames (manifest push and sync, chunk digests, status, keys) through one dispatcher.
// PUT bodies stream into store.writer() as they arrive; PUT_RESULT ok is sent only after the chunk is fsynced.
// Every connection first completes the cluster-key handshake (peer-channel.ts); a peer that cannot is
// closed before a single frame is read.
//
// Built on node:net rather than Bun.listen: Bun's node:net implements pause()/resume() by stopping reads from the
// kernel (checked: a paused server socket makes the sender's write() return false and wait for 'drain'), which is
// exactly the back-pressure we need while a disk write is pending, and it moved ~1.7 GB/s over loopback in our test.
// Bun.listen's data callback has no per-socket flow control in the documented API we could rely on.
import * as net from "node:net";
import { ChunkCorruptError, ChunkNotFoundError, errorMessage, StoreFullError } from "../errors.ts";
import { type Logger, logger } from "../log.ts";
import { HandshakeError } from "../security/handshake.ts";
import type { Keyring } from "../security/keyring.ts";
import { RateLimitedLog } from "../util/rate-limited-log.ts";
import type { ChunkStorage, ChunkWriter } from "../store/chunk-storage.ts";
import {
  bytesToId,
  encodeChunkDataHead,
  encodeChunkFailure,
  encodeError,
  encodeHasResult,
  encodePutResult,
  encodeRpcResult,
  FrameDecoder,
  type FrameEvent,
  type FrameHead,
  FrameType,
  ID_SIZE,
  parseIdList,
  parseRpc,
  PayloadBuffer,
  ProtocolError,
  type PutStatus,
  type RpcStatus,
  rpcMethodOf,
} from "./frames.ts";
import { PeerChannel } from "./peer-channel.ts";
import { TransferStats } from "./stats.ts";
import { noteStreamedBytes } from "../util/memory-governor.ts";

/** Answers one RPC frame from an authenticated peer. Validation of `body` is the handler's job. */
export type RpcHandler = (from: string, method: string, body: unknown) => Promise<{ status: RpcStatus; body: unknown }>;

/** An accepted connection silent for this long is closed (clients close their idle ones sooner: client.ts). */
export const SERVER_IDLE_TIMEOUT_MS = 120_000;

export interface TransferServerInit {
  /** Only what verifies what it takes: bytes from a peer never reach ChunkStorage.putSelfHashed. */
  store: Pick<ChunkStorage, "writer" | "get" | "has">;
  host: string;
  port: number;
  maxChunkSize: number;
  /** This node's id and the keys a peer must prove it holds. */
  selfId: string;
  keyring: Keyring;
  /** Ask peers for encrypted records (this node binds a non-loopback address). */
  encrypt: boolean;
  /** A handshake not finished within this long is dropped (default 5 s). */
  handshakeTimeoutMs?: number;
  rpc?: RpcHandler;
  /** The most JSON bytes a request of this method may carry (default MAX_RPC_BODY for all); a larger one closes the connection unread. */
  rpcRequestLimit?: (method: string) => number;
  /** Close a connection that sends nothing for this long (default 120 s); frees a stalled half-sent chunk. */
  idleTimeoutMs?: number;
  /** Connections accepted at once (default 512). */
  maxConnections?: number;
  /** Called at every request frame (the JIT governor counts them: util/jit-governor.ts). */
  onRequest?: () => void;
}

export interface TransferServerComponents {
  log?: Logger;
  stats?: TransferStats;
}

export class TransferServer {
  private server: net.Server | undefined;
  private readonly connections = new Set<InboundConnection>();
  private readonly handshaking = new Set<net.Socket>();
  private readonly log: Logger;
  private readonly refusedLog: RateLimitedLog;
  /** Misbehaving members (protocol violations, chunks that do not match their id): a flood logs a few lines. */
  private readonly misbehaviourLog: RateLimitedLog;
  readonly stats: TransferStats;

  constructor(
    private readonly init: TransferServerInit,
    components: TransferServerComponents = {},
  ) {
    this.log = components.log ?? logger("transfer");
    this.stats = components.stats ?? new TransferStats();
    this.refusedLog = new RateLimitedLog(this.log, 10_000, 5);
    this.misbehaviourLog = new RateLimitedLog(this.log, 10_000, 5);
    // A key removed by a rotation no longer admits anyone: sessions opened with it end after their current request.
    init.keyring.onChange(() => {
      for (const c of this.connections) if (!init.keyring.get(c.keyId)) c.retire();
    });
  }

  /** The bound port (useful when started on port 0). */
  get port(): number {
    const address = this.server?.address();
    return address && typeof address === "object" ? address.port : this.init.port;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
    server.maxConnections = this.init.maxConnections ?? 512;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        reject(
          err.code === "EADDRINUSE"
            ? new Error(`transfer port ${this.init.port} is already in use`, { cause: err })
            : new Error(`transfer port ${this.init.port} could not be opened: ${err.message}`, { cause: err }),
        );
      };
      server.once("error", onError);
      server.listen(this.init.port, this.init.host, () => {
        server.off("error", onError);
        resolve();
      });
    });
    server.on("error", (err) => this.log.error("transfer server error", { err }));
    this.server = server;
    this.log.info("transfer server listening", { host: this.init.host, port: this.port });
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.handshaking) socket.destroy();
    await Promise.all([...this.connections].map((c) => c.close()));
    await closed;
  }

  private accept(socket: net.Socket): void {
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    this.handshaking.add(socket);
    socket.on("error", () => {}); // reported by the handshake or the connection
    PeerChannel.accept(socket, {
      keyring: this.init.keyring,
      selfId: this.init.selfId,
      encrypt: this.init.encrypt,
      timeoutMs: this.init.handshakeTimeoutMs ?? 5000,
    }).then(
      (channel) => {
        this.handshaking.delete(socket);
        if (!this.server) return channel.destroy();
        this.stats.handshakesOk++;
        const connection = new InboundConnection(channel, this.init, this.stats, this.log, this.misbehaviourLog, () =>
          this.connections.delete(connection),
        );
        this.connections.add(connection);
      },
      (err) => {
        this.handshaking.delete(socket);
        const reason = err instanceof HandshakeError ? err.reason : "malformed";
        this.stats.handshakesFailed[reason]++;
        this.refusedLog.warn("refused a transfer connection: no valid cluster-key handshake", { peer: remote, reason, err: errorMessage(err) });
      },
    );
  }
}

/** The chunk being received by a PUT_CHUNK whose body is still arriving. */
interface IncomingPut {
  head: FrameHead;
  idBytes: Uint8Array;
  idFill: number;
  id?: string;
  writer?: ChunkWriter;
  /** Set once the put has failed; the rest of the body is read and dropped so the framing stays intact. */
  failure?: { status: PutStatus; message: string };
}

/** One peer's connection: decodes its frames in order and answers each request before reading the next. */
class InboundConnection {
  private readonly decoder: FrameDecoder;
  private readonly remote: string;
  private readonly queue: Uint8Array[] = [];
  /** The running drain loop, if any: requests on one connection are handled strictly one after another. */
  private draining: Promise<void> | undefined;
  private closed = false;
  private put: IncomingPut | undefined;
  private small: { head: FrameHead; payload: PayloadBuffer; methodChecked?: boolean } | undefined;
  private done: Promise<void> | undefined;
  private readonly socket: net.Socket;
  /** Its key was removed: close once the request in progress is answered. */
  private retired = false;

  constructor(
    private readonly channel: PeerChannel,
    private readonly init: TransferServerInit,
    private readonly stats: TransferStats,
    private readonly log: Logger,
    private readonly misbehaviourLog: RateLimitedLog,
    private readonly onGone: () => void,
  ) {
    this.socket = channel.socket;
    this.remote = `${channel.peerId}@${channel.remote}`;
    this.decoder = new FrameDecoder({ maxChunkSize: init.maxChunkSize, accept: "requests" });
    const socket = this.socket;
    socket.setNoDelay(true);
    socket.setTimeout(init.idleTimeoutMs ?? SERVER_IDLE_TIMEOUT_MS);
    socket.on("timeout", () => {
      this.log.warn("closing idle transfer connection", { peer: this.remote, midFrame: this.decoder.midFrame });
      socket.destroy();
    });
    channel.onError((err) => this.log.debug("transfer connection error", { peer: this.remote, err }));
    socket.on("close", () => void this.close());
    channel.onData((chunk) => {
      if (this.closed) return;
      this.queue.push(chunk);
      this.kick();
    });
  }

  get keyId(): string {
    return this.channel.session.keyId;
  }

  retire(): void {
    this.retired = true;
    if (!this.draining) void this.close();
  }

  /** Stops serving this connection and drops any half-received chunk. */
  close(): Promise<void> {
    this.done ??= (async () => {
      this.closed = true;
      this.queue.length = 0;
      if (!this.socket.destroyed) this.socket.destroy();
      // A pending disk write finishes first (drain() then stops); only then is the partial chunk dropped.
      await this.draining;
      await this.abandonPut();
      this.onGone();
    })();
    return this.done;
  }

  /** Starts the drain loop unless it runs; when it ends, reading resumes (or it restarts if bytes came meanwhile). */
  private kick(): void {
    if (this.draining) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      if (this.closed) return;
      if (this.retired && !this.decoder.midFrame) void this.close();
      else if (this.queue.length > 0) this.kick();
      else this.socket.resume();
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.closed) {
        const chunk = this.queue.shift()!;
        for (const event of this.decoder.push(chunk)) {
          const pending = this.handle(event);
          if (pending) {
            // Back-pressure: read nothing more from this peer until the disk (or its socket) has caught up.
            this.socket.pause();
            await pending;
          }
          if (this.closed) break;
        }
      }
    } catch (err) {
      this.protocolFailure(err);
    }
  }

  /** Handles one decoder event; returns a promise only when the next event must wait for it. */
  private handle(event: FrameEvent): Promise<void> | undefined {
    const { head } = event;
    if (event.kind === "head") {
      this.init.onRequest?.();
      if (head.type === FrameType.PUT_CHUNK) this.put = { head, idBytes: new Uint8Array(ID_SIZE), idFill: 0 };
      else this.small = { head, payload: new PayloadBuffer(head.payloadLength) };
      return undefined;
    }
    if (head.type === FrameType.PUT_CHUNK) {
      return event.kind === "body" ? this.putBody(event.bytes) : this.putEnd();
    }
    const small = this.small!;
    if (event.kind === "body") {
      small.payload.append(event.bytes);
      if (head.type === FrameType.RPC && !small.methodChecked) small.methodChecked = this.checkRpcSize(small.payload);
      return undefined;
    }
    this.small = undefined;
    const payload = small.payload.bytes();
    if (head.type === FrameType.RPC && !small.methodChecked) this.checkRpcSize(small.payload);
    if (head.type === FrameType.RPC) return this.rpc(head, payload);
    return head.type === FrameType.GET_CHUNK ? this.getChunk(head, payload) : this.hasChunks(head, payload);
  }

  /**
   * Once the method name has arrived, refuses a body larger than that method may carry, before the rest of
   * it is buffered (up to MAX_RPC_BODY otherwise). Returns whether the check was made.
   */
  private checkRpcSize(payload: PayloadBuffer): boolean {
    const limit = this.init.rpcRequestLimit;
    if (!limit) return true;
    const method = rpcMethodOf(payload);
    if (method === undefined) return false;
    const bodyBytes = payload.length - 1 - method.length;
    if (bodyBytes > limit(method)) throw new ProtocolError(`${method} request of ${bodyBytes} bytes exceeds its limit of ${limit(method)}`);
    return true;
  }

  private async rpc(head: FrameHead, payload: Uint8Array): Promise<void> {
    const { method, body } = parseRpc(payload);
    const handler = this.init.rpc;
    if (!handler) return this.send(encodeRpcResult(head.requestId, "unknown_method", { error: `no RPC methods on this node` }));
    let result: { status: RpcStatus; body: unknown };
    try {
      result = await handler(this.channel.peerId, method, body);
    } catch (err) {
      this.log.error("RPC handler failed", { peer: this.remote, method, err });
      result = { status: "error", body: { error: errorMessage(err) } };
    }
    await this.send(encodeRpcResult(head.requestId, result.status, result.body));
  }

  private putBody(bytes: Uint8Array): Promise<void> | undefined {
    const put = this.put!;
    if (put.idFill < ID_SIZE) {
      const take = Math.min(ID_SIZE - put.idFill, bytes.byteLength);
      put.idBytes.set(bytes.subarray(0, take), put.idFill);
      put.idFill += take;
      bytes = bytes.subarray(take);
      if (put.idFill === ID_SIZE) {
        put.id = bytesToId(put.idBytes);
        put.writer = this.init.store.writer(put.id, put.head.payloadLength - ID_SIZE);
      }
    }
    if (bytes.byteLength === 0 || put.failure) return undefined;
    this.stats.chunkBytesIn += bytes.byteLength;
    noteStreamedBytes(bytes.byteLength);
    return put.writer!.write(bytes).catch((err) => {
      put.failure = putFailure(err);
      put.writer = undefined; // a failed write has already cleaned up after itself
      if (put.failure.status === "error") this.log.error("storing incoming chunk failed", { peer: this.remote, chunk: put.id, err });
    });
  }

  private async putEnd(): Promise<void> {
    const put = this.put!;
    this.put = undefined;
    let status: PutStatus = "ok";
    let message = "";
    if (put.failure) {
      ({ status, message } = put.failure);
    } else {
      try {
        const { created } = await put.writer!.commit();
        this.log.debug("chunk received", { peer: this.remote, chunk: put.id, created });
      } catch (err) {
        ({ status, message } = putFailure(err));
        if (status === "error") this.log.error("committing incoming chunk failed", { peer: this.remote, chunk: put.id, err });
      }
    }
    if (status === "hash_mismatch") this.misbehaviourLog.warn("incoming chunk does not match its id", { peer: this.remote, chunk: put.id });
    if (status === "store_full") this.log.warn("refused incoming chunk: store full", { peer: this.remote, chunk: put.id, reason: message });
    await this.send(encodePutResult(put.head.requestId, status, message));
  }

  private async getChunk(head: FrameHead, payload: Uint8Array): Promise<void> {
    const id = bytesToId(payload);
    let data: Uint8Array;
    try {
      data = await this.init.store.get(id);
    } catch (err) {
      if (err instanceof ChunkNotFoundError) return this.send(encodeChunkFailure(head.requestId, "not_found", err.message));
      if (err instanceof ChunkCorruptError) return this.send(encodeChunkFailure(head.requestId, "corrupt", err.message));
      this.log.error("reading chunk for a peer failed", { peer: this.remote, chunk: id, err });
      return this.send(encodeChunkFailure(head.requestId, "error", errorMessage(err)));
    }
    this.stats.chunkBytesOut += data.byteLength;
    await this.send(encodeChunkDataHead(head.requestId, data.byteLength), data);
  }

  private hasChunks(head: FrameHead, payload: Uint8Array): Promise<void> {
    const present = parseIdList(payload).map((id) => this.init.store.has(id));
    return this.send(encodeHasResult(head.requestId, present));
  }

  /** Writes a response; resolves at once unless the socket's buffer is full, then on 'drain' (or close). */
  private send(...parts: Uint8Array[]): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.channel.writeParts(parts) ? Promise.resolve() : this.channel.drained();
  }

  private protocolFailure(err: unknown): void {
    if (!(err instanceof ProtocolError)) {
      this.log.error("transfer connection failed", { peer: this.remote, err });
      void this.close();
      return;
    }
    this.misbehaviourLog.warn("closing transfer connection after a protocol violation", { peer: this.remote, err: err.message });
    this.closed = true;
    this.queue.length = 0;
    void this.abandonPut();
    // Tell the peer why, then hang up; destroy soon in case it never reads.
    this.channel.end(encodeError(0, err.message));
    setTimeout(() => void this.close(), 1000).unref();
  }

  private async abandonPut(): Promise<void> {
    const put = this.put;
    this.put = undefined;
    if (put?.writer) {
      await put.writer.abort();
      this.log.info("peer disconnected mid-chunk; partial chunk dropped", { peer: this.remote, chunk: put.id });
    }
  }
}

function putFailure(err: unknown): { status: PutStatus; message: string } {
  if (err instanceof ChunkCorruptError) return { status: "hash_mismatch", message: err.message };
  if (err instanceof StoreFullError) return { status: "store_full", message: err.message };
  return { status: "error", message: errorMessage(err) };
}
