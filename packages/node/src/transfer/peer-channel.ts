// A node-to-node TCP connection after the cluster-key handshake: who the peer is (authenticated as a
// key holder), and a byte stream that is either the socket itself (both ends on loopback) or the
// socket under the AES-256-GCM record layer. server.ts and client.ts speak frames over this, never
// over a raw socket, so no frame is read from or written to a peer that has not proved the key.
import type { Socket } from "node:net";
import { ClientHandshake, HandshakeError, MAX_HANDSHAKE_BYTES, ServerHandshake, type Session } from "../security/handshake.ts";
import type { Keyring } from "../security/keyring.ts";
import { RecordOpener, RecordSealer, SEALED_BATCH_BYTES } from "../security/records.ts";
import { drained } from "../util/drained.ts";

/** Frame parts up to this many bytes in all are copied into one write (writeParts): the copy is cheaper than a send. */
const COALESCE_BYTES = 64 * 1024;

export interface HandshakeOptions {
  keyring: Keyring;
  selfId: string;
  /** This side asks for encrypted records (it binds, or talks to, a non-loopback address). */
  encrypt: boolean;
  timeoutMs: number;
}

/**
 * Record buffers reused once the socket has written them (its write callback; Bun keeps a reference to a
 * buffer it could not send at once, so never sooner): a long transfer then seals into memory that is already
 * mapped instead of fresh pages. Shared by every channel of the process and bounded.
 */
class RecordPool {
  private readonly free: Buffer[] = [];

  constructor(private readonly keep: number) {}

  take(size: number): Buffer {
    // Small messages (RPCs, acks) are cheap to allocate and would waste a batch-sized buffer.
    if (size > SEALED_BATCH_BYTES || size < SEALED_BATCH_BYTES / 4) return Buffer.allocUnsafe(size);
    return (this.free.pop() ?? Buffer.allocUnsafe(SEALED_BATCH_BYTES)).subarray(0, size);
  }

  give(record: Buffer): void {
    if (record.buffer.byteLength !== SEALED_BATCH_BYTES || record.byteOffset !== 0 || this.free.length >= this.keep) return;
    this.free.push(Buffer.from(record.buffer, 0, SEALED_BATCH_BYTES));
  }
}

// 16 batches of ~1 MiB: what two peers' chunk transfers keep in flight at once (measured: ~130 records).
const recordPool = new RecordPool(16);

export class PeerChannel {
  private readonly sealer: RecordSealer | undefined;
  private readonly opener: RecordOpener | undefined;
  private dataListener: ((bytes: Uint8Array) => void) | undefined;
  private errorListeners: Array<(err: Error) => void> = [];

  /** Use connect() or accept(); a channel exists only after a successful handshake. */
  constructor(
    readonly socket: Socket,
    readonly session: Session,
    readonly remote: string,
    /** Bytes that arrived right behind the handshake: the first frames. */
    private leftover: Buffer | undefined,
  ) {
    if (session.encrypt) {
      const sealer = (this.sealer = new RecordSealer(session.sendKey));
      const opener = (this.opener = new RecordOpener(session.recvKey));
      // Data events are over once the socket closed: the ciphers' native state can go.
      socket.once("close", () => {
        sealer.dispose();
        opener.dispose();
      });
    }
  }

  get peerId(): string {
    return this.session.peerId;
  }

  get encrypted(): boolean {
    return this.session.encrypt;
  }

  get destroyed(): boolean {
    return this.socket.destroyed;
  }

  /** The one consumer of incoming (decrypted) bytes. */
  onData(fn: (bytes: Uint8Array) => void): void {
    this.dataListener = fn;
    const early = this.leftover;
    this.leftover = undefined;
    if (early && early.length > 0) this.receive(early);
    // The socket was paused when the handshake ended, so nothing arrived without a listener.
    this.socket.on("data", (chunk: Buffer) => this.receive(chunk));
    this.socket.resume();
  }

  onError(fn: (err: Error) => void): void {
    this.errorListeners.push(fn);
    this.socket.on("error", fn);
  }

  /** Writes bytes; false means wait for drained() before writing more. */
  write(bytes: Uint8Array): boolean {
    if (!this.sealer) return this.socket.write(bytes);
    // A destroyed socket sends nothing (its close and error events tell the callers); its ciphers may be freed.
    if (this.socket.destroyed) return true;
    let flushed = true;
    for (const record of this.sealer.seal(bytes, (size) => recordPool.take(size))) {
      flushed = this.socket.write(record, () => recordPool.give(record)) && flushed;
    }
    return flushed;
  }

