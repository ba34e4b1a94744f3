// The node-to-node chunk protocol's wire format: pure encoders and an incremental, allocation-bounded decoder.
// No I/O here; server.ts and client.ts feed it socket bytes.
//
// Every frame is a 12-byte header followed by `payloadLength` bytes. Integers are big-endian.
//
//   offset size  field
//   0      2     magic          0x4F 0x52 ("OR")
//   2      1     version        1
//   3      1     type           see FrameType
//   4      4     requestId      u32, chosen by the client, echoed in the response
//   8      4     payloadLength  u32, checked against the per-type limit before any payload is read
//
// Requests (client → server) and their payloads:
//   0x01 PUT_CHUNK   id[32] ‖ chunk bytes                      32 ≤ len ≤ 32 + maxChunkSize
//   0x02 GET_CHUNK   id[32]                                    len = 32
//   0x03 HAS         id[32] × n                                len = 32·n, n ≤ MAX_HAS_IDS
//   0x04 RPC         methodLen u8 ‖ method ‖ JSON body          2 ≤ len ≤ 1 + MAX_METHOD + MAX_RPC_BODY
// Responses (server → client):
//   0x81 PUT_RESULT  status u8 ‖ utf-8 message                 1 ≤ len ≤ 1 + MAX_MESSAGE
//                    status: 0 ok (sent only after file + directory fsync), 1 hash_mismatch, 2 store_full, 3 error
//   0x82 CHUNK_DATA  status u8 ‖ chunk bytes (ok) or message   1 ≤ len ≤ 1 + maxChunkSize
//                    status: 0 ok, 1 not_found, 2 corrupt (the server's copy failed verification), 3 error
//   0x83 HAS_RESULT  count u32 ‖ bitmap[ceil(count/8)]          bit i = byte[i >> 3] & (1 << (i & 7))
//   0x84 RPC_RESULT  status u8 ‖ JSON                          1 ≤ len ≤ 1 + MAX_RPC_BODY
//                    status: 0 ok (JSON = result), 1 bad_request, 2 error, 3 unknown_method (JSON = {error})
//   0xFF ERROR       utf-8 message: the peer broke the protocol; the sender closes the connection
//
// Frames flow only after the cluster-key handshake (peer-channel.ts, security/handshake.ts).
//
// An id is the chunk's SHA-256 as 32 raw bytes (64 lowercase hex characters elsewhere).
import { isChunkId } from "../store/chunk-storage.ts";

export const MAGIC0 = 0x4f;
export const MAGIC1 = 0x52;
export const VERSION = 1;
export const HEADER_SIZE = 12;
export const ID_SIZE = 32;
export const MAX_HAS_IDS = 4096;
export const MAX_MESSAGE = 1024;
export const MAX_METHOD = 64;
/** One RPC body: a page of manifest sync, or one maximal manifest push, with room to spare. */
export const MAX_RPC_BODY = 32 * 1024 * 1024;

