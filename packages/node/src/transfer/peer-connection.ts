// One authenticated connection to a peer's transfer port, carrying one request at a time: sends a request's
// frame parts and decodes the matching answer, hashing a chunk's bytes as they arrive.
import type * as net from "node:net";
import { decodeText, FrameDecoder, type FrameHead, FrameType, PayloadBuffer, ProtocolError } from "./frames.ts";
import type { PeerChannel } from "./peer-channel.ts";
import { TransferError } from "./transfer-error.ts";

export interface Response {
  head: FrameHead;
  payload: Uint8Array;
  /** For CHUNK_DATA: SHA-256 of the bytes after the status byte, hashed as they arrived (overlapping the transfer). */
  sha256?: string;
}

interface PendingRequest {
  requestId: number;
  resolve: (r: Response) => void;
  reject: (e: TransferError) => void;
  payload?: PayloadBuffer;
  /** The most payload bytes the answer may announce (below the frame type's own bound). */
  maxPayload?: number;
  hasher?: Bun.CryptoHasher;
  received?: number;
}

/** One authenticated connection carrying one request at a time. */
export class PeerConnection {
  private readonly decoder: FrameDecoder;
  private pending: PendingRequest | undefined;
  private failure: TransferError | undefined;
  /** Whether any response byte arrived for the current request (a stale pooled socket fails before that). */
  answered = false;
  readonly socket: net.Socket;

  constructor(
    private readonly channel: PeerChannel,
    readonly peer: string,
    maxChunkSize: number,
    private readonly onClose: (c: PeerConnection) => void,
  ) {
    this.socket = channel.socket;
    this.decoder = new FrameDecoder({ maxChunkSize, accept: "responses" });
    const socket = this.socket;
    channel.onError((err) => this.fail(new TransferError("connect", `connection to ${peer} failed: ${err.message}`, peer)));
    socket.on("close", () => {
      this.fail(new TransferError("connect", `connection to ${peer} closed`, peer));
      this.onClose(this);
    });
    socket.on("timeout", () => socket.destroy()); // only armed while idle in the pool
    channel.onData((chunk) => this.receive(chunk));
  }

  get usable(): boolean {
    return !this.failure && !this.channel.destroyed;
  }

  get keyId(): string {
    return this.channel.session.keyId;
  }

  /** Sends the frame parts (respecting back-pressure) and resolves with the matching response. */
  async request(requestId: number, parts: Uint8Array[], timeoutMs: number, maxPayload?: number): Promise<Response> {
    if (this.failure) throw this.failure;
    this.answered = false;
    const response = new Promise<Response>((resolve, reject) => {
      this.pending = { requestId, resolve, reject, maxPayload };
    });
    response.catch(() => {}); // may fail while we are still writing; awaited below
    const timer = setTimeout(() => {
      this.fail(new TransferError("timeout", `no answer from ${this.peer} within ${timeoutMs} ms`, this.peer));
      this.channel.destroy();
    }, timeoutMs);
    try {
      if (!this.channel.writeParts(parts) && !this.failure) await this.channel.drained();
      return await response;
    } finally {
      clearTimeout(timer);
      this.pending = undefined;
    }
  }

  destroy(): void {
    this.channel.destroy();
  }

  private receive(chunk: Uint8Array): void {
    try {
      for (const event of this.decoder.push(chunk)) {
        const pending = this.pending;
        if (!pending) throw new ProtocolError("response without a request");
        this.answered = true;
        if (event.kind === "head") {
          if (event.head.requestId !== pending.requestId && event.head.type !== FrameType.ERROR) {
            throw new ProtocolError(`response for request ${event.head.requestId}, expected ${pending.requestId}`);
          }
          if (pending.maxPayload !== undefined && event.head.type !== FrameType.ERROR && event.head.payloadLength > pending.maxPayload) {
            throw new ProtocolError(`answer of ${event.head.payloadLength} bytes exceeds the ${pending.maxPayload} its request allows`);
          }
          // Bounded per type by the decoder (and per method above), and the answer to our own request: reserve it at once.
          pending.payload = new PayloadBuffer(event.head.payloadLength, event.head.type === FrameType.CHUNK_DATA);
          pending.received = 0;
          if (event.head.type === FrameType.CHUNK_DATA) pending.hasher = new Bun.CryptoHasher("sha256");
        } else if (event.kind === "body") {
          pending.payload!.append(event.bytes);
          pending.hasher?.update(pending.received === 0 ? event.bytes.subarray(1) : event.bytes);
          pending.received! += event.bytes.byteLength;
        } else {
          const payload = pending.payload!.bytes();
          if (event.head.type === FrameType.ERROR) throw new ProtocolError(`peer reported: ${decodeText(payload)}`);
          this.pending = undefined;
          pending.resolve({ head: event.head, payload, sha256: pending.hasher?.digest("hex") });
        }
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.fail(new TransferError("protocol", `bad response from ${this.peer}: ${message}`, this.peer));
      this.channel.destroy();
    }
  }

  private fail(err: TransferError): void {
    this.failure ??= err;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(this.failure);
  }
}