  /**
   * Writes a frame given in parts; parts that are small together (a header and a 4 KiB chunk) go as one write:
   * one send, one segment and one wake-up of the reader instead of one per part. False as write() says.
   */
  writeParts(parts: readonly Uint8Array[]): boolean {
    if (parts.length === 1) return this.write(parts[0]!);
    const total = parts.reduce((n, p) => n + p.byteLength, 0);
    if (total <= COALESCE_BYTES) return this.write(Buffer.concat(parts, total));
    let flushed = true;
    for (const part of parts) flushed = this.write(part) && flushed;
    return flushed;
  }

  drained(): Promise<void> {
    return drained(this.socket);
  }

  /** Sends the last bytes and closes our side. */
  end(bytes?: Uint8Array): void {
    if (bytes) this.write(bytes);
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    if (!this.opener) return this.dataListener?.(chunk);
    let plain: Buffer[];
    try {
      plain = this.opener.open(chunk);
    } catch (err) {
      for (const fn of this.errorListeners) fn(err as Error);
      this.socket.destroy();
      return;
    }
    for (const p of plain) this.dataListener?.(p);
  }

  /** Client side: runs the handshake on a connected socket. Rejects with HandshakeError. */
  static connect(socket: Socket, expectedPeer: string, opts: HandshakeOptions): Promise<PeerChannel> {
    const hs = new ClientHandshake(opts.keyring, opts.selfId, expectedPeer, opts.encrypt);
    socket.write(hs.hello());
    return exchange(socket, opts.timeoutMs, (buf) => {
      const done = hs.receive(buf);
      if (!done) return undefined;
      socket.write(done.finish);
      return { session: done.session, used: done.used };
    });
  }

  /** Server side: runs the handshake on an accepted socket. Rejects with HandshakeError (after telling the peer why). */
  static accept(socket: Socket, opts: HandshakeOptions): Promise<PeerChannel> {
    const hs = new ServerHandshake(opts.keyring, opts.selfId, opts.encrypt);
    let helloUsed: number | undefined;
    return exchange(socket, opts.timeoutMs, (buf) => {
      if (helloUsed === undefined) {
        const hello = hs.receiveHello(buf);
        if (!hello) return undefined;
        socket.write(hello.reply);
        if (hello.refusal) {
          socket.end();
          setTimeout(() => socket.destroy(), 1000).unref();
          throw hello.refusal;
        }
        helloUsed = hello.used;
      }
      const finish = hs.receiveFinish(buf.subarray(helloUsed));
      if (!finish) return undefined;
      return { session: finish.session, used: helloUsed + finish.used };
    });
  }
}

/** Reads handshake bytes until `step` yields a session; bounded in bytes and time. */
function exchange(
  socket: Socket,
  timeoutMs: number,
  step: (buf: Buffer) => { session: Session; used: number } | undefined,
): Promise<PeerChannel> {
  const remote = `${socket.remoteAddress}:${socket.remotePort}`;
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    const cleanup = () => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("close", onClose);
      socket.off("error", onError);
    };
    const fail = (err: HandshakeError) => {
      cleanup();
      if (!socket.destroyed && err.reason !== "unknown_key" && err.reason !== "wrong_node") socket.destroy();
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      try {
        const done = step(buf);
        if (!done) {
          if (buf.length > MAX_HANDSHAKE_BYTES) throw new HandshakeError("malformed", `handshake longer than ${MAX_HANDSHAKE_BYTES} bytes`);
          return;
        }
        cleanup();
        // Frames that came in the same segment as the handshake are kept for the frame reader, and the
        // socket stays paused until that reader is attached (onData), so no byte is dropped meanwhile.
        socket.pause();
        resolve(new PeerChannel(socket, done.session, remote, buf.subarray(done.used)));
      } catch (err) {
        fail(err instanceof HandshakeError ? err : new HandshakeError("malformed", (err as Error).message));
      }
    };
    const onClose = () => fail(new HandshakeError("closed", `connection from ${remote} closed during the handshake`));
    const onError = (err: Error) => fail(new HandshakeError("closed", `connection ${remote} failed during the handshake: ${err.message}`));
    const timer = setTimeout(() => fail(new HandshakeError("timeout", `no handshake from ${remote} within ${timeoutMs} ms`)), timeoutMs);
    socket.on("data", onData);
    socket.on("close", onClose);
    socket.on("error", onError);
    socket.resume();
  });
}