export const FrameType = {
  PUT_CHUNK: 0x01,
  GET_CHUNK: 0x02,
  HAS: 0x03,
  RPC: 0x04,
  PUT_RESULT: 0x81,
  CHUNK_DATA: 0x82,
  HAS_RESULT: 0x83,
  RPC_RESULT: 0x84,
  ERROR: 0xff,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

export const PutStatus = { ok: 0, hash_mismatch: 1, store_full: 2, error: 3 } as const;
export type PutStatus = keyof typeof PutStatus;
export const ChunkStatus = { ok: 0, not_found: 1, corrupt: 2, error: 3 } as const;
export type ChunkStatus = keyof typeof ChunkStatus;
export const RpcStatus = { ok: 0, bad_request: 1, error: 2, unknown_method: 3 } as const;
export type RpcStatus = keyof typeof RpcStatus;

const putStatusName = Object.fromEntries(Object.entries(PutStatus).map(([k, v]) => [v, k])) as Record<number, PutStatus>;
const chunkStatusName = Object.fromEntries(Object.entries(ChunkStatus).map(([k, v]) => [v, k])) as Record<
  number,
  ChunkStatus
>;

/** The peer sent something that is not this protocol; the connection must be closed. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProtocolError";
  }
}

export interface FrameHead {
  type: FrameType;
  requestId: number;
  payloadLength: number;
}

export type FrameEvent =
  | { kind: "head"; head: FrameHead }
  /** A slice of the payload: a view into the bytes given to push(), valid until the next push(). */
  | { kind: "body"; head: FrameHead; bytes: Uint8Array }
  | { kind: "end"; head: FrameHead };

const requestTypes = new Set<number>([FrameType.PUT_CHUNK, FrameType.GET_CHUNK, FrameType.HAS, FrameType.RPC]);
const responseTypes = new Set<number>([
  FrameType.PUT_RESULT,
  FrameType.CHUNK_DATA,
  FrameType.HAS_RESULT,
  FrameType.RPC_RESULT,
  FrameType.ERROR,
]);

/** The largest payload a frame of this type may announce; anything larger is hostile or broken. */
export function payloadLimits(type: FrameType, maxChunkSize: number): { min: number; max: number } {
  switch (type) {
    case FrameType.PUT_CHUNK:
      return { min: ID_SIZE, max: ID_SIZE + maxChunkSize };
    case FrameType.GET_CHUNK:
      return { min: ID_SIZE, max: ID_SIZE };
    case FrameType.HAS:
      return { min: 0, max: ID_SIZE * MAX_HAS_IDS };
    case FrameType.PUT_RESULT:
      return { min: 1, max: 1 + MAX_MESSAGE };
    case FrameType.CHUNK_DATA:
      return { min: 1, max: 1 + Math.max(maxChunkSize, MAX_MESSAGE) };
    case FrameType.HAS_RESULT:
      return { min: 4, max: 4 + MAX_HAS_IDS / 8 };
    case FrameType.RPC:
      return { min: 2, max: 1 + MAX_METHOD + MAX_RPC_BODY };
    case FrameType.RPC_RESULT:
      return { min: 1, max: 1 + MAX_RPC_BODY };
    case FrameType.ERROR:
      return { min: 0, max: MAX_MESSAGE };
  }
}

/**
 * Turns a byte stream into frame events. It holds at most one partial 12-byte header; payload bytes are handed
 * out as views of the input, so a hostile length can never make it allocate.
 */
export class FrameDecoder {
  private readonly accepted: Set<number>;
  private readonly header = new Uint8Array(HEADER_SIZE);
  private headerFill = 0;
  private current: FrameHead | undefined;
  private remaining = 0;

  constructor(private readonly opts: { maxChunkSize: number; accept: "requests" | "responses" }) {
    this.accepted = opts.accept === "requests" ? requestTypes : responseTypes;
  }

  /** True while a frame has started and not ended (a disconnect now loses a partial frame). */
  get midFrame(): boolean {
    return this.headerFill > 0 || this.current !== undefined;
  }

  /** Yields the events in `chunk`. Iterate it to completion before the next push(). Throws ProtocolError. */
  *push(chunk: Uint8Array): Generator<FrameEvent> {
    let offset = 0;
    while (offset < chunk.byteLength || (this.current && this.remaining === 0)) {
      if (!this.current) {
        const take = Math.min(HEADER_SIZE - this.headerFill, chunk.byteLength - offset);
        this.header.set(chunk.subarray(offset, offset + take), this.headerFill);
        this.headerFill += take;
        offset += take;
        if (this.headerFill < HEADER_SIZE) return;
        this.headerFill = 0;
        this.current = this.parseHead(this.header);
        this.remaining = this.current.payloadLength;
        yield { kind: "head", head: this.current };
        continue;
      }
      const head = this.current;
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.byteLength - offset);
        const bytes = chunk.subarray(offset, offset + take);
        offset += take;
        this.remaining -= take;
        yield { kind: "body", head, bytes };
      }
      if (this.remaining === 0) {
        this.current = undefined;
        yield { kind: "end", head };
      }
    }
  }

  private parseHead(h: Uint8Array): FrameHead {
    if (h[0] !== MAGIC0 || h[1] !== MAGIC1) throw new ProtocolError(`bad magic 0x${hex2(h[0]!)}${hex2(h[1]!)}`);
    if (h[2] !== VERSION) throw new ProtocolError(`unsupported protocol version ${h[2]}`);
    const type = h[3]!;
    if (!this.accepted.has(type)) throw new ProtocolError(`unexpected frame type 0x${hex2(type)}`);
    const view = new DataView(h.buffer, h.byteOffset, HEADER_SIZE);
    const requestId = view.getUint32(4);
    const payloadLength = view.getUint32(8);
    const { min, max } = payloadLimits(type as FrameType, this.opts.maxChunkSize);
    if (payloadLength < min || payloadLength > max) {
      throw new ProtocolError(`frame type 0x${hex2(type)} announces ${payloadLength} payload bytes; allowed ${min}..${max}`);
    }
    if (type === FrameType.HAS && payloadLength % ID_SIZE !== 0) {
      throw new ProtocolError(`HAS payload of ${payloadLength} bytes is not a whole number of ids`);
    }
    return { type: type as FrameType, requestId, payloadLength };
  }
}

/**
 * Gathers a payload whose length the decoder has already bounded. Zero-copy when it arrives in one piece;
 * otherwise the buffer grows with what actually arrived (doubling), so an announced length alone never
 * makes this allocate.
 */
export class PayloadBuffer {
  private buf: Uint8Array | undefined;
  private first: Uint8Array | undefined;
  private fill = 0;

  /** `preallocate`: reserve the whole length at once (for answers to our own requests, whose size we bound). */
  constructor(
    readonly length: number,
    private readonly preallocate = false,
  ) {}

  append(bytes: Uint8Array): void {
    if (this.fill + bytes.byteLength > this.length) throw new ProtocolError("payload longer than announced");
    if (this.fill === 0 && bytes.byteLength === this.length) {
      this.first = bytes;
    } else {
      const needed = this.fill + bytes.byteLength;
      if (!this.buf || this.buf.byteLength < needed) {
        const size = this.preallocate ? this.length : Math.min(this.length, Math.max(needed, 64 * 1024, 2 * (this.buf?.byteLength ?? 0)));
        const grown = Buffer.allocUnsafe(size);
        if (this.buf) grown.set(this.buf.subarray(0, this.fill));
        else if (this.first) grown.set(this.first);
        this.buf = grown;
        this.first = undefined;
      }
      this.buf.set(bytes, this.fill);
    }
    this.fill += bytes.byteLength;
  }

  get complete(): boolean {
    return this.fill === this.length;
  }

  /** The first `n` bytes, once they have arrived. */
  peek(n: number): Uint8Array | undefined {
    if (this.fill < n) return undefined;
    return (this.first ?? this.buf!).subarray(0, n);
  }

  /** The whole payload; only after `complete`. */
  bytes(): Uint8Array {
    if (!this.complete) throw new ProtocolError(`payload truncated at ${this.fill} of ${this.length} bytes`);
    return this.first ?? this.buf?.subarray(0, this.fill) ?? new Uint8Array(0);
  }
}

// ---- encoders ----

export function encodeHead(type: FrameType, requestId: number, payloadLength: number, extra = 0): Buffer {
  const out = Buffer.allocUnsafe(HEADER_SIZE + extra);
  out[0] = MAGIC0;
  out[1] = MAGIC1;
  out[2] = VERSION;
  out[3] = type;
  out.writeUInt32BE(requestId >>> 0, 4);
  out.writeUInt32BE(payloadLength, 8);
  return out;
}

/** Header and id of a PUT_CHUNK; the chunk bytes follow as a separate write so they are never copied. */
export function encodePutChunkHead(requestId: number, id: string, chunkLength: number): Uint8Array {
  const out = encodeHead(FrameType.PUT_CHUNK, requestId, ID_SIZE + chunkLength, ID_SIZE);
  out.set(idToBytes(id), HEADER_SIZE);
  return out;
}

export function encodeGetChunk(requestId: number, id: string): Uint8Array {
  const out = encodeHead(FrameType.GET_CHUNK, requestId, ID_SIZE, ID_SIZE);
  out.set(idToBytes(id), HEADER_SIZE);
  return out;
}

export function encodeHas(requestId: number, ids: string[]): Uint8Array {
  if (ids.length > MAX_HAS_IDS) throw new RangeError(`HAS carries at most ${MAX_HAS_IDS} ids, got ${ids.length}`);
  const out = encodeHead(FrameType.HAS, requestId, ID_SIZE * ids.length, ID_SIZE * ids.length);
  ids.forEach((id, i) => out.set(idToBytes(id), HEADER_SIZE + i * ID_SIZE));
  return out;
}

export function encodePutResult(requestId: number, status: PutStatus, message = ""): Uint8Array {
  const text = messageBytes(message);
  const out = encodeHead(FrameType.PUT_RESULT, requestId, 1 + text.byteLength, 1 + text.byteLength);
  out[HEADER_SIZE] = PutStatus[status];
  out.set(text, HEADER_SIZE + 1);
  return out;
}

/** Header and status byte of a CHUNK_DATA carrying `dataLength` chunk bytes, which follow as a separate write. */
export function encodeChunkDataHead(requestId: number, dataLength: number): Uint8Array {
  const out = encodeHead(FrameType.CHUNK_DATA, requestId, 1 + dataLength, 1);
  out[HEADER_SIZE] = ChunkStatus.ok;
  return out;
}

/** A CHUNK_DATA that carries no chunk: not_found, corrupt or error, with a message. */
export function encodeChunkFailure(requestId: number, status: Exclude<ChunkStatus, "ok">, message = ""): Uint8Array {
  const text = messageBytes(message);
  const out = encodeHead(FrameType.CHUNK_DATA, requestId, 1 + text.byteLength, 1 + text.byteLength);
  out[HEADER_SIZE] = ChunkStatus[status];
  out.set(text, HEADER_SIZE + 1);
  return out;
}

export function encodeHasResult(requestId: number, present: boolean[]): Uint8Array {
  if (present.length > MAX_HAS_IDS) throw new RangeError(`HAS_RESULT carries at most ${MAX_HAS_IDS} bits`);
  const bitmapLength = Math.ceil(present.length / 8);
  const out = encodeHead(FrameType.HAS_RESULT, requestId, 4 + bitmapLength, 4 + bitmapLength);
  out.writeUInt32BE(present.length, HEADER_SIZE);
  out.fill(0, HEADER_SIZE + 4);
  present.forEach((bit, i) => {
    if (bit) out[HEADER_SIZE + 4 + (i >> 3)]! |= 1 << (i & 7);
  });
  return out;
}

const METHOD_PATTERN = /^[a-z][a-zA-Z0-9.-]{0,63}$/;

/** `maxBody`: the method's own bound on its JSON (at most MAX_RPC_BODY). */
export function encodeRpc(requestId: number, method: string, body: unknown, maxBody = MAX_RPC_BODY): Uint8Array {
  if (!METHOD_PATTERN.test(method)) throw new RangeError(`invalid RPC method ${JSON.stringify(method.slice(0, 80))}`);
  const json = Buffer.from(JSON.stringify(body ?? null), "utf8");
  const limit = Math.min(maxBody, MAX_RPC_BODY);
  if (json.byteLength > limit) throw new RangeError(`${method} body of ${json.byteLength} bytes exceeds ${limit}`);
  const out = encodeHead(FrameType.RPC, requestId, 1 + method.length + json.byteLength, 1 + method.length + json.byteLength);
  out[HEADER_SIZE] = method.length;
  out.write(method, HEADER_SIZE + 1, "latin1");
  out.set(json, HEADER_SIZE + 1 + method.length);
  return out;
}

export function encodeRpcResult(requestId: number, status: RpcStatus, body: unknown): Uint8Array {
  let json = Buffer.from(JSON.stringify(body ?? null), "utf8");
  if (json.byteLength > MAX_RPC_BODY) {
    status = "error";
    json = Buffer.from(JSON.stringify({ error: `result of ${json.byteLength} bytes exceeds ${MAX_RPC_BODY}` }));
  }
  const out = encodeHead(FrameType.RPC_RESULT, requestId, 1 + json.byteLength, 1 + json.byteLength);
  out[HEADER_SIZE] = RpcStatus[status];
  out.set(json, HEADER_SIZE + 1);
  return out;
}

export function encodeError(requestId: number, message: string): Uint8Array {
  const text = messageBytes(message);
  const out = encodeHead(FrameType.ERROR, requestId, text.byteLength, text.byteLength);
  out.set(text, HEADER_SIZE);
  return out;
}

// ---- payload parsers (the decoder has already checked the length bounds) ----

export function parseIdList(payload: Uint8Array): string[] {
  if (payload.byteLength % ID_SIZE !== 0) throw new ProtocolError(`id list of ${payload.byteLength} bytes`);
  const ids: string[] = [];
  for (let o = 0; o < payload.byteLength; o += ID_SIZE) ids.push(bytesToId(payload.subarray(o, o + ID_SIZE)));
  return ids;
}

export function parsePutResult(payload: Uint8Array): { status: PutStatus; message: string } {
  const status = putStatusName[payload[0]!];
  if (status === undefined) throw new ProtocolError(`unknown PUT_RESULT status ${payload[0]}`);
  return { status, message: decodeText(payload.subarray(1)) };
}

export function parseChunkStatus(payload: Uint8Array): ChunkStatus {
  const status = chunkStatusName[payload[0]!];
  if (status === undefined) throw new ProtocolError(`unknown CHUNK_DATA status ${payload[0]}`);
  return status;
}

export function parseHasResult(payload: Uint8Array, expectedCount: number): boolean[] {
  const count = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).readUInt32BE(0);
  if (count !== expectedCount) throw new ProtocolError(`HAS_RESULT has ${count} bits for ${expectedCount} ids`);
  if (payload.byteLength !== 4 + Math.ceil(count / 8)) throw new ProtocolError("HAS_RESULT bitmap length mismatch");
  const out = new Array<boolean>(count);
  for (let i = 0; i < count; i++) out[i] = (payload[4 + (i >> 3)]! & (1 << (i & 7))) !== 0;
  return out;
}

const rpcStatusName = Object.fromEntries(Object.entries(RpcStatus).map(([k, v]) => [v, k])) as Record<number, RpcStatus>;

/** An RPC request payload: the method name and the parsed (not yet validated) JSON body. */
/** The method of an RPC frame whose payload is still arriving: undefined until its name is complete; throws if it is malformed. */
export function rpcMethodOf(payload: PayloadBuffer): string | undefined {
  const lengthByte = payload.peek(1);
  if (!lengthByte) return undefined;
  const len = lengthByte[0]!;
  if (len < 1 || len > MAX_METHOD || payload.length < 1 + len) throw new ProtocolError(`RPC method name of ${len} bytes`);
  const name = payload.peek(1 + len);
  if (!name) return undefined;
  const method = Buffer.from(name.buffer, name.byteOffset + 1, len).toString("latin1");
  if (!METHOD_PATTERN.test(method)) throw new ProtocolError("RPC method name has invalid characters");
  return method;
}

export function parseRpc(payload: Uint8Array): { method: string; body: unknown } {
  const len = payload[0]!;
  if (len < 1 || len > MAX_METHOD || payload.byteLength < 1 + len) throw new ProtocolError(`RPC method name of ${len} bytes`);
  const method = Buffer.from(payload.buffer, payload.byteOffset + 1, len).toString("latin1");
  if (!METHOD_PATTERN.test(method)) throw new ProtocolError("RPC method name has invalid characters");
  return { method, body: parseJson(payload.subarray(1 + len)) };
}

export function parseRpcResult(payload: Uint8Array): { status: RpcStatus; body: unknown } {
  const status = rpcStatusName[payload[0]!];
  if (status === undefined) throw new ProtocolError(`unknown RPC_RESULT status ${payload[0]}`);
  return { status, body: parseJson(payload.subarray(1)) };
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new ProtocolError("RPC body is not UTF-8 JSON");
  }
}

export function decodeText(bytes: Uint8Array): string {
  return new TextDecoder("utf-8", { fatal: false }).decode(bytes);
}

export function idToBytes(id: string): Uint8Array {
  if (!isChunkId(id)) throw new RangeError(`invalid chunk id ${JSON.stringify(String(id).slice(0, 80))}`);
  return Buffer.from(id, "hex");
}

export function bytesToId(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

function messageBytes(message: string): Uint8Array {
  const bytes = new TextEncoder().encode(message);
  // Cut on a character boundary so the receiver never sees half a code point.
  return bytes.byteLength <= MAX_MESSAGE ? bytes : new TextEncoder().encode(decodeText(bytes.subarray(0, MAX_MESSAGE - 3)).replace(/\uFFFD$/, ""));
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, "0");
}
